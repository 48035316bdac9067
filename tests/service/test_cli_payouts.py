"""``payouts_command``: the payout files a final proposal's lines give, written whole."""

from __future__ import annotations

import csv
import io
import json
import uuid
from pathlib import Path

import pytest

from ledger.domain.contact import Contact
from ledger.domain.errors import InvalidAmountError
from lineage.payout_files import Payee
from service.cli.context import Format
from service.cli.payouts import payouts_command

PROPOSAL = uuid.UUID("00000000-0000-4000-8000-000000000022")


def lines(*pairs: tuple[str, int]) -> list[dict[str, object]]:
    return [
        {"member_id": m, "amount_minor": a, "share": "1/2", "role": None, "explanation": []}
        for m, a in pairs
    ]


def test_a_paypal_file_is_written_and_held_and_carried_members_are_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "payouts.csv"
    payouts_command(
        lines(("ann", 5000), ("bo", 4000), ("cy", 200)),
        {
            "ann": Contact("ann", paypal_email="ann@pay.example"),
            "cy": Contact("cy", paypal_email="c@p.example"),
        },
        proposal_id=PROPOSAL,
        currency="USD",
        output_format="paypal",
        out=out,
        payees={"bo": Payee("bo", "Bo B.")},
        minimum="5.00",
    )
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [row[:3] for row in rows] == [["ann@pay.example", "50.00", "USD"]]
    printed = capsys.readouterr().out
    assert "held bo" in printed and "40.00 USD, no paypal address" in printed
    assert "carried 2.00 USD to the balance of cy" in printed
    assert list(tmp_path.iterdir()) == [out]  # no temporary file left beside it


def test_a_wise_plan_over_1000_rows_is_split_over_numbered_files_named_in_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    members = [f"m{i}" for i in range(2001)]
    payouts_command(
        lines(*((m, 100) for m in members)),
        {m: Contact(m, wise_email=f"{m}@w.example") for m in members},
        proposal_id=PROPOSAL,
        currency="EUR",
        output_format="wise",
        out=tmp_path / "wise.csv",
        shown_as=Format.json,
    )
    answer = json.loads(capsys.readouterr().out)
    assert answer["id"] == str(PROPOSAL)
    assert answer["files"] == [str(tmp_path / f"wise-{n}.csv") for n in (1, 2, 3)]
    counts = [
        len(list(csv.reader(io.StringIO(Path(f).read_text(encoding="utf-8"))))) - 1
        for f in answer["files"]
    ]
    assert counts == [1000, 1000, 1]


def test_a_minimum_with_more_decimals_than_the_currency_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidAmountError):
        payouts_command(
            lines(("ann", 1)),
            {},
            proposal_id=PROPOSAL,
            currency="JPY",
            output_format="csv",
            out=tmp_path / "x.csv",
            minimum="1.5",
        )
    assert not (tmp_path / "x.csv").exists()
