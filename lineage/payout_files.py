"""Payout files from a proposal's final lines: plain CSV, PayPal Payouts and Wise batch.

Pure functions, no I/O: ``plan_payouts`` decides who is paid, carried over or held;
``payout_files`` formats a plan as the texts of one or more files, which the caller
writes. Input lines are the proposal's line dicts ({"member_id", "amount_minor",
"share", "role", "explanation"}), all in the proposal's one currency.

- Each member with lines is in exactly one place: a **row** (paid: their lines plus
  their balance), **carried** (what is due is under ``minimum_minor``, so their lines
  go to their balance, paid once it is reached) or **held** (due, but no address for
  the chosen format: listed, never dropped; they stay owed by the proposal).
- ``csv``: a header; handle, name, amount, currency, payout id. Needs no address.
- ``paypal``: PayPal Payouts' web upload: no header; recipient email, amount,
  currency, sender item id (the payout id), note. One currency a file, at most
  5 000 rows a file.
- ``wise``: Wise's batch CSV (send by email): header
  ``name,recipientEmail,amount,sourceCurrency,targetCurrency,amountCurrency``; at
  most 1 000 rows a file. ``amountCurrency`` is ``target``: the member receives
  exactly the amount and the studio pays the fees.
- Over a format's row limit, the rows are split over several files in order (each
  within the limit); the caller names them (``payouts-1.csv``, ``payouts-2.csv``).
- The payout id is ``uuid5(proposal id, member id)``: the same payout always has the
  same id, so a provider's duplicate check (PayPal's sender item id) catches a file
  uploaded twice.
- Every text cell passes the spreadsheet-formula guard (OWASP's CSV injection advice).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid5

from ledger.domain.contact import Contact
from ledger.domain.currencies import format_minor, minor_unit_digits
from ledger.domain.errors import InvalidValueError
from lineage.payout_balances import PayoutRecord, balances

__all__ = [
    "FORMATS",
    "ROW_LIMITS",
    "Held",
    "Payee",
    "PayoutPlan",
    "PayoutRow",
    "format_minor",
    "payout_files",
    "payout_id",
    "plan_payouts",
    "spreadsheet_safe",
]

FORMATS = ("csv", "paypal", "wise")
#: Rows a provider takes in one file (None: no limit).
ROW_LIMITS: dict[str, int | None] = {"csv": None, "paypal": 5000, "wise": 1000}
CSV_HEADER = ("handle", "name", "amount", "currency", "payout_id")
WISE_HEADER = (
    "name",
    "recipientEmail",
    "amount",
    "sourceCurrency",
    "targetCurrency",
    "amountCurrency",
)
# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SKIPPED = "".join(map(chr, range(33))) + "\x7f\u00a0\u2028\u2029\u3000\ufeff"


@dataclass(frozen=True, slots=True)
class Payee:
    """How a member is named in a file: their handle and display name."""

    handle: str
    name: str


@dataclass(frozen=True, slots=True)
class PayoutRow:
    """One member paid: their lines of this proposal plus the balance drawn with them."""

    payout_id: str
    member_id: str
    payee: Payee
    line_minor: int
    balance_minor: int
    recipient: str  # the address for the format ("" for csv)
    holder_name: str

    @property
    def amount_minor(self) -> int:
        return self.line_minor + self.balance_minor


@dataclass(frozen=True, slots=True)
class Held:
    """A member due a payout with no address for the chosen format."""

    member_id: str
    payee: Payee
    amount_minor: int
    reason: str


@dataclass(frozen=True)
class PayoutPlan:
    """Who is paid, carried over and held, and every member's balance afterwards."""

    format: str
    currency: str
    rows: list[PayoutRow]
    carried: dict[str, int]  # member id -> line amount carried to the balance
    held: list[Held]
    balances_after: dict[str, int] = field(default_factory=dict)

    @property
    def records(self) -> list[PayoutRecord]:
        """The balance records the plan implies: what it carries, and draws from balances.

        The caller records them once the payout is sent, with the provider's outcomes.
        """
        carried = [PayoutRecord(m, amount, "carried") for m, amount in self.carried.items()]
        drawn = [
            PayoutRecord(row.member_id, row.balance_minor, "drawn")
            for row in self.rows
            if row.balance_minor
        ]
        return carried + drawn


def payout_id(proposal_id: UUID, member_id: str) -> str:
    """The stable id of a member's payout for a proposal."""
    return str(uuid5(proposal_id, f"payout:{member_id}"))


