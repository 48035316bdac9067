"""docs/archive-format.md describes the format this program writes (issue 20, item 9)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ledger import open_ledger
from ledger.archive import FORMAT_NAME, FORMAT_VERSION, import_archive

DOC = (Path(__file__).resolve().parents[2] / "docs" / "archive-format.md").read_text("utf-8")


def _example() -> list[str]:
    """The lines of the document's example archive (the indented block under "Example")."""
    section = DOC.split("\n## Example\n", 1)[1].split("\n## ", 1)[0]
    return [line.strip() for line in section.splitlines() if line.startswith("    {")]


def test_the_documents_headers_carry_the_version_it_describes() -> None:
    title = re.match(r"# The Remix Ledger archive format, version (\d+)\n", DOC)
    assert title is not None and int(title.group(1)) == FORMAT_VERSION
    headers = [
        json.loads(line.strip())
        for line in DOC.splitlines()
        if line.startswith('    {"type":"archive"')
    ]
    assert len(headers) >= 2  # the format's description and the example's first line
    for header in headers:
        assert header == {"type": "archive", "format": FORMAT_NAME, "version": FORMAT_VERSION}
    assert json.loads(_example()[0])["version"] == FORMAT_VERSION


def test_the_documents_example_imports() -> None:
    report = import_archive(open_ledger("memory://"), _example(), source="example.jsonl")
    assert report.applied == len(_example()) - 1 and report.out_of_order == 0
