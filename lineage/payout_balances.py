"""Members' payout balances: money owed to them that no payout has carried yet.

Pure functions over a history of ``PayoutRecord`` (member, amount in minor units,
outcome), oldest first, all in one currency. A balance grows by what was carried
over (a line under the ``--minimum``) and by money that came back (a payout that
failed, was unclaimed or was returned); it shrinks by what a payout drew from it
(a row pays the line plus the balance). ``sent`` and ``paid`` leave it alone: the
line they paid was never in the balance, and what they drew is its own record.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ledger.domain.errors import InvalidValueError

__all__ = ["BACK_TO_BALANCE", "OUTCOMES", "PayoutRecord", "balances"]

#: Every outcome a record may carry. The provider's four (sent, paid, failed,
#: unclaimed, returned) and the ledger's own two (carried, drawn).
OUTCOMES = frozenset({"carried", "drawn", "sent", "paid", "failed", "unclaimed", "returned"})
#: The outcomes whose amount is owed to the member again.
BACK_TO_BALANCE = frozenset({"carried", "failed", "unclaimed", "returned"})


@dataclass(frozen=True, slots=True)
class PayoutRecord:
    """What happened to an amount owed to a member."""

    member_id: str
    amount_minor: int
    outcome: str

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            allowed = ", ".join(sorted(OUTCOMES))
            raise InvalidValueError(f"payout outcome {self.outcome!r}: expected one of {allowed}")
        if isinstance(self.amount_minor, bool) or self.amount_minor < 0:
            raise InvalidValueError(f"payout amount {self.amount_minor!r} must be 0 or more")


def balances(records: Iterable[PayoutRecord | tuple[str, int, str]]) -> dict[str, int]:
    """Each member's balance after ``records``, in minor units (members at 0 omitted).

    >>> balances([("ann", 300, "carried"), ("ann", 300, "drawn"), ("ann", 900, "failed")])
    {'ann': 900}
    """
    owed: dict[str, int] = {}
    for item in records:
        record = item if isinstance(item, PayoutRecord) else PayoutRecord(*item)
        if record.outcome in BACK_TO_BALANCE:
            owed[record.member_id] = owed.get(record.member_id, 0) + record.amount_minor
        elif record.outcome == "drawn":
            owed[record.member_id] = owed.get(record.member_id, 0) - record.amount_minor
    return {member: amount for member, amount in owed.items() if amount}
