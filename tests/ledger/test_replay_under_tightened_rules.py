"""What was recorded stays readable, whatever the rules say later.

The library runs an ``@event`` method's body again every time it replays an
aggregate, so the aggregates check their rules before it, never inside it. These
tests record a realistic ledger (the Tiny Stories sample and an act of every event
type), tighten the rules the way a later release might, open the same store
afresh and replay it: every aggregate loads, and every view, credit, statement
and the export are what they were. Each tightening is shown to be in force: a new
act it forbids is refused.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

import ledger.application.comments
import ledger.application.ledger
import ledger.domain.comment
import ledger.domain.member
import ledger.domain.production
import ledger.domain.vote
import ledger.domain.work
from ledger import Citation, Ledger, Money, Relation, open_ledger
from ledger.archive import export_archive, import_archive
from ledger.domain.comment import Comment
from ledger.domain.errors import (
    InvalidSourcesError,
    InvalidValueError,
    LedgerError,
    TextTooLongError,
)
from ledger.domain.member import HandleClaim, Member
from ledger.domain.production import Production
from ledger.domain.values import check_text
from ledger.domain.vote import Vote
from ledger.domain.work import Work
from lineage.credits import credits_for
from lineage.graph import LineageGraph
from lineage.policies.registry import policy_from_name
from lineage.royalties import statement_for_revenue, statements_of
from projections.opening import open_read_models
from projections.ordering import RankBy
from projections.queries import ReadModels
from tests.conftest import SAMPLE, Databases

AGGREGATES = (Member, HandleClaim, Work, Comment, Vote, Production)


@dataclass(frozen=True)
class Made:
    """What the acts on top of the sample made: members, works, a production."""

    quill: UUID
    sketch: UUID
    critic: UUID
    curie: UUID
    lantern: UUID
    remix: UUID
    draft: UUID
    volume_3: UUID


def record_every_kind_of_act(led: Ledger) -> Made:
    """On top of the sample: an act of every event type, each valid under today's rules."""
    quill = led.register_member(handle="quill", name="Quill Q.", external_id="mem-q").id
    sketch = led.register_member(handle="sketch", external_id="mem-s").id
    critic = led.register_member(handle="critic").id
    curie = led.register_member(handle="curie", name="Curie").id
    led.grant_role(curie, "curator")
    led.rename_member(quill, name="Quill Quinlan", actor_id=quill, idempotency_key="rename-q")
    led.set_credit_preference(
        sketch, "pseudonym", pseudonym="The Sketcher", actor_id=sketch, idempotency_key="cp-s"
    )

    lantern = led.contribute(
        authors=[quill], title="The Lantern Keeper", body="Once.", external_id="rec-lantern"
    ).id
    rec_0109 = led.find_work("rec-0109")
    # A later citation of an original: any work with royalty claims in its lineage
    # would take this remix's stacked claims past 100%, which is refused when recorded.
    cited_later = led.contribute(authors=[quill], title="A Later Source", external_id="rec-late").id
    remix = led.remix(
        authors=[sketch, quill],
        title="The Lantern Keeper, Illustrated",
        kind="image",
        sources=[
            Citation(lantern, Relation.ILLUSTRATION),
            Citation(rec_0109, Relation.REMIX, Decimal("12.5")),
        ],
        actor_id=sketch,
        external_id="rec-remix",
    ).id
    led.cite_source(remix, Citation(cited_later, Relation.INSPIRATION), actor_id=sketch)
    draft = led.contribute(authors=[quill], title="Draft", external_id="rec-draft").id
    led.retract_work(draft, reason="posted twice", actor_id=quill)

    comment = led.comment(work_id=remix, author_id=critic, text="Lovely lines").id
    led.retract_comment(comment, actor_id=critic)
    led.vote(member_id=critic, work_id=remix, value=1, idempotency_key="vote-1")
    led.vote(member_id=critic, work_id=remix, value=-1, idempotency_key="vote-2")
    led.withdraw_vote(member_id=critic, work_id=remix, idempotency_key="vote-3")
    led.vote(member_id=critic, work_id=lantern, value=-1)

    volume_3 = led.create_production(
        title="The Tiny Book of Tiny Stories, Volume 3",
        curator_id=curie,
        external_id="tiny-book-vol-3",
        actor_id=curie,
    ).id
    for work in (lantern, remix, rec_0109):
        led.include_work(volume_3, work, actor_id=curie, idempotency_key=f"in-{work}")
    led.exclude_work(volume_3, rec_0109, actor_id=curie, idempotency_key="out-0109")
    led.choose_policy(
        volume_3,
        "equal",
        pool_percent=Decimal(60),
        weights={lantern: Decimal(1), remix: Decimal(3)},
        actor_id=curie,
        idempotency_key="policy-1",
    )
    led.publish(volume_3, actor_id=curie)
    led.waive_share(volume_3, quill, actor_id=quill)
    led.record_revenue(
        volume_3, Money.parse("100.00", "USD"), external_id="rev-v3-1", actor_id=curie
    )

    lineage = LineageGraph.from_ledger(led)
    volume_1 = led.find_production("tiny-book-vol-1")
    for production, curator in ((volume_3, curie), (volume_1, None)):
        statement = statement_for_revenue(lineage, production, 1).as_dict()
        led.issue_statement(production, 1, statement, actor_id=curator)
    return Made(quill, sketch, critic, curie, lantern, remix, draft, volume_3)


