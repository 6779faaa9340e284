"""The repository tests itself with nothing beside it: no path reaches outside the checkout."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A parent-directory hop or an absolute path into the machine's work area.
OUTSIDE = re.compile(r"\.\./" + "shared" + r"|(?<![\w.])/" + "work" + r"/")


def test_no_tracked_file_names_a_path_outside_the_repository():
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    offenders = []
    for name in filter(None, files):
        path = ROOT / name.decode()
        if not path.is_file() or path.stat().st_size > 1_000_000:
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        offenders += [f"{name.decode()}: {m.group()}" for m in OUTSIDE.finditer(text)]
    assert offenders == []


def test_the_twilio_twin_and_its_specs_are_in_the_repository():
    twin = ROOT / "tests" / "twin"
    assert (twin / "start.sh").stat().st_mode & 0o111
    assert (twin / "package-lock.json").is_file()
    for spec in ("twilio_api_v2010", "twilio_content_v1", "twilio_messaging_v1"):
        assert (twin / "openapi" / f"{spec}.json").is_file()


def test_pre_commit_runs_the_ruff_pinned_in_pyproject():
    import tomllib

    pinned = [
        dep
        for dep in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
            "optional-dependencies"
        ]["dev"]
        if dep.startswith("ruff==")
    ]
    hooks = (ROOT / ".pre-commit-config.yaml").read_text()
    assert len(pinned) == 1
    assert hooks.count(f'"{pinned[0]}"') == 2  # ruff check and ruff format
