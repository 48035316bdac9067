"""Rankings, discovery, the leaderboard and histories on hand-built ledgers, on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ledger import Citation, Relation
from projections.ordering import RankBy, WorkFilter
from projections.queries import ReadModels
from tests.builders import cast_of
from tests.conftest import Databases
from tests.projections.stores import ledger_and_models

DAY = timedelta(days=1)
T0 = datetime(2011, 1, 1, tzinfo=UTC)


@pytest.fixture
def studio(backend: str, databases: Databases) -> tuple[ReadModels, dict[str, object]]:
    """Five works with known votes, one retracted, a diamond of remixes."""
    ledger, models = ledger_and_models(databases, backend)
    cast = cast_of(ledger)
    voters = [ledger.register_member(handle=f"voter{n}").id for n in range(12)]

    def work(title: str, days: int, kind: str = "text", author=None, sources=()):  # type: ignore[no-untyped-def]
        return ledger.remix(
            authors=[author or cast.ana],
            title=title,
            kind=kind,
            occurred_at=T0 + days * DAY,
            sources=[Citation(s, Relation.REMIX) for s in sources],
        ).id

    steady = work("Steady", 0)  # 90% of many votes
    lucky = work("Lucky", 1)  # one up-vote
    fresh = work("Fresh", 30, kind="image", author=cast.ben)  # new, two up-votes
    gone = work("Gone", 2)
    left = work("Left", 3, author=cast.ben, sources=[steady])
    right = work("Right", 4, author=cast.cat, sources=[steady])
    bottom = work("Bottom", 5, author=cast.cat, sources=[left, right])
    for n, voter in enumerate(voters[:10]):
        ledger.vote(member_id=voter, work_id=steady, value=1 if n < 9 else -1)
    ledger.vote(member_id=voters[0], work_id=lucky, value=1)
    ledger.vote(member_id=voters[0], work_id=fresh, value=1)
    ledger.vote(member_id=voters[1], work_id=fresh, value=1)
    for voter in voters[:5]:
        ledger.vote(member_id=voter, work_id=gone, value=1)
    ledger.retract_work(gone, actor_id=cast.ana)
    ledger.comment(work_id=steady, author_id=cast.ben, text="a classic")
    models.projector.catch_up()
    ids = dict(
        steady=steady, lucky=lucky, fresh=fresh, gone=gone, left=left, right=right, bottom=bottom
    )
    return models, {**ids, "cast": cast}


def titles(ranked) -> list[str]:  # type: ignore[no-untyped-def]
    return [entry.work.title for entry in ranked]


def test_wilson_prefers_many_good_votes_to_one_lucky_vote(studio) -> None:  # type: ignore[no-untyped-def]
    models, _ = studio
    ranked = models.rankings(RankBy.wilson, limit=3)
    assert titles(ranked) == ["Steady", "Fresh", "Lucky"]
    assert ranked[0].work.up == 9 and ranked[0].work.down == 1
    assert ranked[0].wilson == pytest.approx(0.5958, abs=1e-4)
    assert ranked[0].work.comments == 1


def test_retracted_works_drop_out_of_rankings_but_not_histories(studio) -> None:  # type: ignore[no-untyped-def]
    models, ids = studio
    every = titles(models.rankings(RankBy.newest, limit=100))
    assert "Gone" not in every and len(every) == 6
    history = models.history(ids["gone"])
    assert [entry.type for entry in history.entries][-1] == "Retracted"


def test_hot_ranks_a_fresh_work_above_an_older_better_voted_one(studio) -> None:  # type: ignore[no-untyped-def]
    models, _ = studio
    # Fresh (+2, day 30) against Steady (+8, day 0): with a one-week half-life, 30 days
    # divide Steady's score by 2^(30*24/168) ~ 19.5, so Fresh wins; with 90 days, Steady.
    assert titles(models.rankings(RankBy.hot, limit=1)) == ["Fresh"]
    slow = ReadModels(models.ledger, models.store, half_life_hours=90 * 24)
    assert titles(slow.rankings(RankBy.hot, limit=1)) == ["Steady"]
    # Works without votes rank below every work with positive votes, earliest first.
    assert titles(models.rankings(RankBy.hot, limit=10))[-3:] == ["Left", "Right", "Bottom"]


def test_most_remixed_counts_direct_remixes_and_reports_all_descendants(studio) -> None:  # type: ignore[no-untyped-def]
    models, _ = studio
    top = models.rankings(RankBy.remixed, limit=1)[0]
    assert top.work.title == "Steady"
    assert top.work.direct_remixes == 2
    assert top.descendants == 3  # Left, Right and (through both) Bottom, counted once


def test_filters_by_kind_period_and_never_remixed(studio) -> None:  # type: ignore[no-untyped-def]
    models, _ = studio
    assert titles(models.rankings(RankBy.newest, WorkFilter(kind="image"))) == ["Fresh"]
    january_2 = WorkFilter(
        since_epoch=(T0 + DAY).timestamp(), until_epoch=(T0 + 4 * DAY).timestamp()
    )
    assert titles(models.rankings(RankBy.newest, january_2)) == ["Left", "Lucky"]
    # Right is not among them: Bottom remixed it.
    assert titles(models.rankings(RankBy.newest, WorkFilter(never_remixed=True))) == [
        "Fresh",
        "Bottom",
        "Lucky",
    ]


def test_ties_break_by_position(studio) -> None:  # type: ignore[no-untyped-def]
    models, _ = studio
    unvoted = titles(models.rankings(RankBy.wilson, limit=10))[-3:]
    assert unvoted == ["Left", "Right", "Bottom"]  # all 0.0: earliest recorded first


def test_the_leaderboard_counts_remixes_by_others_and_votes_received(studio) -> None:  # type: ignore[no-untyped-def]
    models, _ = studio
    board = models.leaderboard(limit=3)
    assert [row.handle for row in board] == ["ana", "ben", "cat"]
    ana = board[0]
    assert ana.remixes_received == 2  # Left (ben) and Right (cat) built on Steady
    assert (ana.votes_up, ana.votes_down) == (15, 1)  # Gone's votes stay received
    assert ana.works == 2  # Steady and Lucky; Gone was retracted
    assert board[1].remixes_received == 1  # Bottom (cat) built on Left (ben)


def test_history_pages_by_position_cursor(studio) -> None:  # type: ignore[no-untyped-def]
    models, ids = studio
    full = models.history(ids["steady"], limit=1000).entries
    assert len(full) == 14  # created, 2 remixes, 10 votes, 1 comment
    first = models.history(ids["steady"], limit=5)
    assert [e.position for e in first.entries] == [e.position for e in full[:5]]
    second = models.history(ids["steady"], after=first.next_after or 0, limit=100)
    assert [e.position for e in second.entries] == [e.position for e in full[5:]]
    assert second.next_after is None


def test_rankings_and_histories_as_of_a_past_position(studio) -> None:  # type: ignore[no-untyped-def]
    models, ids = studio
    history = models.history(ids["steady"]).entries
    before_votes = history[2].position  # after the two remixes, before any vote
    ranked = models.rankings(RankBy.wilson, limit=10, as_of=before_votes)
    assert all(entry.work.up == 0 for entry in ranked)
    past = models.history(ids["steady"], as_of=before_votes).entries
    assert [e.position for e in past] == [e.position for e in history[:3]]
    # Gone was not yet retracted then, so it still ranks.
    assert "Gone" in titles(models.rankings(RankBy.newest, limit=10, as_of=before_votes))
