"""``proposal payouts P --format csv|paypal|wise -o FILE [--minimum AMOUNT]``, ready to wire.

The proposal aggregate is another branch's (issue 22 item 1); until it lands, the
command is ``payouts_command``, fed a final proposal's lines and the members'
contacts, so that the ``proposal`` group registers it with a few lines that look
the proposal up. It plans (``lineage.payout_files``), writes, and reports.

One file is written to ``FILE``; a plan over the provider's row limit (PayPal 5 000,
Wise 1 000) is split, in order, over ``FILE-1.csv``, ``FILE-2.csv``... and each
file written is named. Each file is written beside its name and renamed into place,
so a crash leaves a file whole or not there, never half written.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

import typer

from ledger.domain.contact import Contact
from ledger.domain.values import Money
from lineage.payout_balances import PayoutRecord
from lineage.payout_files import Payee, PayoutPlan, format_minor, payout_files, plan_payouts
from service.cli.context import Format, emit_json

__all__ = ["payouts_command", "written_names"]


def payouts_command(
    lines: Sequence[Mapping[str, Any]],
    contacts: Mapping[str, Contact],
    *,
    proposal_id: UUID,
    currency: str,
    output_format: str,
    out: Path,
    payees: Mapping[str, Payee] | None = None,
    prior: Iterable[PayoutRecord | tuple[str, int, str]] = (),
    minimum: str | None = None,
    note: str = "Community payment",
    shown_as: Format = Format.text,
    written: Callable[[PayoutPlan], None] | None = None,
) -> PayoutPlan:
    """Write the payout file(s) for a final proposal's ``lines``; return the plan.

    ``written`` is called once every file is in place, before the report: where
    the plan's balance changes are recorded, so that a crash before it loses
    nothing (the same file is written again) and one after it doubles nothing."""
    minimum_minor = 0 if minimum is None else Money.parse(minimum, currency).minor_units
    plan = plan_payouts(
        lines,
        proposal_id=proposal_id,
        currency=currency,
        output_format=output_format,
        contacts=contacts,
        payees=payees or {},
        prior=prior,
        minimum_minor=minimum_minor,
    )
    texts = payout_files(plan, note=f"{note} {proposal_id}")
    names = written_names(out, len(texts))
    for name, text in zip(names, texts, strict=True):
        _write_whole(name, text)
    if written is not None:
        written(plan)
    _report(plan, proposal_id, names, shown_as)
    return plan


def written_names(out: Path, count: int) -> list[Path]:
    """``FILE`` for one file; ``FILE-1.ext`` ... ``FILE-N.ext`` for several."""
    if count == 1:
        return [out]
    suffix = out.suffix or ".csv"
    return [out.with_name(f"{out.stem}-{number}{suffix}") for number in range(1, count + 1)]


def _write_whole(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _report(plan: PayoutPlan, proposal_id: UUID, names: list[Path], shown_as: Format) -> None:
    currency = plan.currency

    def money(amount: int) -> str:
        return format_minor(amount, currency)

    if shown_as is Format.json:
        emit_json(
            {
                "id": str(proposal_id),
                "format": plan.format,
                "currency": currency,
                "files": [str(name) for name in names],
                "paid": [
                    {"id": r.member_id, "payout_id": r.payout_id, "amount": money(r.amount_minor)}
                    for r in plan.rows
                ],
                "carried": [{"id": m, "amount": money(a)} for m, a in plan.carried.items()],
                "held": [
                    {
                        "id": h.member_id,
                        "handle": h.payee.handle,
                        "amount": money(h.amount_minor),
                        "reason": h.reason,
                    }
                    for h in plan.held
                ],
                "balances": {m: money(a) for m, a in plan.balances_after.items()},
            }
        )
        return
    total = sum(row.amount_minor for row in plan.rows)
    for name in names:
        typer.echo(f"wrote {name}")
    typer.echo(f"{len(plan.rows)} payouts, {money(total)} {currency} ({plan.format})")
    for member, amount in plan.carried.items():
        typer.echo(f"carried {money(amount)} {currency} to the balance of {member}")
    for held in plan.held:
        typer.echo(
            f"held {held.payee.handle} ({held.member_id}): {money(held.amount_minor)}"
            f" {currency}, {held.reason}"
        )
    for member, amount in sorted(plan.balances_after.items()):
        typer.echo(f"balance {member}: {money(amount)} {currency}")
