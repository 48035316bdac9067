"""Derived ids: the same uuid5 ids, however they are computed."""

from __future__ import annotations

from uuid import uuid5

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import identity


@given(st.text(max_size=60))
def test_derived_ids_are_uuid5_of_the_external_id(external_id: str) -> None:
    try:
        expected = uuid5(identity._MEMBER, external_id)
    except UnicodeEncodeError:
        with pytest.raises(UnicodeEncodeError):
            identity.member_id_for(external_id)
        return
    assert identity.member_id_for(external_id) == expected
    assert identity.work_id_for(external_id) == uuid5(identity._WORK, external_id)
    assert identity.handle_claim_id_for(external_id) == uuid5(identity._HANDLE, external_id)
    member, work = identity.member_id_for(external_id), identity.work_id_for(external_id)
    assert identity.vote_id_for(member, work) == uuid5(identity._VOTE, f"{member.hex}/{work.hex}")
