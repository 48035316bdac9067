"""Decoding the log's notifications into domain events, faster than the library's mapper.

The library's ``Mapper.to_domain_event`` decodes the stored JSON with a Python
``object_hook`` that looks every ``{"_type_": ..., "_data_": ...}`` wrapper up by
name, and builds each UUID with ``UUID(hex)``, whose pure-Python checks cost more
than the rest of the wrapper. A rebuild decodes every event of the log, so this
module does the same work with the two wrappers every event carries (``uuid_hex``
and ``datetime_iso``) decoded inline, and every other wrapper (citations, money,
decimals) handed to the transcoder's own transcoding, as the library does.

The result is the object the library would build: the same class, and an equal
``__dict__`` (the tests compare both on random logs). Whatever this module does
not handle exactly as the library does goes to the library's mapper instead: a
cipher or a compressor, an event class with ``class_version`` (upcasting), a
transcoder that is not the JSON one, and any state that fails to decode here (so
errors are the library's own).
"""

from __future__ import annotations

import json
from collections.abc import Hashable
from datetime import datetime
from typing import Any, cast
from uuid import UUID, SafeUUID

from eventsourcing.persistence import (
    DatetimeAsISO,
    JSONTranscoder,
    Mapper,
    Notification,
    UUIDAsHex,
    find_id_convertor,
)
from eventsourcing.utils import resolve_topic

__all__ = ["EventDecoder"]

_fromisoformat = datetime.fromisoformat
_new = object.__new__
_set = object.__setattr__
_UNKNOWN = SafeUUID.unknown


def _uuid(hex_: str) -> UUID:
    """``UUID(hex_)`` for the 32 hex digits the library stores, without its checks.

    For a string of 32 characters ``UUID()`` strips nothing that could leave 32
    (braces, hyphens, ``urn:uuid:`` all make it shorter, so it raises) and then
    calls ``int(hex_, 16)``; so does this, which raises where ``UUID()`` would.
    """
    if len(hex_) != 32:
        return UUID(hex_)
    uuid = _new(UUID)
    _set(uuid, "int", int(hex_, 16))
    _set(uuid, "is_safe", _UNKNOWN)
    return uuid


class EventDecoder:
    """Decodes notifications as ``mapper.to_domain_event`` does, without its overheads."""

    def __init__(self, mapper: Mapper[Any]) -> None:
        self.mapper = mapper
        transcoder = mapper.transcoder
        names = transcoder.names if isinstance(transcoder, JSONTranscoder) else {}
        # Only the JSON transcoder's format, with the library's own UUID and
        # datetime transcodings, is decoded here; anything else goes to the mapper.
        self.enabled = (
            type(names.get("uuid_hex")) is UUIDAsHex
            and type(names.get("datetime_iso")) is DatetimeAsISO
            and not (mapper.cipher or mapper.compressor)
        )
        self._others = {
            name: transcoding.decode
            for name, transcoding in names.items()
            if name not in ("uuid_hex", "datetime_iso")
        }
        self._decode_json = json.JSONDecoder(object_hook=self._wrapped).decode
        # Per topic: the class, and whether its events are read as stored (no upcasting).
        self._classes: dict[str, tuple[type, bool]] = {}

    def __call__(self, notification: Notification) -> Any:
        if not self.enabled:
            return self.mapper.to_domain_event(notification)
        topic = notification.topic
        known = self._classes.get(topic)
        if known is None:
            cls = resolve_topic(topic)
            known = self._classes[topic] = (cls, getattr(cls, "class_version", 1) == 1)
        cls, as_stored = known
        try:
            state = self._decode_json(notification.state.decode("utf8"))
        except Exception:
            return self.mapper.to_domain_event(notification)
        if not as_stored or type(state) is not dict or "class_version" in state:
            return self.mapper.to_domain_event(notification)
        originator_id = notification.originator_id
        id_type = cast(Hashable, type(originator_id))
        state["originator_id"] = find_id_convertor(cls, id_type)(originator_id)
        state["originator_version"] = notification.originator_version
        event: Any = _new(cls)
        _set(event, "__dict__", state)
        return event

    def _wrapped(self, d: dict[str, Any]) -> Any:
        # The library's JSONTranscoder._decode_obj, with its two commonest cases inline.
        if len(d) == 2 and "_type_" in d and "_data_" in d:
            kind = d["_type_"]
            data = d["_data_"]
            if kind == "uuid_hex":
                return _uuid(data)
            if kind == "datetime_iso":
                return _fromisoformat(data)
            return self._others[kind](data)
        return d
