"""The proposal page, and proposals on the member and production pages, in a real
headless Chromium against a real ``serve``: hostile text in reasons, objections and
answers is shown as text, never run. Marked slow: it starts a server and a browser."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from ledger import Money, open_ledger
from ledger.application.operations import register_curator
from lineage.proposals import adjust_proposal, draft_proposal
from lineage.snapshot import open_lineage
from tests.service.http.servers import Server
from tests.service.web.test_browser import HOSTILE, _watch, browser  # noqa: F401

pytestmark = pytest.mark.slow


def _cycle(db: str) -> UUID:
    """A final proposal: a role credit with a hostile reason, a hostile objection and answer."""
    ledger = open_ledger(db)
    try:
        curie = register_curator(ledger, handle="curie").id
        ann = ledger.register_member(handle="ann").id
        bo = ledger.register_member(handle="bo").id
        story = ledger.contribute(authors=[ann], title="Story", external_id="s1").id
        book = ledger.create_production(title="Book", curator_id=curie, external_id="book").id
        ledger.include_work(book, story)
        ledger.publish(book)
        ledger.record_revenue(book, Money.parse("100.00", "USD"))
        past = datetime.now(UTC) - timedelta(days=30)
        proposal = draft_proposal(
            ledger,
            open_lineage(ledger, None, long_lived=False),
            book,
            "revenue:1",
            occurred_at=past,
        ).id
        adjust_proposal(
            ledger,
            proposal,
            role_credit_text="Editors=10:bo",
            reason=f"bo edited {HOSTILE}",
            occurred_at=past,
        )
        ledger.open_proposal(proposal, window_days=14, occurred_at=past)
        ledger.object_to_proposal(proposal, kind="too_little", text=f"more {HOSTILE}", actor_id=bo)
        ledger.answer_objection(
            proposal, "1", decision="declined", reason=f"no {HOSTILE}", actor_id=curie
        )
        ledger.finalize_proposal(proposal, actor_id=curie)
        return proposal
    finally:
        ledger.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, UUID]]:
    folder = Path(tmp_path_factory.mktemp("proposal-pages"))
    db = str(folder / "ledger.db")
    proposal = _cycle(db)
    server = Server(db, "--log-level", "warning", log=folder / "serve.log").start()
    try:
        yield server.url, proposal
    finally:
        server.stop()


def test_the_proposal_page_shows_its_lines_versions_and_objections_and_runs_no_hostile_text(
    browser: Any,  # noqa: F811
    served: tuple[str, UUID],
) -> None:
    url, proposal = served
    page = browser.new_page()
    errors, dialogs = _watch(page)
    page.goto(f"{url}/proposals/{proposal}")
    text = page.inner_text("main")
    assert "final" in page.inner_text(".state")
    assert "the window closed on" in text
    assert "Editors" in page.inner_text(".roles") and "@bo" in page.inner_text(".roles")
    assert "@ann" in page.inner_text(".lines") and "Story" in page.inner_text(".lines")
    assert f"bo edited {HOSTILE}" in page.inner_text(".versions")
    assert "role credit Editors: 10% of the pool to bo" in page.inner_text(".versions")
    assert f"more {HOSTILE}" in page.inner_text(".objection")
    assert f"no {HOSTILE}" in page.inner_text(".answer")
    assert page.locator("main img").count() == 0
    assert dialogs == [] and errors == []

    page.click("text=Book")
    assert "revenue:1" in page.inner_text("main")
    page.click("text=revenue:1")
    assert page.url.endswith(f"/proposals/{proposal}")

    page.goto(f"{url}/members/bo")
    member = page.inner_text("main")
    assert "revenue:1" in member and "5.00 USD" in member
    assert f"too little: more {HOSTILE} (declined)" in member
    assert "nothing owed" in member
    assert page.locator("main img").count() == 0 and dialogs == []
    page.close()
