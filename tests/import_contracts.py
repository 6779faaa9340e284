"""An import-linter contract type for `lint-imports` (pyproject.toml [tool.importlinter]).

`acyclic_modules`: no two modules of the project import each other, directly or through others.
import-linter's own `acyclic_siblings` compares only sibling modules, so a package's `__init__`
re-exporting a submodule that imports the package back goes unseen by it; this one looks at every
module, and names each cycle it finds (its modules, and the imports that close it).
"""

from __future__ import annotations

from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


class AcyclicModulesContract(Contract):
    type_name = "acyclic_modules"

    packages = fields.ListField(subfield=fields.StringField())

    def check(self, graph, verbose: bool) -> ContractCheck:
        roots = tuple(self.packages)  # type: ignore[arg-type]
        modules = sorted(
            m for m in graph.modules if m in roots or m.startswith(tuple(r + "." for r in roots))
        )
        imports = {
            m: sorted(graph.find_modules_directly_imported_by(m) & set(modules)) for m in modules
        }
        cycles = [sorted(group) for group in strongly_connected(modules, imports) if len(group) > 1]
        return ContractCheck(
            kept=not cycles,
            metadata={
                "cycles": [
                    (group, [(a, b) for a in group for b in imports[a] if b in group])
                    for group in cycles
                ]
            },
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        for group, edges in check.metadata["cycles"]:
            output.print_error(f"Import cycle: {' <-> '.join(group)}")
            for importer, imported in edges:
                output.print_error(f"- {importer} -> {imported}", bold=False)
            output.new_line()


def strongly_connected(nodes: list[str], edges: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, without recursion."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(edges[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                groups.append(group)
    return groups
