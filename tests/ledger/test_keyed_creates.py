"""A create command given an idempotency key makes its record once: the same act
run again (a request retried after the server died before answering) finds it."""

from __future__ import annotations

import pytest

from ledger import Citation, Ledger, Relation
from ledger.application.ledger import IdempotencyKeyReusedError
from ledger.domain.errors import DuplicateExternalIdError
from ledger.domain.identity import keyed_id_for, work_id_for
from tests.builders import cast_of


def test_a_work_contributed_again_with_its_key_is_the_same_work_and_records_nothing(
    any_ledger: Ledger,
) -> None:
    cast = cast_of(any_ledger)
    first = any_ledger.contribute(
        authors=[cast.ana], title="Once", body="Upon.", actor_id=cast.ana, idempotency_key="k"
    )
    head = any_ledger.head
    again = any_ledger.contribute(
        authors=[cast.ana], title="Once", body="Upon.", actor_id=cast.ana, idempotency_key="k"
    )
    assert again.id == first.id == keyed_id_for("work", cast.ana, "k")
    assert again.position is None and any_ledger.head == head
    assert any_ledger.work(first.id).title == "Once"


def test_a_remix_retried_with_its_key_is_recorded_once(ledger: Ledger) -> None:
    cast = cast_of(ledger)
    story = cast.story()
    sources = [Citation(story, Relation.ILLUSTRATION)]

    def remix() -> object:
        return ledger.remix(
            authors=[cast.ben],
            title="Drawn",
            kind="image",
            sources=sources,
            actor_id=cast.ben,
            idempotency_key="r",
        ).id

    first = remix()
    # Between the two, the source was retracted: the repeat still answers as the first.
    ledger.retract_work(story)
    head = ledger.head
    assert remix() == first and ledger.head == head


def test_two_members_with_the_same_key_make_two_works(ledger: Ledger) -> None:
    cast = cast_of(ledger)
    mine = ledger.contribute(
        authors=[cast.ana], title="Same", actor_id=cast.ana, idempotency_key="1"
    )
    theirs = ledger.contribute(
        authors=[cast.ben], title="Same", actor_id=cast.ben, idempotency_key="1"
    )
    assert mine.id != theirs.id
    assert theirs.position is not None


def test_an_external_id_rules_over_the_key(ledger: Ledger) -> None:
    cast = cast_of(ledger)
    first = ledger.contribute(
        authors=[cast.ana],
        title="Legacy",
        external_id="L-1",
        actor_id=cast.ana,
        idempotency_key="k",
    )
    assert first.id == work_id_for("L-1")
    with pytest.raises(DuplicateExternalIdError):
        ledger.contribute(
            authors=[cast.ana],
            title="Legacy",
            external_id="L-1",
            actor_id=cast.ana,
            idempotency_key="k",
        )
    # The key made no record of its own: the same key without the external id makes one.
    keyed = ledger.contribute(
        authors=[cast.ana], title="Legacy", actor_id=cast.ana, idempotency_key="k"
    )
    assert keyed.id not in (first.id, work_id_for("k")) and keyed.position is not None


def test_a_key_that_made_another_work_is_refused_and_records_nothing(ledger: Ledger) -> None:
    cast = cast_of(ledger)
    ledger.contribute(authors=[cast.ana], title="One", actor_id=cast.ana, idempotency_key="k")
    head = ledger.head
    with pytest.raises(IdempotencyKeyReusedError, match="already made work"):
        ledger.contribute(authors=[cast.ana], title="Two", actor_id=cast.ana, idempotency_key="k")
    assert ledger.head == head


def test_a_comment_written_again_with_its_key_is_the_same_comment(any_ledger: Ledger) -> None:
    cast = cast_of(any_ledger)
    work = cast.story()
    first = any_ledger.comment(work_id=work, author_id=cast.ben, text="Nice.", idempotency_key="c")
    head = any_ledger.head
    again = any_ledger.comment(work_id=work, author_id=cast.ben, text="Nice.", idempotency_key="c")
    assert (again.id, again.position, any_ledger.head) == (first.id, None, head)
    other = any_ledger.comment(work_id=work, author_id=cast.cat, text="Nice.", idempotency_key="c")
    assert other.id != first.id
    with pytest.raises(IdempotencyKeyReusedError):
        any_ledger.comment(work_id=work, author_id=cast.ben, text="Nicer.", idempotency_key="c")


def test_a_production_created_again_with_its_key_is_the_same_production(ledger: Ledger) -> None:
    cast = cast_of(ledger)

    def create(actor: object) -> object:
        return ledger.create_production(
            title="Book", curator_id=cast.curator, actor_id=actor, idempotency_key="p"
        ).id

    first = create(cast.curator)
    head = ledger.head
    assert create(cast.curator) == first and ledger.head == head
    # The operator (no actor) is a scope of its own.
    by_operator = create(None)
    assert by_operator != first and create(None) == by_operator
    with pytest.raises(IdempotencyKeyReusedError):
        ledger.create_production(
            title="Another book", curator_id=cast.curator, actor_id=None, idempotency_key="p"
        )


def test_a_keyed_create_repeated_in_one_batch_is_staged_once(ledger: Ledger) -> None:
    cast = cast_of(ledger)
    head = ledger.head
    with ledger.batch():
        ids = {
            ledger.contribute(
                authors=[cast.ana], title="T", actor_id=cast.ana, idempotency_key="b"
            ).id
            for _ in range(2)
        }
    assert len(ids) == 1 and ledger.head == head + 1
