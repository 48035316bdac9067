"""What is paid out never exceeds what came in: pools after costs, and lines over them."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.domain.pools import Cost, profit_split_pool
from ledger.domain.proposal_errors import OverPoolError
from ledger.domain.proposal_rules import check_lines
from lineage.proposal_lines import base_lines, role_credit

amounts = st.integers(min_value=1, max_value=10**9)


@given(
    revenue=st.lists(amounts, min_size=1, max_size=6),
    costs=st.lists(st.tuples(amounts, st.integers(0, 5)), max_size=6),
    percent=st.integers(1, 100),
)
def test_the_pools_of_every_payment_never_exceed_the_revenue_left_after_costs(
    revenue: list[int], costs: list[tuple[int, int]], percent: int
) -> None:
    paid = [(amount, "USD") for amount in revenue]
    recorded = [Cost(amount, "USD", min(after, len(revenue) - 1)) for amount, after in costs]
    pools = [
        profit_split_pool(paid, recorded, Decimal(percent), n) for n in range(1, len(paid) + 1)
    ]
    assert all(pool >= 0 for pool in pools)
    # Every cost is recorded before the last payment, so the payments together bear
    # all of it that they can: what is left is the revenue minus the costs, or 0.
    left = sum(revenue) - sum(amount for amount, _ in costs)
    if all(after == 0 for _, after in costs):
        assert sum(pools) * 100 <= percent * max(left, 0)
    assert sum(pools) * 100 <= percent * sum(revenue)


@given(
    pool=st.integers(0, 10**8),
    weights=st.lists(st.integers(1, 1000), min_size=1, max_size=8),
    role_percent=st.integers(1, 50),
)
def test_final_lines_always_add_up_to_their_pool_and_more_is_refused(
    pool: int, weights: list[int], role_percent: int
) -> None:
    total = sum(weights)
    shares = {UUID(int=i + 1): Fraction(w, total) for i, w in enumerate(weights)}
    lines = base_lines(shares, {}, pool)
    lines = role_credit(lines, pool, "Editors", Fraction(role_percent, 100), [str(UUID(int=99))])
    assert sum(line["amount_minor"] for line in lines) == pool
    check_lines(lines, pool)
    over = [{**lines[0], "amount_minor": lines[0]["amount_minor"] + 1}, *lines[1:]]
    with pytest.raises(OverPoolError):
        check_lines(over, pool)
