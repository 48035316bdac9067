"""The projector's decoder builds exactly the events the library's mapper builds."""

from __future__ import annotations

import zlib
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import Notification
from hypothesis import given

from ledger import open_ledger
from projections.decoding import EventDecoder
from tests.strategies import Step, programs, run_program


def notifications_of(ledger: Any) -> list[Notification]:
    return list(ledger.recorder.select_notifications(start=1, limit=100_000))


def assert_same_event(fast: Any, slow: Any) -> None:
    assert type(fast) is type(slow)
    assert fast.__dict__ == slow.__dict__
    # Same order too: the histories list an event's ids in its fields' order.
    assert list(fast.__dict__) == list(slow.__dict__)
    for name, value in fast.__dict__.items():
        assert type(value) is type(slow.__dict__[name])


@given(program=programs)
def test_every_event_of_a_random_log_decodes_as_the_library_decodes_it(
    program: list[Step],
) -> None:
    ledger = open_ledger("memory://")
    run_program(ledger, program)
    decode = EventDecoder(ledger.mapper)
    assert decode.enabled
    for notification in notifications_of(ledger):
        assert_same_event(decode(notification), ledger.mapper.to_domain_event(notification))


def test_uuids_decoded_inline_behave_as_uuids() -> None:
    ledger = open_ledger("memory://")
    member = ledger.register_member(handle="ada")
    decode = EventDecoder(ledger.mapper)
    claimed = decode(notifications_of(ledger)[-1])
    assert claimed.member_id == member.id
    assert hash(claimed.member_id) == hash(member.id)
    assert str(claimed.member_id) == str(member.id)
    assert claimed.member_id.version == member.id.version
    assert {claimed.member_id: 1}[member.id] == 1


def _rewritten(notification: Notification, old: bytes, new: bytes) -> Notification:
    assert old in notification.state
    return Notification(
        id=notification.id,
        originator_id=notification.originator_id,
        originator_version=notification.originator_version,
        topic=notification.topic,
        state=notification.state.replace(old, new),
    )


def test_states_it_does_not_know_go_to_the_library() -> None:
    ledger = open_ledger("memory://")
    member = ledger.register_member(handle="ada")
    decode = EventDecoder(ledger.mapper)
    registered = notifications_of(ledger)[0]
    hex_ = member.id.hex

    # A UUID spelt with hyphens: UUID() reads it; so must the decoder.
    claim = notifications_of(ledger)[1]
    spelt = _rewritten(claim, hex_.encode(), str(member.id).encode())
    assert decode(spelt).member_id == member.id
    assert_same_event(decode(spelt), ledger.mapper.to_domain_event(spelt))

    # An unknown wrapper name, or bad hex: the library's error, from the library.
    unknown = _rewritten(claim, b'"uuid_hex"', b'"mystery"')
    with pytest.raises(Exception) as fast_error:
        decode(unknown)
    with pytest.raises(Exception) as slow_error:
        ledger.mapper.to_domain_event(unknown)
    assert type(fast_error.value) is type(slow_error.value)
    bad = _rewritten(claim, hex_.encode(), b"z" * 32)
    with pytest.raises(Exception) as fast_error:
        decode(bad)
    with pytest.raises(Exception) as slow_error:
        ledger.mapper.to_domain_event(bad)
    assert type(fast_error.value) is type(slow_error.value)

    # A class_version in the state: the library pops it (and would upcast).
    versioned = _rewritten(registered, b'{"timestamp"', b'{"class_version":1,"timestamp"')
    assert "class_version" not in decode(versioned).__dict__
    assert_same_event(decode(versioned), ledger.mapper.to_domain_event(versioned))


def test_a_compressed_log_is_decoded_by_the_library() -> None:
    ledger = open_ledger("memory://")
    ledger.register_member(handle="ada")
    mapper = ledger.mapper
    mapper.compressor = zlib  # type: ignore[assignment]
    try:
        decode = EventDecoder(mapper)
        assert not decode.enabled
        plain = notifications_of(ledger)[0]
        compressed = Notification(
            id=plain.id,
            originator_id=plain.originator_id,
            originator_version=plain.originator_version,
            topic=plain.topic,
            state=zlib.compress(plain.state),
        )
        assert decode(compressed).handle == "ada"
    finally:
        mapper.compressor = None


def test_a_fresh_uuid_round_trips() -> None:
    ledger = open_ledger("memory://")
    decode = EventDecoder(ledger.mapper)
    member = ledger.register_member(handle="bo")
    event = decode(notifications_of(ledger)[0])
    assert isinstance(event.originator_id, UUID) and event.originator_id == member.id
    assert event.originator_id != uuid4()
