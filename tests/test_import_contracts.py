"""The `acyclic_modules` contract type that `lint-imports` runs (tests/import_contracts.py)."""

from tests.import_contracts import strongly_connected


def test_cycles_are_found_through_any_number_of_modules():
    edges = {
        "app": ["app.services"],
        "app.services": ["app.services.send"],
        "app.services.send": ["app.services", "app.rules"],  # back to its package's __init__
        "app.rules": [],
        "app.views": ["app.services", "app.rules"],
    }
    groups = [sorted(g) for g in strongly_connected(list(edges), edges) if len(g) > 1]

    assert groups == [["app.services", "app.services.send"]]


def test_a_chain_without_a_way_back_is_no_cycle():
    edges = {f"m{i}": [f"m{i + 1}"] for i in range(5000)} | {"m5000": []}

    assert all(len(g) == 1 for g in strongly_connected(list(edges), edges))
