"""The royalty statement of a production's revenue payment, as the production was then.

A statement is computed *as of* the position of its revenue payment: the works,
the lineage, the chosen policy and the waivers as they stood when the money
came in. So recomputing it later, after new remixes or a new policy, gives the
statement that was (or should have been) issued, and ``verify_issued`` can check
an issued statement against the log.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any
from uuid import UUID

from ledger.domain.errors import InvalidValueError, UnknownProductionError
from ledger.domain.numbers import check_decimal_size
from lineage.errors import InvalidPolicyError, LineageError, StatementError
from lineage.graph import LineageGraph
from lineage.policies import RoyaltyPolicy, policy_from_name
from lineage.productions import ProductionState, Revenue
from lineage.statements import Statement, royalty_statement

__all__ = ["policy_of", "statement_for_revenue", "statements_of"]


def policy_of(production: ProductionState) -> RoyaltyPolicy:
    """The royalty policy the production had chosen (decay(1/2) until one is chosen).

    Its parameters are read back under today's bounds: one recorded before them
    (``{"r": "1e-5000"}``) is refused with ``InvalidPolicyError`` naming it.
    """
    try:
        return policy_from_name(production.policy, **production.policy_params)
    except InvalidPolicyError as error:
        raise InvalidPolicyError(
            f"production {production.title!r} was recorded with a royalty policy that cannot"
            f" be computed: {error}"
        ) from None


def statement_for_revenue(
    lineage: LineageGraph,
    production_id: UUID,
    revenue_number: int,
    *,
    policy: RoyaltyPolicy | None = None,
) -> Statement:
    """The statement for revenue payment ``revenue_number`` (1 = the first).

    ``policy`` overrides the production's own (for "what if" questions).
    """
    try:
        latest = lineage.production(production_id)
    except KeyError:
        raise UnknownProductionError(f"no production has id {production_id}") from None
    if not 1 <= revenue_number <= len(latest.revenue):
        raise StatementError(
            f"production {latest.title!r} has {len(latest.revenue)} revenue payment(s),"
            f" not #{revenue_number}"
        )
    revenue = latest.revenue[revenue_number - 1]
    then = lineage.production(production_id, as_of=revenue.position)
    if policy is not None:
        return _statement(lineage, then, revenue, policy, then)
    try:
        return _statement(lineage, then, revenue, policy_of(then), then)
    except LineageError:
        # Settings the commands refuse today (weights of zero, or that miss a work;
        # a malformed parameter) were recorded under older rules: the first later
        # choice that can pay this revenue is its correction.
        for chosen_at in latest.policy_positions:
            if chosen_at > revenue.position:
                corrected = lineage.production(production_id, as_of=chosen_at)
                try:
                    return _statement(lineage, then, revenue, policy_of(corrected), corrected)
                except LineageError:
                    continue
        raise


def _statement(
    lineage: LineageGraph,
    then: ProductionState,
    revenue: Revenue,
    policy: RoyaltyPolicy,
    settings: ProductionState,
) -> Statement:
    """The statement of ``revenue`` over the production and lineage as they were
    then, paid under ``policy`` with the pool and weights of ``settings``."""
    # Read back from the log, perhaps recorded before numbers were bounded: each is
    # checked again before any arithmetic (a refusal names it, the log keeps it).
    pool = _recorded_number(settings.pool_percent, f"{then.title!r}'s contributor pool percent")
    weights = (
        None
        if settings.weights is None
        else {
            w: _recorded_number(v, f"{then.title!r}'s work weight")
            for w, v in settings.weights.items()
        }
    )
    return royalty_statement(
        lineage,
        then.production_id,
        revenue.amount,
        policy,
        pool_percent=pool / 100,
        weights=weights,
        waived=frozenset(then.waived),
        as_of=revenue.position,
    )


def _recorded_number(value: Decimal, what: str) -> Fraction:
    try:
        return Fraction(check_decimal_size(value, what))
    except InvalidValueError as error:
        raise InvalidPolicyError(f"the recorded {error}") from None


def statements_of(
    lineage: LineageGraph, production_id: UUID
) -> list[tuple[int, Statement, dict[str, Any] | None]]:
    """Every revenue payment's statement, with the one issued for it (if any)."""
    production = lineage.production(production_id)
    return [
        (
            number,
            statement_for_revenue(lineage, production_id, number),
            production.statements.get(number, (0, None))[1],
        )
        for number in range(1, len(production.revenue) + 1)
    ]
