"""Proposal events -> notifications (the pure mapping) and the read model they are kept in."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from projections.mail_store import MailDatabase, open_mail_database
from projections.notification_projection import (
    ProposalEvent,
    apply_proposal_events,
    mark_read,
    notifications_of,
    projected_position,
)
from projections.notifications import ProposalFollow, notifications_for
from projections.outbox import outbox_rows
from tests.conftest import Databases

ANN, BO, CY, CURATOR = (uuid.uuid4() for _ in range(4))
PROPOSAL = uuid.uuid4()
AT = datetime(2025, 3, 1, tzinfo=UTC)


def line(member: uuid.UUID, amount: int, role: str | None = None) -> dict[str, Any]:
    return {
        "member_id": str(member),
        "amount_minor": amount,
        "share": "1/2",
        "role": role,
        "explanation": [],
    }


DRAFTED = {
    "production_id": str(uuid.uuid4()),
    "payment": "revenue:1",
    "currency": "USD",
    "pool_minor": 10_000,
    "lines": [line(ANN, 6_000), line(BO, 4_000)],
    "version": 1,
    "actor_id": CURATOR,
    "occurred_at": AT,
}
ROLE_CREDIT = {
    "version": 2,
    "kind": "role_credit",
    "reason": "Editors",
    "change": {},
    "lines": [line(ANN, 5_500), line(BO, 3_500), line(CY, 1_000, "Editors")],
    "actor_id": CURATOR,
    "occurred_at": AT,
}
OPENED = {
    "window_days": 14,
    "closes_at": "2025-03-15T00:00:00+00:00",
    "actor_id": CURATOR,
    "occurred_at": AT,
}
OBJECTED = {
    "objection_id": "o1",
    "kind": "too_little",
    "line_member_id": str(BO),
    "text": "I edited more",
    "actor_id": BO,
    "occurred_at": AT,
}
RETURNED = {
    "version": 3,
    "kind": "return_share",
    "reason": "Ann returned her share",
    "change": {},
    "lines": [line(BO, 9_000), line(CY, 1_000, "Editors")],
    "actor_id": CURATOR,
    "occurred_at": AT,
}
ANSWERED = {
    "objection_id": "o1",
    "decision": "declined",
    "reason": "the split is by lineage",
    "version": 3,
    "actor_id": CURATOR,
    "occurred_at": AT,
}
FINALIZED = {"version": 3, "statement_position": 40, "actor_id": CURATOR, "occurred_at": AT}


def cycle() -> list[ProposalEvent]:
    named = [
        ("Drafted", DRAFTED),
        ("Revised", ROLE_CREDIT),
        ("Opened", OPENED),
        ("Commented", {"comment_id": "c1", "text": "hi", "actor_id": ANN}),
        ("Objected", OBJECTED),
        ("Revised", RETURNED),
        ("Answered", ANSWERED),
        ("Finalized", FINALIZED),
    ]
    return [
        ProposalEvent(10 + n, name, PROPOSAL, payload) for n, (name, payload) in enumerate(named)
    ]


def test_opening_notifies_every_payee_including_role_credit_members() -> None:
    notices = notifications_for("Opened", OPENED, [ANN, BO, CY])
    assert [(n.member_id, n.kind) for n in notices] == [
        (ANN, "opened"),
        (BO, "opened"),
        (CY, "opened"),
    ]
    assert "2025-03-15" in notices[0].body


def test_a_revision_of_a_draft_notifies_no_one_and_one_while_open_notifies_the_payees() -> None:
    assert notifications_for("Revised", ROLE_CREDIT, [ANN, BO], is_open=False) == []
    notices = notifications_for("Revised", RETURNED, [ANN, BO, CY], is_open=True)
    assert {n.member_id for n in notices} == {ANN, BO, CY}
    assert all("Ann returned her share" in n.body for n in notices)


def test_an_answer_notifies_only_the_member_who_objected() -> None:
    [notice] = notifications_for("Answered", ANSWERED, [ANN, BO, CY], objector=BO)
    assert (notice.member_id, notice.kind) == (BO, "answered")
    assert "declined" in notice.subject


def test_the_final_decision_notifies_every_payee_with_their_amount() -> None:
    follow = ProposalFollow("final", "USD", ((BO, 9_000), (CY, 1_000)))
    notices = notifications_for("Finalized", FINALIZED, follow.payees, proposal=follow)
    assert [(n.member_id, n.kind) for n in notices] == [(BO, "finalized"), (CY, "finalized")]
    assert "90.00 USD" in notices[0].body


def test_comments_objections_drafts_and_cancellations_notify_no_one() -> None:
    for name in ("Drafted", "Commented", "Objected", "Cancelled", "PayoutRecorded"):
        assert notifications_for(name, {}, [ANN]) == []


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def database(request: pytest.FixtureRequest, databases: Databases) -> Iterator[MailDatabase]:
    opened = open_mail_database(databases.url(str(request.param)))
    yield opened
    opened.close()


def test_a_whole_cycle_projects_each_members_notifications_newest_first(
    database: MailDatabase,
) -> None:
    assert apply_proposal_events(database, cycle(), through=20)

    kinds = {m: [r.kind for r in notifications_of(database, m)] for m in (ANN, BO, CY)}
    # The draft's role credit notifies no one; Ann, returned out in version 3, hears of
    # that revision but not of the final decision; only Bo objected.
    assert kinds == {
        ANN: ["revised", "opened"],
        BO: ["finalized", "answered", "revised", "opened"],
        CY: ["finalized", "revised", "opened"],
    }
    assert projected_position(database) == 20
    assert len(outbox_rows(database)) == 9
    assert {row.state for row in outbox_rows(database)} == {"pending"}


def test_a_batch_applied_again_writes_and_mails_nothing_twice(database: MailDatabase) -> None:
    assert apply_proposal_events(database, cycle(), through=20)
    assert not apply_proposal_events(database, cycle(), through=20)
    assert len(notifications_of(database, BO)) == 4
    assert len(outbox_rows(database)) == 9


def test_a_rebuild_from_the_start_keeps_read_flags_and_mails_nothing_again(
    database: MailDatabase,
) -> None:
    apply_proposal_events(database, cycle(), through=20)
    [newest, *_] = notifications_of(database, BO)
    assert mark_read(database, BO, newest.notification_id, AT)
    with database.transaction() as cursor:  # the position forgotten, as by a lost file
        database.execute(cursor, "DELETE FROM {prefix}notify_position")
        database.execute(cursor, "DELETE FROM {prefix}notify_proposals")

    assert apply_proposal_events(database, cycle(), through=20)
    rows = notifications_of(database, BO)
    assert len(rows) == 4
    assert rows[0].read_at == AT
    assert len(outbox_rows(database)) == 9


def test_marking_read_is_per_member_and_unread_lists_the_rest(database: MailDatabase) -> None:
    apply_proposal_events(database, cycle(), through=20)
    rows = notifications_of(database, CY)
    assert not mark_read(database, ANN, rows[0].notification_id, AT)  # not Ann's
    assert mark_read(database, CY, rows[0].notification_id, AT)
    unread = notifications_of(database, CY, unread_only=True)
    assert [r.kind for r in unread] == ["revised", "opened"]


def test_the_projection_carries_its_state_across_batches(database: MailDatabase) -> None:
    events = cycle()
    assert apply_proposal_events(database, events[:4], through=13)
    assert apply_proposal_events(database, events[4:], through=20)
    assert [r.kind for r in notifications_of(database, BO)] == [
        "finalized",
        "answered",
        "revised",
        "opened",
    ]
