"""Derived ids: the same uuid5 ids, however they are computed."""

from __future__ import annotations

from uuid import uuid5

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.domain import identity


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


@given(st.text(max_size=60))
def test_keyed_ids_are_per_kind_and_actor_and_never_an_external_ids(key: str) -> None:
    ana, ben = identity.member_id_for("ana"), identity.member_id_for("ben")
    try:
        work = identity.keyed_id_for("work", ana, key)
    except UnicodeEncodeError:
        return
    assert work == identity.keyed_id_for("work", ana, key)
    others = {
        identity.keyed_id_for("comment", ana, key),
        identity.keyed_id_for("production", ana, key),
        identity.keyed_id_for("work", ben, key),
        identity.keyed_id_for("work", None, key),
        # The same name under the external ids' namespace: another id.
        identity.work_id_for(f"{ana.hex}/{key}"),
    }
    assert work not in others and len(others) == 5