def aggregate_ids(led: Ledger) -> list[UUID]:
    notifications = led.recorder.select_notifications(start=1, limit=led.head)
    return sorted({UUID(str(n.originator_id)) for n in notifications}, key=str)


def observe(led: Ledger, url: str, made: Made) -> dict[str, Any]:
    """Everything a user can ask of the ledger, read back from the store."""
    aggregates = {}
    for aggregate_id in aggregate_ids(led):
        aggregate: Any = led.repository.get(aggregate_id)
        aggregates[aggregate_id] = (type(aggregate), vars(aggregate))
    # As the command line does: a reference is resolved by loading its record.
    works = [led.find_work(ref) for ref in ("rec-0109", "rec-0124", "rec-remix", "rec-draft")]
    productions = [led.find_production(ref) for ref in ("tiny-book-vol-1", "tiny-book-vol-3")]
    lineage = LineageGraph.from_ledger(led)
    credits = [
        credits_for(lineage, work, policy_from_name(name)).as_dict()
        for work in works
        for name in ("decay", "equal", "relative")
    ]
    statements = [
        (number, statement.as_dict(), issued)
        for production in productions
        for number, statement, issued in statements_of(lineage, production)
    ]
    views = ReadModels(led, open_read_models(url))
    views.projector.rebuild()
    read_models = {
        "rows": views.store.dump(),
        "rankings": {by: [r.as_dict() for r in views.rankings(by, limit=200)] for by in RankBy},
        "leaderboard": views.leaderboard(limit=200),
        "histories": [
            views.history(subject).as_dict()
            for subject in (made.quill, made.sketch, made.remix, made.volume_3)
        ],
    }
    views.store.close()
    exported = io.StringIO()
    export_archive(led, exported)
    return {
        "aggregates": aggregates,
        "credits": credits,
        "statements": statements,
        "read_models": read_models,
        "export": exported.getvalue().encode(),
    }


class Tightened(LedgerError):
    """A rule this test made stricter refused an act."""


def _refuse(*args: object, **kwargs: object) -> None:
    raise Tightened("refused under the tightened rules")


def at_most_one_source(monkeypatch: pytest.MonkeyPatch) -> None:
    original = Work.check_sources

    def check_sources(work_id: UUID, sources: Any) -> None:
        if len(sources) > 1:
            raise InvalidSourcesError("a remix cites one source")
        original(work_id, sources)

    monkeypatch.setattr(Work, "check_sources", staticmethod(check_sources))


def texts_of_at_most_3_characters(monkeypatch: pytest.MonkeyPatch) -> None:
    """Titles, names, pseudonyms, comments, policy names: 3 characters at most."""

    def short_text(what: str, text: str, limit: int, *, required: bool = True) -> str:
        return check_text(what, text, min(limit, 3), required=required)

    for module in (
        ledger.domain.work,
        ledger.domain.member,
        ledger.domain.comment,
        ledger.domain.production,
    ):
        monkeypatch.setattr(module, "check_text", short_text)


def votes_only_up(monkeypatch: pytest.MonkeyPatch) -> None:
    def check_vote_value(value: object) -> int:
        if value != 1:
            raise InvalidValueError("a vote is +1")
        return 1

    for module in (ledger.domain.vote, ledger.application.comments):
        monkeypatch.setattr(module, "check_vote_value", check_vote_value)


