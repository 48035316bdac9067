"""The latest signed checkpoint on every page (TestClient, real SQLite and PostgreSQL):
none yet, none possible (memory://), one signed, and its origin escaped."""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import pytest
from markupsafe import escape

from ledger.transparency.checkpoints import sign_checkpoint, write_new_key
from ledger.transparency.store import StoredCheckpoint, TreeStore
from tests.service.web.conftest import Api, ApiFactory
from tests.service.web.test_pages import page, settled

NONE_YET = "No checkpoint has been signed yet"
NO_TREE = "This ledger keeps no tamper-evident log"


def some_pages(api: Api) -> list[str]:
    """A work, a member, the home and audit pages, and an error page."""
    ana = api.member("ana")
    work = api.work(ana, "Story")
    settled(api)
    return [
        page(api, url, status)
        for url, status in (
            ("/", 200),
            (f"/works/{work['work_id']}", 200),
            ("/members/ana", 200),
            ("/audit", 200),
            ("/works/no-such-work", 404),
        )
    ]


def footer(text: str) -> str:
    found = re.search(r'<footer class="site">(.*?)</footer>', text, re.S)
    assert found is not None, "the page has no footer"
    return found.group(1)


def tree_store(api: Api) -> TreeStore:
    store: TreeStore | None = api.client.app.state.tree_store  # type: ignore[attr-defined]
    assert store is not None
    return store


def sign(api: Api, key_file: Path, origin: str = "studio.example/log") -> StoredCheckpoint:
    return sign_checkpoint(tree_store(api), write_new_key(key_file, origin))


def audit_rows(text: str) -> list[tuple[int, str]]:
    """(position, "In checkpoint" cell) of each event the audit page lists."""
    body = text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", body)]
    return [(int(cells[0]), cells[-1]) for cells in rows]


def test_a_fresh_sqlite_ledger_says_no_checkpoint_is_signed_yet(make_api: ApiFactory) -> None:
    api = make_api("sqlite")
    for text in some_pages(api):
        assert NONE_YET in footer(text)
        assert "/log/checkpoint" not in text
    audit = page(api, "/audit")
    assert NONE_YET in audit.split("<footer", 1)[0]  # said in the audit's section too
    assert "In checkpoint" not in audit


def test_an_in_memory_ledger_says_it_has_no_tamper_evident_log(api: Api) -> None:
    for text in some_pages(api):
        assert NO_TREE in footer(text)
        assert NONE_YET not in text


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_every_page_shows_the_latest_checkpoint_and_the_audit_page_its_note(
    make_api: ApiFactory, tmp_path: Path, backend: str
) -> None:
    api = make_api(backend)
    pages_before = some_pages(api)
    signed = sign(api, tmp_path / "log.key")
    assert signed.size == len(api.services.ledger.recorder.select_notifications(start=1, limit=99))
    root = base64.b64encode(signed.root).decode()
    for before in pages_before:
        assert NONE_YET in footer(before)

    # Written after the checkpoint: listed, not covered.
    api.work(api.member("bo"), "Later")
    settled(api)
    for url in ("/", "/members/ana", "/audit", "/works/no-such-work"):
        shown = footer(page(api, url, 404 if "no-such" in url else 200))
        assert "studio.example/log" in shown
        assert f'<span class="size">{signed.size}</span> events' in shown
        assert f'<code class="root">{root}</code>' in shown
        assert '<a href="/log/checkpoint">' in shown
        assert "remix-ledger verify" in shown and signed.vkey in shown
        assert f'datetime="{signed.recorded_at}"' in shown

    audit = page(api, "/audit")
    note = re.search(r'<pre class="note">(.*?)</pre>', audit, re.S)
    assert note is not None and html.unescape(note.group(1)) == signed.note
    assert api.get("/log/checkpoint").text == signed.note  # the link's target, the same note
    rows = audit_rows(audit)
    last_covered = tree_store(api).position_of(signed.size - 1)
    assert last_covered is not None
    assert [cell for position, cell in rows if position <= last_covered] == ["yes"] * 2
    assert [cell for position, cell in rows if position > last_covered] == ["not yet"] * 2
    # A filtered list says it too.
    assert [cell for _, cell in audit_rows(page(api, "/audit?member=bo"))] == ["not yet"] * 2


def test_a_newer_checkpoint_replaces_the_older_one(make_api: ApiFactory, tmp_path: Path) -> None:
    api = make_api("sqlite")
    some_pages(api)
    first = sign(api, tmp_path / "one.key")
    api.member("bo")
    second = sign(api, tmp_path / "two.key")
    assert second.size > first.size
    shown = footer(page(api, "/"))
    assert f'<span class="size">{second.size}</span>' in shown
    assert base64.b64encode(second.root).decode() in shown
    assert base64.b64encode(first.root).decode() not in shown


HOSTILE_ORIGINS = [
    "<img/src=x/onerror=alert(1)>",
    "</pre><script>alert(1)</script>",
    '"><a/href=javascript:alert(1)>x</a>',
]


@pytest.mark.parametrize("origin", HOSTILE_ORIGINS)
def test_the_checkpoint_origin_is_escaped(
    make_api: ApiFactory, tmp_path: Path, origin: str
) -> None:
    api = make_api("sqlite")
    some_pages(api)
    signed = sign(api, tmp_path / "log.key", origin)
    for url in ("/", "/audit"):
        text = page(api, url)
        assert "<script" not in text.lower() and "<img" not in text.lower()
        assert "javascript:" not in text.replace(str(escape(origin)), "")
        assert str(escape(origin)) in footer(text)
    audit = page(api, "/audit")
    assert str(escape(signed.note)) in audit
