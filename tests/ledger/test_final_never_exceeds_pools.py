"""Whatever a production records (revenue, costs, budgets) and however its proposals are
revised, finalized or cancelled, and statements issued directly, the ledger never pays
out more than its pools made available: per payment and in total."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import Ledger, Money, open_ledger
from ledger.domain.errors import AlreadyIssuedError, InvalidValueError
from ledger.domain.proposal_errors import OverPoolError, ProposalStateError
from lineage.graph import LineageGraph
from lineage.operations import issue_statements
from lineage.proposals import adjust_proposal, draft_proposal
from lineage.royalties import statement_for_revenue
from tests.builders import Cast, cast_of

START = datetime(2020, 1, 1, tzinfo=UTC)
cents = st.integers(min_value=1, max_value=10**7)
revision = st.one_of(
    st.tuples(
        st.just("role_credit"), st.integers(1, 40), st.sets(st.sampled_from("abc"), min_size=1)
    ),
    st.tuples(st.just("return_share"), st.sampled_from("abc")),
    st.tuples(st.just("override"), st.sampled_from("abc"), st.integers(1, 90)),
    # A revision whose lines pay one cent more than the pool: always refused.
    st.tuples(st.just("over")),
)
money = st.one_of(
    st.tuples(st.just("revenue"), cents),
    st.tuples(st.just("cost"), cents),
    st.tuples(st.just("budget"), cents),
)
act = st.one_of(
    st.tuples(
        st.just("propose"),
        st.sampled_from(["revenue", "budget"]),
        st.integers(1, 3),
        st.lists(revision, max_size=3),
        st.sampled_from(["final", "cancel", "leave"]),
    ),
    st.tuples(st.just("issue"), st.integers(1, 3), st.integers(0, 3)),
)
# Mostly money first, then acts on it; more money may follow (a cost after a payment).
steps_of = st.tuples(
    st.lists(money, min_size=1, max_size=5), st.lists(st.one_of(act, money), max_size=8)
).map(lambda parts: [*parts[0], *parts[1]])


def _handle(cast: Cast, letter: str) -> str:
    return {"a": "ana", "b": "ben", "c": "cat"}[letter]


def _propose(
    ledger: Ledger, lineage: LineageGraph, cast: Cast, production: Any, payment: str, step: Any
) -> None:
    _, _, _, revisions, outcome = step
    try:
        proposal = draft_proposal(ledger, lineage, production, payment).id
    except (InvalidValueError, ProposalStateError, AlreadyIssuedError):
        return  # no such payment, nothing left after costs, already proposed or issued
    for change in revisions:
        try:
            if change[0] == "role_credit":
                members = ",".join(sorted(_handle(cast, m) for m in change[2]))
                adjust_proposal(
                    ledger, proposal, role_credit_text=f"R={change[1]}:{members}", reason="r"
                )
            elif change[0] == "return_share":
                adjust_proposal(
                    ledger, proposal, return_member=_handle(cast, change[1]), reason="r"
                )
            elif change[0] == "override":
                text = f"{_handle(cast, change[1])}={change[2]}"
                adjust_proposal(ledger, proposal, override_text=text, reason="r")
            else:
                stored = ledger.proposal(proposal)
                lines = [dict(line) for line in stored.lines]
                lines[0]["amount_minor"] += (
                    stored.pool_minor - sum(line["amount_minor"] for line in lines) + 1
                )
                with pytest.raises(OverPoolError):
                    ledger.revise_proposal(
                        proposal,
                        kind="override",
                        reason="more than came in",
                        change={},
                        lines=lines,
                        based_on_version=stored.version_number,
                    )
        except OverPoolError:
            raise
        except InvalidValueError:
            pass  # a member with no line, a share that cannot be returned: refused whole
    if outcome == "cancel":
        ledger.cancel_proposal(proposal, reason="wrong payment")
    elif outcome == "final":
        ledger.open_proposal(proposal, window_days=14, occurred_at=START)
        ledger.finalize_proposal(proposal, occurred_at=START + timedelta(days=15))


def _issue(ledger: Ledger, lineage: LineageGraph, production: Any, step: Any) -> None:
    _, number, extra = step
    stored = ledger.production(production)
    if not 1 <= number <= len(stored.revenue) or number in stored.statements:
        return
    if any(
        p.payment == f"revenue:{number}" and p.state in ("draft", "open")
        for p in ledger.proposals_of(stored)
    ):
        return  # direct issue is for payments no proposal is running
    pool = stored.pool_for(f"revenue:{number}")
    available = 0 if pool is None else pool.minor_units
    statement = statement_for_revenue(lineage, production, number).as_dict()
    if statement["lines"]:
        statement["lines"][0]["minor_units"] += extra
    total = sum(int(line["minor_units"]) for line in statement["lines"])
    if extra and total <= available:
        ledger.issue_statement(production, number, statement)
        return
    if extra:
        with pytest.raises(OverPoolError):
            ledger.issue_statement(production, number, statement)
    # ``royalties --issue``'s path, with the statement as computed.
    if total - extra > available:
        with pytest.raises(OverPoolError):
            issue_statements(ledger, lineage, production, revenue_number=number)
    else:
        issue_statements(ledger, lineage, production, revenue_number=number)


@given(steps=steps_of)
def test_everything_final_or_issued_never_exceeds_the_pools_recorded(steps: list[Any]) -> None:
    ledger = open_ledger("memory://")
    cast = cast_of(ledger)
    story = cast.story(author=cast.ana)
    production = cast.published_production(story, cast.remix_of(story, author=cast.ben))
    lineage = LineageGraph.from_ledger(ledger)
    for kind, *rest in steps:
        if kind == "revenue":
            ledger.record_revenue(production, Money(rest[0], "USD"))
        elif kind == "cost":
            ledger.record_cost(production, Money(rest[0], "USD"), description="printing")
        elif kind == "budget":
            ledger.record_budget(production, Money(rest[0], "USD"), description="episode")
        lineage.catch_up(ledger)
        if kind == "propose":
            _propose(ledger, lineage, cast, production, f"{rest[0]}:{rest[1]}", (kind, *rest))
        elif kind == "issue":
            _issue(ledger, lineage, production, (kind, *rest))

    stored = ledger.production(production)
    paid_total = pools_total = 0
    for number in range(1, len(stored.revenue) + 1):
        pool = stored.pool_for(f"revenue:{number}")
        available = 0 if pool is None else pool.minor_units
        statement = stored.statements.get(number, {"lines": []})
        paid = sum(int(line.get("minor_units", 0)) for line in statement["lines"])
        assert paid <= available, f"revenue #{number}"
        paid_total, pools_total = paid_total + paid, pools_total + available
    for number, budget in enumerate(stored.budgets, start=1):
        paid = sum(
            sum(line["amount_minor"] for line in p.lines)
            for p in ledger.proposals_of(stored)
            if p.payment == f"budget:{number}" and p.state == "final"
        )
        assert paid <= budget.minor_units, f"budget #{number}"
        paid_total, pools_total = paid_total + paid, pools_total + budget.minor_units
    assert paid_total <= pools_total
    revenue = sum(money.minor_units for money in stored.revenue)
    budgets = sum(money.minor_units for money in stored.budgets)
    assert pools_total <= revenue + budgets
