"""The canonical entry of a stored event: the bytes its Merkle leaf hashes.

An entry holds everything the store keeps of an event, so that changing any of
it (its position, whose event it is, its version, its type or one byte of its
state) changes the leaf. Fixed layout, all integers unsigned big-endian::

    0x01                      format version (1 byte)
    position                  8 bytes: the event's notification id
    originator id             16 bytes: the aggregate's UUID
    originator version        8 bytes
    len(topic), topic         2 bytes, then the topic in UTF-8
    len(state), state         4 bytes, then the stored state, byte for byte

docs/tamper-evidence.md describes it for writers of other verifiers.

>>> from uuid import UUID
>>> entry = encode_entry(7, UUID(int=1), 2, "ledger.work:Work.Voted", b'{"v":1}')
>>> decode_entry(entry)
StoredEntry(position=7, originator_id=UUID('00000000-0000-0000-0000-000000000001'), \
version=2, topic='ledger.work:Work.Voted', state=b'{"v":1}')
"""

from __future__ import annotations

import hashlib
import struct
from typing import NamedTuple
from uuid import UUID

from ledger.domain.errors import LedgerError

__all__ = [
    "ENTRY_FORMAT",
    "EntryError",
    "StoredEntry",
    "decode_entry",
    "encode_entry",
    "entry_leaf_hash",
]

ENTRY_FORMAT = 1
_HEAD = struct.Struct(">BQ16sQH")
_LEAF_HEAD = struct.Struct(">BBQ16sQH")  # RFC 9162's 0x00 leaf prefix, then _HEAD
_STATE_LENGTH = struct.Struct(">I")
_sha256 = hashlib.sha256


class EntryError(LedgerError):
    """Bytes that are not a canonical entry."""


class StoredEntry(NamedTuple):
    """What an entry says about its stored event."""

    position: int
    originator_id: UUID
    version: int
    topic: str
    state: bytes


def encode_entry(
    position: int, originator_id: UUID | bytes, version: int, topic: str, state: bytes
) -> bytes:
    """The canonical entry of one stored event (``originator_id`` as a UUID or its 16 bytes)."""
    raw_id = originator_id.bytes if isinstance(originator_id, UUID) else originator_id
    topic_bytes = topic.encode()
    return b"".join(
        (
            _HEAD.pack(ENTRY_FORMAT, position, raw_id, version, len(topic_bytes)),
            topic_bytes,
            _STATE_LENGTH.pack(len(state)),
            state,
        )
    )


def entry_leaf_hash(
    position: int, originator_id: bytes, version: int, topic: str, state: bytes
) -> bytes:
    """``leaf_hash(encode_entry(...))`` in one step: what ``verify`` runs a million times.

    >>> from ledger.transparency.merkle import leaf_hash
    >>> args = (7, bytes(16), 2, "t", b"{}")
    >>> entry_leaf_hash(*args) == leaf_hash(encode_entry(*args))
    True
    """
    topic_bytes = topic.encode()
    head = _LEAF_HEAD.pack(0, ENTRY_FORMAT, position, originator_id, version, len(topic_bytes))
    return _sha256(b"".join((head, topic_bytes, _STATE_LENGTH.pack(len(state)), state))).digest()


def decode_entry(entry: bytes) -> StoredEntry:
    """The fields of a canonical entry; ``EntryError`` if it is not one."""
    try:
        fmt, position, raw_id, version, topic_length = _HEAD.unpack_from(entry)
        at = _HEAD.size
        topic = entry[at : at + topic_length].decode()
        at += topic_length
        (state_length,) = _STATE_LENGTH.unpack_from(entry, at)
        at += _STATE_LENGTH.size
    except (struct.error, UnicodeDecodeError) as error:
        raise EntryError(f"not a canonical entry: {error}") from None
    if fmt != ENTRY_FORMAT:
        raise EntryError(f"entry format {fmt} is not {ENTRY_FORMAT}")
    if len(entry) != at + state_length:
        raise EntryError(f"the entry is {len(entry)} bytes; its lengths say {at + state_length}")
    return StoredEntry(position, UUID(bytes=raw_id), version, topic, entry[at:])
