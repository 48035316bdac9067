"""Payout files: every final line paid, carried or held, within each provider's limits."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.domain.contact import Contact
from ledger.domain.errors import InvalidValueError
from lineage.payout_balances import PayoutRecord, balances
from lineage.payout_files import (
    ROW_LIMITS,
    WISE_HEADER,
    Payee,
    payout_files,
    payout_id,
    plan_payouts,
)

PROPOSAL = uuid.UUID("00000000-0000-4000-8000-000000000022")


def line(member: str, amount: int, role: str | None = None) -> dict[str, object]:
    return {
        "member_id": member,
        "amount_minor": amount,
        "share": "1/1",
        "role": role,
        "explanation": [],
    }


def contacts_for(*members: str) -> dict[str, Contact]:
    return {
        m: Contact(m, paypal_email=f"{m}@pay.example", wise_email=f"{m}@wise.example")
        for m in members
    }


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_a_csv_file_has_a_header_and_each_members_handle_name_amount_and_stable_id() -> None:
    plan = plan_payouts(
        [line("m1", 1234), line("m2", 5), line("m1", 1, role="Editors")],
        proposal_id=PROPOSAL,
        currency="USD",
        output_format="csv",
        contacts={},
        payees={"m1": Payee("ann", "Ann A."), "m2": Payee("bo", "=cmd|' /C calc'!A0")},
    )
    [text] = payout_files(plan)
    assert rows_of(text) == [
        ["handle", "name", "amount", "currency", "payout_id"],
        ["ann", "Ann A.", "12.35", "USD", payout_id(PROPOSAL, "m1")],
        ["bo", "'=cmd|' /C calc'!A0", "0.05", "USD", payout_id(PROPOSAL, "m2")],
    ]
    assert payout_id(PROPOSAL, "m1") == payout_id(PROPOSAL, "m1") != payout_id(PROPOSAL, "m2")


def test_a_paypal_file_has_no_header_and_holds_members_without_a_paypal_address() -> None:
    plan = plan_payouts(
        [line("m1", 100000), line("m2", 700)],
        proposal_id=PROPOSAL,
        currency="JPY",
        output_format="paypal",
        contacts={"m1": Contact("m1", paypal_email="ann@pay.example")},
        payees={"m2": Payee("bo", "Bo")},
    )
    [text] = payout_files(plan, note="Final Community Payments")
    assert rows_of(text) == [
        ["ann@pay.example", "100000", "JPY", payout_id(PROPOSAL, "m1"), "Final Community Payments"]
    ]
    assert [(h.member_id, h.amount_minor, h.payee.handle) for h in plan.held] == [("m2", 700, "bo")]


def test_a_wise_file_names_the_account_holder_and_fixes_the_target_amount() -> None:
    plan = plan_payouts(
        [line("m1", 250)],
        proposal_id=PROPOSAL,
        currency="EUR",
        output_format="wise",
        contacts={"m1": Contact("m1", wise_email="w@wise.example", wise_name="Ann Able")},
        payees={"m1": Payee("ann", "Ann A.")},
    )
    [text] = payout_files(plan)
    assert rows_of(text) == [
        list(WISE_HEADER),
        ["Ann Able", "w@wise.example", "2.50", "EUR", "EUR", "target"],
    ]


def test_a_line_under_the_minimum_is_carried_and_paid_once_the_balance_reaches_it() -> None:
    first = plan_payouts(
        [line("m1", 300)],
        proposal_id=PROPOSAL,
        currency="USD",
        output_format="paypal",
        contacts=contacts_for("m1"),
        payees={},
        minimum_minor=500,
    )
    assert first.rows == [] and first.carried == {"m1": 300}
    assert first.balances_after == {"m1": 300}
    history = first.records
    second = plan_payouts(
        [line("m1", 300)],
        proposal_id=uuid.uuid4(),
        currency="USD",
        output_format="paypal",
        contacts=contacts_for("m1"),
        payees={},
        prior=history,
        minimum_minor=500,
    )
    [row] = second.rows
    assert (row.line_minor, row.balance_minor, row.amount_minor) == (300, 300, 600)
    assert balances([*history, *second.records]) == {}


def test_failed_unclaimed_and_returned_money_goes_back_to_the_balance() -> None:
    history = [
        ("m1", 600, "sent"),
        ("m1", 600, "failed"),
        ("m2", 50, "unclaimed"),
        ("m3", 70, "returned"),
        ("m4", 80, "paid"),
    ]
    assert balances(history) == {"m1": 600, "m2": 50, "m3": 70}


def test_an_unknown_outcome_or_format_is_refused() -> None:
    with pytest.raises(InvalidValueError):
        PayoutRecord("m1", 1, "lost")
    with pytest.raises(InvalidValueError):
        plan_payouts(
            [], proposal_id=PROPOSAL, currency="USD", output_format="venmo", contacts={}, payees={}
        )


members = st.sampled_from([f"m{i}" for i in range(40)])
final_lines = st.lists(st.tuples(members, st.integers(0, 10**7)), max_size=120)
histories = st.lists(
    st.tuples(members, st.integers(0, 10**5), st.sampled_from(["carried", "failed", "sent"])),
    max_size=30,
)


@given(
    final_lines,
    histories,
    st.sets(members),
    st.sampled_from(["csv", "paypal", "wise"]),
    st.integers(0, 10**6),
)
def test_every_line_is_paid_carried_or_held_once_and_the_sums_agree(
    pairs: list[tuple[str, int]],
    prior: list[tuple[str, int, str]],
    with_address: set[str],
    output_format: str,
    minimum: int,
) -> None:
    lines = [line(m, amount) for m, amount in pairs]
    plan = plan_payouts(
        lines,
        proposal_id=PROPOSAL,
        currency="USD",
        output_format=output_format,
        contacts=contacts_for(*with_address),
        payees={},
        prior=prior,
        minimum_minor=minimum,
    )
    paid = {row.member_id for row in plan.rows}
    held = {h.member_id for h in plan.held}
    carried = set(plan.carried)
    assert paid | held | carried == {m for m, _ in pairs}
    assert not (paid & held or paid & carried or held & carried)
    owed = balances(prior)
    held_lines = sum(h.amount_minor - owed.get(h.member_id, 0) for h in plan.held)
    total = sum(amount for _, amount in pairs)
    assert sum(r.line_minor for r in plan.rows) + sum(plan.carried.values()) + held_lines == total
    assert sum(r.amount_minor for r in plan.rows) == sum(
        r.line_minor + owed.get(r.member_id, 0) for r in plan.rows
    )
    assert all(r.amount_minor >= max(minimum, 1) for r in plan.rows)
    assert balances([*prior, *plan.records]) == plan.balances_after


@given(st.integers(0, 12_500), st.sampled_from(["paypal", "wise"]))
def test_files_keep_within_the_providers_row_limit_and_lose_no_row(
    count: int, output_format: str
) -> None:
    names = [f"m{i}" for i in range(count)]
    plan = plan_payouts(
        [line(m, 100) for m in names],
        proposal_id=PROPOSAL,
        currency="USD",
        output_format=output_format,
        contacts={
            m: Contact(m, paypal_email=f"{m}@p.example", wise_email=f"{m}@w.example") for m in names
        },
        payees={},
    )
    files = payout_files(plan)
    limit = ROW_LIMITS[output_format]
    assert limit is not None
    header = 1 if output_format == "wise" else 0
    bodies = [rows_of(text)[header:] for text in files]
    assert all(len(body) <= limit for body in bodies)
    assert sum(len(body) for body in bodies) == count
    assert len(files) == max(1, -(-count // limit))
    assert {row[2 if output_format == "paypal" else 3] for body in bodies for row in body} <= {
        "USD"
    }
