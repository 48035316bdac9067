"""The use cases shared by the entry points: several commands, one transaction."""

from __future__ import annotations

import pytest

from ledger import Ledger, Money, Role
from ledger.application.operations import exclude_works, include_works, register_curator
from ledger.domain.errors import HandleTakenError, InvalidValueError, NotCuratorError
from lineage.graph import LineageGraph
from lineage.operations import issue_statements
from tests.builders import cast_of


def test_a_curator_is_registered_with_the_role_in_one_transaction(any_ledger: Ledger) -> None:
    before = any_ledger.head
    recorded = register_curator(any_ledger, handle="curie", name="Curie")
    assert any_ledger.member(recorded.id).has_role(Role.CURATOR)
    # Member, handle claim and role: three events, saved together, the last at the head.
    assert recorded.position == any_ledger.head == before + 3


def test_a_taken_handle_registers_no_curator_and_grants_nothing(ledger: Ledger) -> None:
    ledger.register_member(handle="curie")
    head = ledger.head
    with pytest.raises(HandleTakenError):
        register_curator(ledger, handle="CURIE")
    assert ledger.head == head


def test_several_works_are_included_all_or_none(any_ledger: Ledger) -> None:
    cast = cast_of(any_ledger)
    works = [cast.story(f"Story {n}") for n in range(3)]
    production = any_ledger.create_production(title="Book", curator_id=cast.curator).id
    include_works(any_ledger, production, works[:1], actor_id=cast.curator)
    head = any_ledger.head
    # The first is already in: the whole act is refused, the other two stay out.
    with pytest.raises(InvalidValueError, match="already in production"):
        include_works(any_ledger, production, works, actor_id=cast.curator)
    assert any_ledger.head == head
    recorded = include_works(any_ledger, production, works[1:] * 2, actor_id=cast.curator)
    assert recorded.position == any_ledger.head == head + 2
    assert list(any_ledger.production(production).work_ids) == works
    exclude_works(any_ledger, production, works[:2], actor_id=cast.curator)
    assert list(any_ledger.production(production).work_ids) == works[2:]


def test_a_member_may_not_fill_a_production(ledger: Ledger) -> None:
    cast = cast_of(ledger)
    production = ledger.create_production(title="Book", curator_id=cast.curator).id
    with pytest.raises(NotCuratorError):
        include_works(ledger, production, [cast.story()], actor_id=cast.ana)


def test_statements_are_issued_together_once(any_ledger: Ledger) -> None:
    cast = cast_of(any_ledger)
    production = cast.published_production(cast.remix_of(cast.story()))
    for amount in ("100.00", "50.00"):
        any_ledger.record_revenue(production, Money.parse(amount, "USD"), actor_id=cast.curator)
    lineage = LineageGraph.from_ledger(any_ledger)
    with pytest.raises(NotCuratorError):
        issue_statements(any_ledger, lineage, production, actor_id=cast.ana)
    issued = issue_statements(any_ledger, lineage, production, actor_id=cast.curator)
    assert sorted(issued.statements) == [1, 2] and issued.position == any_ledger.head
    assert set(any_ledger.production(production).statements) == {1, 2}
    again = issue_statements(any_ledger, lineage, production, actor_id=cast.curator)
    assert again.statements == {} and again.position is None
    with pytest.raises(InvalidValueError, match="no revenue payment #3"):
        issue_statements(any_ledger, lineage, production, revenue_number=3)
