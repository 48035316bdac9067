"""Statements are issued once per payment and, recomputed later, say the same thing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ledger import Citation, Ledger, Money, Relation
from ledger.domain.errors import (
    AlreadyIssuedError,
    InvalidValueError,
    NotCuratorError,
    PermissionDeniedError,
)
from lineage.graph import LineageGraph
from lineage.royalties import statement_for_revenue
from tests.builders import cast_of


def test_a_statement_recomputed_after_later_changes_equals_the_one_issued(ledger: Ledger) -> None:
    cast = cast_of(ledger)
    story = cast.story()
    picture = cast.remix_of(story)
    production = cast.published_production(picture)
    ledger.record_revenue(production, Money.parse("1000.00", "USD"))
    lineage = LineageGraph.from_ledger(ledger)
    issued = statement_for_revenue(lineage, production, 1).as_dict()
    ledger.issue_statement(production, 1, issued, actor_id=cast.curator)

    # After the payment: a new ancestor is cited, the policy changes, a member waives.
    older = ledger.contribute(authors=[cast.cat], title="An older tale").id
    ledger.cite_source(story, Citation(older, Relation.INSPIRATION), actor_id=cast.ana)
    ledger.choose_policy(production, "equal", pool_percent=Decimal(80), actor_id=cast.curator)
    ledger.waive_share(production, cast.ben, actor_id=cast.ben)

    lineage.catch_up(ledger)
    assert statement_for_revenue(lineage, production, 1).as_dict() == issued
    assert lineage.production(production).statements[1][1] == issued
    # A new payment follows the new rules: 80% pool, equal shares, ben's share waived.
    ledger.record_revenue(production, Money.parse("1000.00", "USD"))
    lineage.catch_up(ledger)
    second = statement_for_revenue(lineage, production, 2)
    assert second.pool_minor_units == 80_000
    paid = {line.handle: line.minor_units for line in second.lines}
    assert paid["ben"] == 0 and paid["ana"] == paid["cat"] == 40_000


def test_a_statement_is_issued_once_and_only_by_a_curator(ledger: Ledger) -> None:
    cast = cast_of(ledger)
    production = cast.published_production(cast.story())
    ledger.record_revenue(production, Money.parse("10.00", "USD"))
    with pytest.raises(NotCuratorError):
        ledger.issue_statement(production, 1, {"lines": []}, actor_id=cast.ana)
    ledger.issue_statement(production, 1, {"lines": []}, actor_id=cast.curator)
    with pytest.raises(AlreadyIssuedError):
        ledger.issue_statement(production, 1, {"lines": []})
    with pytest.raises(InvalidValueError, match="not #2"):
        ledger.issue_statement(production, 2, {"lines": []})


def test_only_the_member_waives_their_share_and_only_once(ledger: Ledger) -> None:
    cast = cast_of(ledger)
    production = cast.published_production(cast.story())
    with pytest.raises(PermissionDeniedError):
        ledger.waive_share(production, cast.ana, actor_id=cast.ben)
    ledger.waive_share(production, cast.ana, actor_id=cast.ana)
    with pytest.raises(InvalidValueError, match="already waived"):
        ledger.waive_share(production, cast.ana)


def test_policy_choices_are_checked(ledger: Ledger) -> None:
    cast = cast_of(ledger)
    work = cast.story()
    other = cast.story("other")
    production = cast.published_production(work)
    with pytest.raises(NotCuratorError):
        ledger.choose_policy(production, "equal", actor_id=cast.ana)
    with pytest.raises(InvalidValueError, match="at most 100"):
        ledger.choose_policy(production, "equal", pool_percent=Decimal(120))
    with pytest.raises(InvalidValueError, match="is not in production"):
        ledger.choose_policy(production, "equal", weights={other: Decimal(1)})
    assert ledger.choose_policy(production, "flow", weights={work: Decimal(2)}).position
