"""Handles and external ids share one namespace: a reference never names two members.

A member reference is tried as an id, an external id and a handle (without regard
to case), so an external id equal to another member's handle would take that
member's name, and with it the roles a reference grants (issue 21, item 3).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger import Ledger, open_ledger
from ledger.application.log import iter_events
from ledger.archive import import_archive
from ledger.domain.errors import (
    AmbiguousMemberError,
    ArchiveError,
    DuplicateExternalIdError,
    HandleTakenError,
)
from ledger.domain.member import HandleClaim
from tests.recorded_before import before_names_were_shared


def _claims(ledger: Ledger) -> list[str]:
    return [e.handle for _, e in iter_events(ledger) if isinstance(e, HandleClaim.Claimed)]


def test_an_external_id_that_is_another_members_handle_is_refused(any_ledger: Ledger) -> None:
    alice = any_ledger.register_member(handle="alice").id
    for taken in ("alice", "ALICE", " Alice"):
        with pytest.raises(DuplicateExternalIdError, match="is another member's handle"):
            any_ledger.register_member(handle="mallory", external_id=taken)
    assert any_ledger.find_member("alice") == alice
    with pytest.raises(Exception, match="mallory"):
        any_ledger.find_member("mallory")


def test_a_handle_that_is_another_members_external_id_is_refused(any_ledger: Ledger) -> None:
    legacy = any_ledger.register_member(handle="ana", external_id="Bob").id
    for taken in ("bob", "BOB"):
        with pytest.raises(HandleTakenError, match="handle 'bob' is taken"):
            any_ledger.register_member(handle=taken)
    assert any_ledger.find_member("Bob") == legacy
    assert _claims(any_ledger) == ["ana", "bob"]


def test_a_member_may_have_its_own_handle_as_its_external_id(ledger: Ledger) -> None:
    ana = ledger.register_member(handle="ana", external_id="ANA").id
    assert ledger.find_member("ana") == ledger.find_member("ANA") == ana
    assert _claims(ledger) == ["ana"]


def test_an_external_id_that_cannot_be_a_handle_claims_no_name(ledger: Ledger) -> None:
    ledger.register_member(handle="ana", external_id="legacy/42")
    assert _claims(ledger) == ["ana"]


def test_external_ids_differing_only_in_case_still_name_two_members(ledger: Ledger) -> None:
    """External ids are compared exactly; the first one's claim keeps handles off both."""
    first = ledger.register_member(handle="ana", external_id="Rec7").id
    second = ledger.register_member(handle="bo", external_id="rec7").id
    assert (ledger.find_member("Rec7"), ledger.find_member("rec7")) == (first, second)
    with pytest.raises(HandleTakenError):
        ledger.register_member(handle="rec7")
    # The name an external id reserved is no handle: a case-variant reaches no one.
    with pytest.raises(Exception, match="no member has id, external id or handle 'REC7'"):
        ledger.find_member("REC7")


def test_a_reference_that_names_two_members_in_an_older_ledger_is_refused_naming_both(
    any_ledger: Ledger,
) -> None:
    """Recorded before the rule, "alice" is alice's handle and mallory's external id:
    neither is chosen, and each member is still reached by its id or its own handle."""
    alice = any_ledger.register_member(handle="alice").id
    with before_names_were_shared():
        mallory = any_ledger.register_member(handle="mallory", external_id="alice").id
    with pytest.raises(AmbiguousMemberError) as refused:
        any_ledger.find_member("alice")
    message = str(refused.value)
    assert str(alice) in message and str(mallory) in message and "@mallory" in message
    assert any_ledger.find_member(str(alice)) == alice
    assert any_ledger.find_member("mallory") == mallory
    assert any_ledger.find_member(str(mallory)) == mallory


def test_an_older_ledgers_unclaimed_external_id_keeps_its_name_from_new_handles(
    ledger: Ledger,
) -> None:
    with before_names_were_shared():
        legacy = ledger.register_member(handle="ana", external_id="carol").id
    assert _claims(ledger) == ["ana"]
    with pytest.raises(HandleTakenError, match="handle 'carol' is taken"):
        ledger.register_member(handle="Carol")
    assert ledger.find_member("carol") == legacy


def _member_line(external_id: str, handle: str) -> str:
    return json.dumps({"type": "member", "id": external_id, "handle": handle})


HEADER = json.dumps({"type": "archive", "format": "remix-ledger-archive", "version": 1})


@pytest.mark.parametrize("fast_path", [True, False])
@pytest.mark.parametrize(
    ("lines", "reason"),
    [
        (
            [_member_line("m1", "alice"), _member_line("ALICE", "mallory")],
            r"^clash\.jsonl:3: external id 'ALICE' is another member's handle",
        ),
        (
            [_member_line("Bob", "ana"), _member_line("m2", "bob")],
            r"^clash\.jsonl:3: handle 'bob' is taken",
        ),
    ],
)
def test_an_import_refuses_a_handle_and_an_external_id_that_clash_at_their_line(
    fast_path: bool, lines: list[str], reason: str, backend: str, ledger_url: str
) -> None:
    ledger = open_ledger(ledger_url)
    try:
        with pytest.raises(ArchiveError, match=reason):
            import_archive(ledger, [HEADER, *lines], source="clash.jsonl", fast_path=fast_path)
        assert ledger.head == 0  # the batch that held the line was dropped whole
    finally:
        ledger.close()


@pytest.mark.parametrize("fast_path", [True, False])
def test_both_import_paths_record_the_same_claims(fast_path: bool, tmp_path: Path) -> None:
    ledger = open_ledger(str(tmp_path / "ledger.db"))
    lines = [HEADER, _member_line("m1", "ana"), _member_line("M1", "bo"), _member_line("x", "x1")]
    report = import_archive(ledger, lines, fast_path=fast_path)
    assert report.fast_lines == (len(lines) if fast_path else 0)
    assert _claims(ledger) == ["ana", "m1", "bo", "x1"]
    assert report.events == ledger.head == 7
    ledger.close()
