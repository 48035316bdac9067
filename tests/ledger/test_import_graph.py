"""A newcomer can read ``ledger/`` module by module: none is over 500 lines, and no
two import each other at module level, not even through a package's ``__init__``.

Imports under ``if TYPE_CHECKING:`` and inside functions run later (or never), so
they are no cycle at import time and are left out of the graph.
"""

from __future__ import annotations

import ast
from pathlib import Path

import ledger

ROOT = Path(ledger.__file__).parent
LIMIT = 500


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def top_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """The imports that run when the module is imported (not in functions or classes)."""
    found: list[ast.Import | ast.ImportFrom] = []
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.If) and not is_type_checking(node):
            pending.extend(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            pending.extend(node.body + node.orelse + node.finalbody)
            for handler in node.handlers:
                pending.extend(handler.body)
    return found


def imports_of(name: str) -> set[str]:
    """The ledger modules ``name`` imports at module level: ``from pkg import x`` is
    ``pkg.x`` when x is a submodule, else ``pkg`` itself (its ``__init__``)."""
    edges: set[str] = set()
    for node in top_level_imports(ast.parse(MODULES[name].read_text())):
        if isinstance(node, ast.Import):
            edges.update(alias.name for alias in node.names)
        elif node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                edges.add(submodule if submodule in MODULES else node.module)
    return {edge for edge in edges if edge in MODULES and edge != name}


def cycles() -> list[list[str]]:
    graph = {name: sorted(imports_of(name)) for name in MODULES}
    found: list[list[str]] = []
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            found.append([*path[path.index(name) :], name])
            return
        if name in done:
            return
        for imported in graph[name]:
            visit(imported, [*path, name])
        done.add(name)

    for name in graph:
        visit(name, [])
    return found


def test_no_ledger_module_imports_itself_back_at_module_level() -> None:
    assert cycles() == []


def test_a_submodule_imports_its_siblings_from_their_modules_not_from_its_package() -> None:
    """``from ledger.archive import x`` inside ``ledger/archive/`` runs (or re-enters)
    the package's ``__init__``, which imports the submodules: name the module instead."""
    through_package = {}
    for name, path in MODULES.items():
        for node in top_level_imports(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and name.startswith(f"{node.module}.")
            ):
                through_package[name] = node.module
    assert through_package == {}


def test_no_ledger_module_is_over_500_lines() -> None:
    long = {
        name: n
        for name, path in MODULES.items()
        if (n := len(path.read_text().splitlines())) > LIMIT
    }
    assert long == {}
