"""The house's shape: small modules, no import cycle, imports that point down the layers.

Read from the source with ``ast``, nothing is imported: a module's imports are its
module-level ``import`` and ``from ... import`` statements (also inside ``if``/``try``
at module level), but not those under ``if TYPE_CHECKING:``, which never run, nor
those inside functions, which run only when called.

Importing ``a.b.c`` runs the ``__init__`` of ``a`` and of ``a.b`` first, so it counts
as importing all three, and ``from a import b`` imports the submodule ``a.b`` when
there is one. One exception, where that reason does not hold: a module's own
packages (``ledger`` for ``ledger.work``) have begun running before it, so
``from ledger.values import Money`` in ``ledger.work`` does not count as importing
``ledger``. Reading a name from one of them does (``from ledger import Money``, or
``from service.cli import archive`` in ``service.cli.main``): that reads the
package's namespace, which its ``__init__`` may not have filled yet. That is the
cycle of a package whose ``__init__`` imports a submodule that imports back from it.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ledger", "lineage", "projections", "service")
MAX_LINES = 500
#: What ``ledger.domain`` may import besides the standard library.
DOMAIN_MAY_IMPORT = ("eventsourcing.domain",)


def _modules() -> dict[str, Path]:
    """Every module of the project's packages, by dotted name (a package by its own)."""
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _module_level(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements that run when the module is imported."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                yield from _module_level(node.body)
            yield from _module_level(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody):
                yield from _module_level(block)
            for handler in node.handlers:
                yield from _module_level(handler.body)
        elif isinstance(node, ast.With):
            yield from _module_level(node.body)


def _with_parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:n]) for n in range(1, len(parts) + 1)]


def imported_names(module: str) -> set[str]:
    """Every module (the project's or not) that importing ``module`` imports directly."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    # The module and the packages it is in: already running when its imports run.
    running = set(_with_parents(module))
    found: set[str] = set()

    def run(target: str) -> None:
        found.update(name for name in _with_parents(target) if name not in running)

    for node in _module_level(ast.parse(path.read_text(encoding="utf-8")).body):
        if isinstance(node, ast.Import):
            for alias in node.names:
                run(alias.name)
            continue
        if node.level:
            base = package.split(".")
            base = base[: len(base) - node.level + 1]
            target = ".".join([*base, *([node.module] if node.module else [])])
        else:
            assert node.module is not None
            target = node.module
        run(target)
        if target in running:  # names read from one of its own packages' namespace
            found.add(target)
        for alias in node.names:
            if f"{target}.{alias.name}" in MODULES:
                found.add(f"{target}.{alias.name}")
    found.discard(module)
    return found


def import_graph() -> dict[str, set[str]]:
    """The project's modules and, for each, the project's modules it imports."""
    return {module: imported_names(module) & MODULES.keys() for module in MODULES}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` (its modules in order, the first again at the end), or None."""
    done: set[str] = set()
    for start in sorted(graph):
        if start in done:
            continue
        path: list[str] = []
        on_path: set[str] = set()
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        path.append(start)
        on_path.add(start)
        while stack:
            node, successors = stack[-1]
            for following in successors:
                if following in on_path:
                    return [*path[path.index(following) :], following]
                if following not in done:
                    stack.append((following, iter(sorted(graph[following]))))
                    path.append(following)
                    on_path.add(following)
                    break
            else:
                stack.pop()
                path.pop()
                on_path.discard(node)
                done.add(node)
    return None


def _layer(module: str) -> str:
    return module.partition(".")[0]


def _breaches(rule: dict[str, set[str]]) -> list[str]:
    """``importer -> imported`` for every import from a package of ``rule``'s keys into
    a package it may not import (``rule[package]``: the ones it may not)."""
    graph = import_graph()
    return sorted(
        f"{module} -> {imported}"
        for module, imports in graph.items()
        if _layer(module) in rule
        for imported in imports
        if _layer(imported) in rule[_layer(module)]
    )


def test_no_module_of_the_packages_is_over_500_lines() -> None:
    too_long = {
        module: count
        for module, path in MODULES.items()
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert too_long == {}


def test_no_import_cycle_at_module_level_not_even_through_a_package_init() -> None:
    assert find_cycle(import_graph()) is None


def test_imports_point_from_service_down_to_lineage_and_projections_and_on_to_ledger() -> None:
    assert _breaches({"ledger": {"lineage", "projections", "service"}}) == []
    assert _breaches({"lineage": {"service"}, "projections": {"service"}}) == []


def test_the_domain_imports_only_the_standard_library_and_eventsourcing_domain() -> None:
    domain = [m for m in MODULES if m == "ledger.domain" or m.startswith("ledger.domain.")]
    breaches = sorted(
        f"{module} -> {imported}"
        for module in domain
        for imported in imported_names(module)
        if imported.partition(".")[0] not in sys.stdlib_module_names
        and imported != "__future__"
        and not imported.startswith("ledger.domain")
        and not any(imported in _with_parents(allowed) for allowed in DOMAIN_MAY_IMPORT)
    )
    assert breaches == []


def test_the_cycle_finder_names_a_cycle_through_a_package_init() -> None:
    """The checks above would pass vacuously if the finder missed the ``__init__`` case."""
    graph = {"pkg": {"pkg.main"}, "pkg.main": {"pkg", "pkg.other"}, "pkg.other": set()}
    assert find_cycle(graph) == ["pkg", "pkg.main", "pkg"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_reading_a_name_from_the_own_package_counts_and_importing_a_sibling_does_not() -> None:
    assert "service.cli" not in imported_names("service.cli.acts")  # from service.cli.context
    assert "lineage.graph_state" in imported_names("lineage.graph")
    assert {"ledger", "ledger.application.log"} <= imported_names("lineage.graph")