def spreadsheet_safe(text: str) -> str:
    """``text`` as a cell no spreadsheet runs as a formula (a leading ``'``).

    >>> spreadsheet_safe("=HYPERLINK(1)"), spreadsheet_safe(" +1"), spreadsheet_safe("Ann")
    ("'=HYPERLINK(1)", "' +1", 'Ann')
    """
    if text.startswith(_FORMULA_START) or text.lstrip(_SKIPPED).startswith(_FORMULA_START):
        return "'" + text
    return text


def plan_payouts(
    lines: Sequence[Mapping[str, Any]],
    *,
    proposal_id: UUID,
    currency: str,
    output_format: str,
    contacts: Mapping[str, Contact],
    payees: Mapping[str, Payee],
    prior: Iterable[PayoutRecord | tuple[str, int, str]] = (),
    minimum_minor: int = 0,
) -> PayoutPlan:
    """Decide, for each member with final lines, whether they are paid, carried or held.

    A member's due is their lines' sum plus their balance from ``prior``. Under
    ``minimum_minor`` (or nothing at all) their lines are carried to the balance;
    otherwise they are paid if they have an address for ``output_format``, else held.
    """
    if output_format not in FORMATS:
        raise InvalidValueError(f"format {output_format!r}: expected one of {', '.join(FORMATS)}")
    minor_unit_digits(currency)
    if minimum_minor < 0:
        raise InvalidValueError("--minimum must be 0 or more")
    owed = balances(prior)
    per_member: dict[str, int] = {}
    for line in lines:
        amount = line["amount_minor"]
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
            raise InvalidValueError(f"line amount {amount!r} must be a whole number, 0 or more")
        member = str(line["member_id"])
        per_member[member] = per_member.get(member, 0) + amount
    rows: list[PayoutRow] = []
    carried: dict[str, int] = {}
    held: list[Held] = []
    after = dict(owed)
    for member, line_minor in per_member.items():
        balance = owed.get(member, 0)
        due = line_minor + balance
        payee = payees.get(member, Payee(member, member))
        if due <= 0 or due < minimum_minor:
            carried[member] = line_minor
            after[member] = due
            continue
        address = _address(contacts.get(member), output_format)
        if address is None:
            held.append(Held(member, payee, due, f"no {output_format} address"))
            continue
        contact = contacts.get(member)
        holder = (contact.wise_name if contact is not None else None) or payee.name
        rows.append(
            PayoutRow(
                payout_id(proposal_id, member), member, payee, line_minor, balance, address, holder
            )
        )
        after.pop(member, None)
    return PayoutPlan(
        output_format,
        currency,
        rows,
        carried,
        held,
        {member: amount for member, amount in after.items() if amount},
    )


def _address(contact: Contact | None, output_format: str) -> str | None:
    if output_format == "csv":
        return ""
    if contact is None:
        return None
    return contact.paypal_email if output_format == "paypal" else contact.wise_email


def payout_files(plan: PayoutPlan, *, note: str = "Community payment") -> list[str]:
    """The texts of the files for ``plan``: one, or several when over the row limit.

    A plan with no rows gives one file (a header alone for csv and wise, empty for
    paypal), so the caller always has something to write and show.
    """
    limit = ROW_LIMITS[plan.format] or max(len(plan.rows), 1)
    chunks = [plan.rows[start : start + limit] for start in range(0, len(plan.rows), limit)]
    return [_file(plan, chunk, note) for chunk in chunks or [[]]]


def _file(plan: PayoutPlan, rows: Sequence[PayoutRow], note: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    currency = plan.currency
    if plan.format == "csv":
        writer.writerow(CSV_HEADER)
        for row in rows:
            writer.writerow(
                [
                    spreadsheet_safe(row.payee.handle),
                    spreadsheet_safe(row.payee.name),
                    format_minor(row.amount_minor, currency),
                    currency,
                    row.payout_id,
                ]
            )
    elif plan.format == "paypal":
        for row in rows:
            writer.writerow(
                [
                    spreadsheet_safe(row.recipient),
                    format_minor(row.amount_minor, currency),
                    currency,
                    row.payout_id,
                    spreadsheet_safe(note),
                ]
            )
    else:
        writer.writerow(WISE_HEADER)
        for row in rows:
            writer.writerow(
                [
                    spreadsheet_safe(row.holder_name),
                    spreadsheet_safe(row.recipient),
                    format_minor(row.amount_minor, currency),
                    currency,
                    currency,
                    "target",
                ]
            )
    return out.getvalue()
