"""API tokens: issued once, kept only as a digest, revoked at once."""

from __future__ import annotations

import hashlib
import io
from uuid import UUID

import pytest

from ledger import Ledger, open_ledger
from ledger.application.tokens import (
    InvalidTokenError,
    authenticate,
    issue_token,
    list_tokens,
    register_with_token,
    revoke_token,
)
from ledger.archive.exporter import export_archive
from ledger.domain.errors import HandleTakenError, UnknownMemberError


def test_a_registered_member_acts_with_the_token_given_once(any_ledger: Ledger) -> None:
    issued = register_with_token(any_ledger, handle="ana")
    token = authenticate(any_ledger, issued.secret)
    assert token.member_id == issued.member_id == any_ledger.find_member("ana")
    assert issued.position == any_ledger.head


def test_a_revoked_token_fails_at_once_in_another_process(ledger_url: str, backend: str) -> None:
    if backend == "memory":
        pytest.skip("an in-memory ledger has no second process")
    first, second = open_ledger(ledger_url), open_ledger(ledger_url)
    try:
        issued = issue_token(first, None, label="ops")
        assert authenticate(second, issued.secret).is_operator
        revoke_token(first, issued.token_id)
        with pytest.raises(InvalidTokenError, match="revoked"):
            authenticate(second, issued.secret)
    finally:
        first.close()
        second.close()


def test_unknown_and_malformed_tokens_are_refused(ledger: Ledger) -> None:
    issued = register_with_token(ledger, handle="ana")
    for wrong in ("", "rlt_nope", issued.secret + "x", issued.secret[4:], "rlt_" + "a" * 500):
        with pytest.raises(InvalidTokenError):
            authenticate(ledger, wrong)


def test_registration_with_a_taken_handle_issues_no_token(ledger: Ledger) -> None:
    register_with_token(ledger, handle="ana")
    head = ledger.head
    with pytest.raises(HandleTakenError):
        register_with_token(ledger, handle="ANA")
    with pytest.raises(UnknownMemberError):
        issue_token(ledger, UUID(int=1))
    assert ledger.head == head


def test_the_secret_is_stored_nowhere_and_never_exported(any_ledger: Ledger) -> None:
    issued = register_with_token(any_ledger, handle="ana")
    digest = hashlib.sha256(issued.secret.encode()).hexdigest()
    stored = b"".join(n.state for n in any_ledger.recorder.select_notifications(start=1, limit=100))
    assert issued.secret.encode() not in stored and digest.encode() not in stored
    out = io.StringIO()
    export_archive(any_ledger, out)
    assert str(issued.token_id) not in out.getvalue() and "registration" not in out.getvalue()


def test_operators_list_every_token_with_its_state(ledger: Ledger) -> None:
    member = register_with_token(ledger, handle="ana")
    operator = issue_token(ledger, None, label="deploy")
    revoke_token(ledger, member.token_id)
    revoke_token(ledger, member.token_id)  # again: nothing more recorded
    listed = {token.id: token for token in list_tokens(ledger)}
    assert list(listed) == [member.token_id, operator.token_id]
    assert listed[member.token_id].revoked_at is not None
    assert listed[operator.token_id].revoked_at is None and listed[operator.token_id].is_operator
