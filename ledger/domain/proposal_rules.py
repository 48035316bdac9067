"""The rules a proposal's lines and ids follow, apart from the aggregate's states.

A line is a plain dict: ``{"member_id": str, "amount_minor": int, "share": "n/d",
"role": str | None, "explanation": list}``; shares are of the pool. May import the
standard library and ``ledger.domain`` only.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any
from uuid import UUID, uuid5

from ledger.domain.errors import InvalidValueError
from ledger.domain.proposal_errors import OverPoolError

__all__ = [
    "BACK_OUTCOMES",
    "DECISIONS",
    "MAX_LINES",
    "MAX_REASON",
    "MIN_WINDOW_DAYS",
    "OBJECTION_KINDS",
    "OUTCOMES",
    "PLAN_OUTCOMES",
    "PROVIDER_OUTCOMES",
    "REVISION_KINDS",
    "check_lines",
    "proposal_id_for",
]

#: The shortest comment window, whatever the deployment sets (the issue's two weeks).
MIN_WINDOW_DAYS = 14
REVISION_KINDS = ("role_credit", "return_share", "override", "recompute")
OBJECTION_KINDS = ("left_out", "too_much", "too_little", "other")
DECISIONS = ("accepted", "declined")
#: What a provider says of a payout (recorded with its reference).
PROVIDER_OUTCOMES = ("sent", "paid", "failed", "unclaimed", "returned")
#: What writing a payout file did to a member's balance: a line under the minimum
#: carried to it, or a balance drawn into a row. Recorded once, when the file is written.
PLAN_OUTCOMES = ("carried", "drawn")
#: Money that goes back to the member's balance (failed, unclaimed, returned).
BACK_OUTCOMES = ("failed", "unclaimed", "returned")
OUTCOMES = PROVIDER_OUTCOMES + PLAN_OUTCOMES
MAX_REASON = 2000
MAX_LINES = 100_000

_SHARE = re.compile(r"[0-9]+/[0-9]+")
_MAX_SHARE_TEXT = 200
_NAMESPACE = UUID("5b1e0c6e-3a56-5d0c-9f0e-2f1b6a7c0d22")


def proposal_id_for(production_id: UUID, payment: str, attempt: int) -> UUID:
    """The id of the ``attempt``-th proposal (1 = the first) for one payment: derived,
    so the proposals of a payment are found without an index, and two curators
    drafting at once claim the same id (the store lets one of them win)."""
    return uuid5(_NAMESPACE, f"{production_id}/{payment}/{attempt}")


def check_lines(lines: list[dict[str, Any]], pool_minor: int) -> None:
    """Lines are well formed, never negative, and total at most the pool."""
    if len(lines) > MAX_LINES:
        raise InvalidValueError(f"a proposal has at most {MAX_LINES} lines")
    total = 0
    for line in lines:
        amount = line.get("amount_minor")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
            raise InvalidValueError(f"a line's amount must be a whole number >= 0: {line!r}")
        text = str(line.get("share"))
        # A share is "n/d" as the lineage layer writes it (flow's denominators run to
        # 2^128): no exponent or other form reaches Fraction(), whose cost an exponent
        # makes unbounded (docs/security.md).
        if len(text) > _MAX_SHARE_TEXT or not _SHARE.fullmatch(text):
            raise InvalidValueError(f"a line's share must be n/d: {line!r}")
        try:
            UUID(str(line.get("member_id")))
            share = Fraction(text)
        except (ValueError, ZeroDivisionError):
            raise InvalidValueError(f"a line needs a member id and a share n/d: {line!r}") from None
        if share < 0:
            raise InvalidValueError(f"a line's share must not be negative: {line!r}")
        total += amount
    if total > pool_minor:
        raise OverPoolError(
            f"the lines total {total} minor units, more than the {pool_minor} available"
        )
