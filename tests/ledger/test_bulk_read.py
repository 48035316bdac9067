"""``read_aggregates`` (one statement for many records) builds every record exactly
as the repository does one at a time; ``UnitOfWork.preload`` leaves commands the
same answers as reading lazily."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import Citation, Ledger, Relation
from ledger.adapters.bulk_read import read_aggregates
from ledger.application.tokens import issue_token, revoke_token


def _varied_ledger(ledger: Ledger) -> list[UUID]:
    """Records of every kind, some with many events: the ids of them all."""
    ana = ledger.register_member(handle="ana").id
    ben = ledger.register_member(handle="ben").id
    story = ledger.contribute(authors=[ana], title="Story", body="Once").id
    drawing = ledger.remix(
        authors=[ben], title="Drawing", sources=[Citation(story, Relation.ILLUSTRATION)]
    ).id
    vote = ledger.vote(member_id=ben, work_id=story, value=1).id
    ledger.vote(member_id=ben, work_id=story, value=-1)
    ledger.withdraw_vote(member_id=ben, work_id=story)
    comment = ledger.comment(work_id=drawing, author_id=ana, text="Nice.").id
    token = issue_token(ledger, ana)
    revoke_token(ledger, token.token_id)
    live = issue_token(ledger, ben).token_id
    return [ana, ben, story, drawing, vote, comment, token.token_id, live]


def _state(aggregate: Any) -> dict[str, Any]:
    return dict(vars(aggregate))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=25)
@given(data=st.data())
def test_read_aggregates_equals_the_repository_one_at_a_time(
    any_ledger: Ledger, data: st.DataObject
) -> None:
    if not any_ledger.head:
        _varied_ledger(any_ledger)
    known = sorted(
        {
            notification.originator_id
            for notification in any_ledger.recorder.select_notifications(1, 10_000)
        },
        key=str,
    )
    unknown = [uuid.UUID(int=n) for n in range(3)]
    ids = data.draw(st.lists(st.sampled_from([*known, *unknown]), max_size=12))
    found = read_aggregates(any_ledger, ids)
    expected = {}
    for aggregate_id in ids:
        if aggregate_id in unknown:
            continue
        expected[aggregate_id] = _state(any_ledger.repository.get(aggregate_id))
    assert {key: _state(value) for key, value in found.items()} == expected


def test_a_preloaded_batch_answers_as_a_lazy_one(any_ledger: Ledger) -> None:
    ana, ben, story, *_ = _varied_ledger(any_ledger)
    carl = any_ledger.register_member(handle="carl").id
    records = [
        *any_ledger.vote_records(ana, story),  # her own work: refused
        *any_ledger.vote_records(ben, story),
        *any_ledger.vote_records(carl, story),
    ]
    with any_ledger.batch() as uow:
        uow.preload(records)
        outcomes: list[object] = []
        for member in (ana, ben, carl):
            try:
                outcomes.append(any_ledger.vote(member_id=member, work_id=story, value=1).id)
            except Exception as error:  # the rule's own error, as without preloading
                outcomes.append(type(error).__name__)
        uow.commit()
    assert outcomes == [
        "OwnWorkVoteError",
        any_ledger.vote_records(ben, story)[2],
        any_ledger.vote_records(carl, story)[2],
    ]
    assert any_ledger.repository.get(any_ledger.vote_records(ben, story)[2]).value == 1
    assert any_ledger.repository.get(any_ledger.vote_records(carl, story)[2]).value == 1