def no_curator_acts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nobody may act as a curator, and every production is closed."""
    monkeypatch.setattr(ledger.application.ledger.Ledger, "_check_curator", _refuse)
    monkeypatch.setattr(Production, "check_not_published", _refuse)


def every_check_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    """The strictest release possible: every rule of every aggregate refuses everything."""
    for cls in AGGREGATES:
        for name, value in vars(cls).items():
            if name.startswith("check"):
                refusal = staticmethod(_refuse) if isinstance(value, staticmethod) else _refuse
                monkeypatch.setattr(cls, name, refusal)
    for module in (
        ledger.domain.work,
        ledger.domain.member,
        ledger.domain.comment,
        ledger.domain.production,
        ledger.domain.vote,
    ):
        for name in ("check_text", "check_vote_value"):
            if hasattr(module, name):
                monkeypatch.setattr(module, name, _refuse)


Tightening = Callable[[pytest.MonkeyPatch], None]
# Per tightening: a new act it refuses (so the test knows the tightening is in force).
Probe = Callable[[Ledger, Made], object]
TIGHTENINGS: dict[str, tuple[Tightening, Probe, type[Exception]]] = {
    "at most one source": (
        at_most_one_source,
        lambda led, r: led.cite_source(
            r.remix, Citation(led.find_work("rec-0021"), Relation.REMIX), actor_id=r.sketch
        ),
        InvalidSourcesError,
    ),
    "texts of at most 3 characters": (
        texts_of_at_most_3_characters,
        lambda led, r: led.rename_member(r.sketch, name="Sketch", actor_id=r.sketch),
        TextTooLongError,
    ),
    "votes only +1": (
        votes_only_up,
        lambda led, r: led.vote(member_id=r.critic, work_id=r.remix, value=-1),
        InvalidValueError,
    ),
    "no curator acts": (
        no_curator_acts,
        lambda led, r: led.include_work(r.volume_3, led.find_work("rec-0021"), actor_id=r.curie),
        Tightened,
    ),
    "every check refuses": (
        every_check_refuses,
        lambda led, r: led.rename_member(r.quill, name="Q", actor_id=r.quill),
        Tightened,
    ),
}


@dataclass
class RecordedLedger:
    url: str
    made: Made
    before: dict[str, Any]


def recorded_ledger(databases: Databases, backend: str) -> Iterator[RecordedLedger]:
    url = databases.url(backend)
    led = open_ledger(url)
    try:
        with SAMPLE.open(encoding="utf-8") as sample:
            import_archive(led, sample)
        made = record_every_kind_of_act(led)
        before = observe(led, url, made)
    finally:
        led.close()
    yield RecordedLedger(url, made, before)


@pytest.fixture(scope="module")
def sqlite_ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RecordedLedger]:
    """One recorded SQLite ledger, replayed under each tightening in turn."""
    yield from recorded_ledger(Databases(tmp_path_factory.mktemp("tightened")), "sqlite")


def replay_under(
    monkeypatch: pytest.MonkeyPatch, recorded_ledger: RecordedLedger, tightening: str
) -> None:
    tighten, probe, refusal = TIGHTENINGS[tightening]
    tighten(monkeypatch)
    led = open_ledger(recorded_ledger.url)
    try:
        after = observe(led, recorded_ledger.url, recorded_ledger.made)
        with pytest.raises(refusal):
            probe(led, recorded_ledger.made)
    finally:
        led.close()
    before = recorded_ledger.before
    assert after["aggregates"] == before["aggregates"]
    assert after["credits"] == before["credits"]
    assert after["statements"] == before["statements"]
    assert after["read_models"] == before["read_models"]
    assert after["export"] == before["export"]


@pytest.mark.parametrize("tightening", list(TIGHTENINGS))
def test_a_ledger_recorded_under_todays_rules_replays_unchanged_under_tightened_ones(
    sqlite_ledger: RecordedLedger, monkeypatch: pytest.MonkeyPatch, tightening: str
) -> None:
    replay_under(monkeypatch, sqlite_ledger, tightening)


def test_a_postgres_ledger_replays_unchanged_when_every_check_refuses(
    databases: Databases, monkeypatch: pytest.MonkeyPatch
) -> None:
    for recorded in recorded_ledger(databases, "postgres"):
        replay_under(monkeypatch, recorded, "every check refuses")


def test_an_act_retried_with_its_key_is_still_recognised_under_tightened_rules(
    sqlite_ledger: RecordedLedger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The keys an aggregate remembers are part of what its events apply: a retry of
    an act recorded under yesterday's rules records nothing, and is not re-judged."""
    every_check_refuses(monkeypatch)
    made = sqlite_ledger.made
    led = open_ledger(sqlite_ledger.url)
    try:
        head = led.head
        retried = led.rename_member(
            made.quill, name="Quill Quinlan", actor_id=made.quill, idempotency_key="rename-q"
        )
        assert retried.position is None
        assert led.head == head
    finally:
        led.close()


EVENT_TOPICS = {
    "ledger.comment:Comment.CommentRetracted",
    "ledger.comment:Comment.Commented",
    "ledger.member:HandleClaim.Claimed",
    "ledger.member:Member.CreditPreferenceSet",
    "ledger.member:Member.Registered",
    "ledger.member:Member.Renamed",
    "ledger.member:Member.RoleGranted",
    "ledger.production:Production.Created",
    "ledger.production:Production.Published",
    "ledger.production:Production.PolicyChosen",
    "ledger.production:Production.RevenueRecorded",
    "ledger.production:Production.RoyaltyStatementIssued",
    "ledger.production:Production.ShareWaived",
    "ledger.production:Production.WorkExcluded",
    "ledger.production:Production.WorkIncluded",
    "ledger.vote:Vote.VoteChanged",
    "ledger.vote:Vote.VoteWithdrawn",
    "ledger.vote:Vote.Voted",
    "ledger.work:Work.Contributed",
    "ledger.work:Work.Remixed",
    "ledger.work:Work.Retracted",
    "ledger.work:Work.SourceCited",
}


def test_every_event_type_is_recorded_under_the_topic_stored_ledgers_hold(
    sqlite_ledger: RecordedLedger,
) -> None:
    """A topic names an event class in every ledger ever written: renaming or moving a
    class (or a command method naming its event) must not change it."""
    led = open_ledger(sqlite_ledger.url)
    try:
        notifications = led.recorder.select_notifications(start=1, limit=led.head)
    finally:
        led.close()
    assert {notification.topic for notification in notifications} == EVENT_TOPICS
