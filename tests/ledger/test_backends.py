"""The same application scenarios on every backend: in memory, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ledger import Citation, Ledger, Money, Relation, open_ledger
from ledger.application.history import history_of
from ledger.domain.errors import CycleError, HandleTakenError
from tests.builders import cast_of


def test_a_community_records_works_remixes_comments_votes_and_revenue(any_ledger: Ledger) -> None:
    ledger = any_ledger
    cast = cast_of(ledger)
    story = cast.story("The Moon Ate My Homework")
    picture = ledger.remix(
        authors=[cast.ben, cast.cat],
        title="Moon, illustrated",
        kind="image",
        sources=[Citation(story, Relation.ILLUSTRATION, Decimal("12.5"))],
        uri="https://example.org/moon.png",
        license="CC-BY-4.0",
    ).id
    reading = ledger.remix(
        authors=[cast.cat],
        title="Moon, read aloud",
        kind="audio",
        sources=[Citation(story, Relation.AUDIO), Citation(picture, Relation.INSPIRATION)],
    ).id
    ledger.comment(work_id=picture, author_id=cast.ana, text="Love the colours")
    ledger.vote(member_id=cast.ana, work_id=picture, value=1)
    ledger.vote(member_id=cast.ben, work_id=story, value=1)
    ledger.vote(member_id=cast.ben, work_id=story, value=-1)
    production = cast.published_production(story, picture, reading)
    position = ledger.record_revenue(
        production, Money.parse("1234.56", "USD"), actor_id=cast.curator
    ).position

    assert position == ledger.head
    reloaded = ledger.work(picture)
    assert reloaded.authors == (cast.ben, cast.cat)
    assert reloaded.sources == (Citation(story, Relation.ILLUSTRATION, Decimal("12.5")),)
    assert ledger.work(reading).source_ids == (story, picture)
    vote = ledger.vote_of(cast.ben, story)
    assert vote is not None and vote.value == -1
    produced = ledger.production(production)
    assert produced.work_ids == (story, picture, reading)
    assert produced.revenue == (Money(123456, "USD"),)
    assert produced.is_published
    with pytest.raises(CycleError):
        ledger.cite_source(story, Citation(reading, Relation.REMIX), actor_id=cast.ana)
    with pytest.raises(HandleTakenError):
        ledger.register_member(handle="ANA")
    summaries = [entry.summary for entry in history_of(ledger, picture)]
    assert summaries[0].startswith("'Moon, illustrated' (image) by @ben, @cat")
    assert any("voted on 'Moon, illustrated': +1" in s for s in summaries)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_ledger_survives_closing_and_reopening(ledger_url: str) -> None:
    when = datetime(2010, 6, 1, tzinfo=UTC)
    first = open_ledger(ledger_url)
    member = first.register_member(handle="wirrow", external_id="mem-1", occurred_at=when).id
    head = first.head
    first.close()
    second = open_ledger(ledger_url)
    try:
        assert second.head == head
        assert second.find_member("mem-1") == member
        assert second.member(member).joined_at == when
    finally:
        second.close()
