"""The folder tree says what is what: the domain imports no plumbing."""

from __future__ import annotations

import ast
from pathlib import Path

import ledger.domain

DOMAIN = Path(ledger.domain.__file__).parent
# The library's domain module, and its topic registry (the moved classes keep their topics).
ALLOWED_THIRD_PARTY = {"eventsourcing.domain"}


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def test_the_domain_imports_nothing_but_the_standard_library_and_eventsourcing_domain() -> None:
    refused = {}
    for path in sorted(DOMAIN.glob("*.py")):
        for module in imported_modules(path):
            top = module.split(".")[0]
            if module.startswith("ledger.domain") or module in ALLOWED_THIRD_PARTY:
                continue
            if top == "__future__" or top in __import__("sys").stdlib_module_names:
                continue
            refused[path.name] = module
    assert refused == {}
