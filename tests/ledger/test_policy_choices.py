"""A production's settings are checked when recorded, by the import too."""

from __future__ import annotations

import json

import pytest

from ledger import open_ledger
from ledger.archive import import_archive
from ledger.domain.errors import ArchiveError
from lineage.policies import check_policy_choice


def _archive(*lines: dict[str, object]) -> list[str]:
    header = {"type": "archive", "format": "remix-ledger-archive", "version": 1}
    member = {"type": "member", "id": "m1", "handle": "ana", "joined_at": "2024-01-01T00:00:00Z"}
    works = [
        {
            "type": "work",
            "id": work,
            "authors": ["m1"],
            "title": work.upper(),
            "kind": "text",
            "created_at": "2024-01-02T00:00:00Z",
        }
        for work in ("a", "b")
    ]
    production = {
        "type": "production",
        "id": "p",
        "title": "P",
        "curator": "m1",
        "works": ["a", "b"],
        "created_at": "2024-01-03T00:00:00Z",
    }
    return [json.dumps(line) for line in (header, member, *works, production, *lines)]


def _policy(**fields: object) -> dict[str, object]:
    return {"type": "policy", "production": "p", "chosen_at": "2024-01-04T00:00:00Z", **fields}


@pytest.mark.parametrize(
    ("policy", "reason"),
    [
        (
            _policy(policy="equal", weights={"a": "0", "b": "0"}),
            "the weights total 0; at least one must be more than 0",
        ),
        (
            _policy(policy="equal", weights={"a": "1"}),
            "production 'P' includes 'B', which has no weight; give every included work one",
        ),
        (_policy(policy="equal", weights={"a": "-2", "b": "1"}), "weight -2 is not a number"),
        (_policy(policy="decay", params={"r": "abc"}), "decay r 'abc' is not a number"),
        (_policy(policy="magic"), "royalty policy 'magic' is not one of"),
    ],
    ids=["zero", "missing", "negative", "bad parameter", "unknown policy"],
)
def test_the_import_refuses_settings_no_statement_could_pay_with_their_line(
    policy: dict[str, object], reason: str
) -> None:
    ledger = open_ledger("memory://")
    ledger.policy_check = check_policy_choice  # as the command line wires it
    with pytest.raises(ArchiveError) as refused:
        import_archive(ledger, _archive(policy), source="x.jsonl")
    assert str(refused.value).startswith(f"x.jsonl:6: {reason}")
    assert ledger.head == 0
