"""The stored state of the events the import's fast path records, as the transcoder writes it.

The library's ``JSONTranscoder`` encodes ``vars(event)`` (without the originator
id and version) with ``separators=(",", ":")`` and ``ensure_ascii=False``, and
calls back into Python for each UUID, datetime and citation. These functions
write the same bytes from parts: the keys in the events' field order, text
through the encoder's own ``encode_basestring``, ids as ready-made fragments
(a record's id is written again and again: as an author, a vote's work...).
That costs a few microseconds an event instead of about fifteen.

``agrees_with(transcoder)`` encodes sample events both ways; the fast path runs
only when every one is byte-identical, so a library that wrote differently
would send every line through the commands instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from json.encoder import encode_basestring
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.persistence import JSONTranscoder
from eventsourcing.utils import get_topic

from ledger.domain.comment import Comment
from ledger.domain.member import HandleClaim, Member
from ledger.domain.values import Citation, Relation
from ledger.domain.vote import Vote
from ledger.domain.work import Work

__all__ = [
    "NULL",
    "agrees_with",
    "claimed",
    "commented",
    "contributed",
    "registered",
    "uuid_json",
    "voted",
]

NULL = "null"
_text = encode_basestring  # what the transcoder's encoder uses with ensure_ascii=False


def _topic(cls: type) -> str:
    return _text(get_topic(cls))


_MEMBER, _CLAIM, _WORK = _topic(Member), _topic(HandleClaim), _topic(Work)
_COMMENT, _VOTE = _topic(Comment), _topic(Vote)


def uuid_json(value: UUID) -> str:
    return '{"_type_":"uuid_hex","_data_":"' + value.hex + '"}'


def _time(moment: datetime) -> str:
    return '{"_type_":"datetime_iso","_data_":"' + moment.isoformat() + '"}'


def _optional(text: str | None) -> str:
    return NULL if text is None else _text(text)


def _citation(citation: Citation) -> str:
    # CitationAsDict's fields, in its order.
    percent = citation.royalty_percent
    return (
        f'{{"_type_":"citation","_data_":{{"work_id":"{citation.work_id.hex}"'
        f',"relation":{_text(citation.relation.value)}'
        f',"royalty_percent":{NULL if percent is None else _text(str(percent))}}}}}'
    )


def registered(
    now: datetime,
    handle: str,
    name: str,
    external_id: str | None,
    actor: str,
    occurred_at: datetime,
) -> bytes:
    """``Member.Registered``; ``actor`` is ``uuid_json`` of the actor or ``NULL``."""
    return (
        f'{{"timestamp":{_time(now)},"originator_topic":{_MEMBER},"handle":{_text(handle)}'
        f',"name":{_text(name)},"external_id":{_optional(external_id)},"actor_id":{actor}'
        f',"occurred_at":{_time(occurred_at)}}}'
    ).encode()


def claimed(now: datetime, handle: str, member: str) -> bytes:
    """``HandleClaim.Claimed``; ``member`` is ``uuid_json`` of the member."""
    return (
        f'{{"timestamp":{_time(now)},"originator_topic":{_CLAIM},"handle":{_text(handle)}'
        f',"member_id":{member}}}'
    ).encode()


def contributed(
    now: datetime,
    authors: Sequence[str],
    title: str,
    kind: str,
    body: str | None,
    uri: str | None,
    license: str | None,
    external_id: str | None,
    actor: str,
    occurred_at: datetime,
    sources: Sequence[Citation],
) -> bytes:
    """``Work.Contributed``, or ``Work.Remixed`` when there are ``sources``."""
    cited = ""
    if sources:
        cited = ',"sources":[' + ",".join(map(_citation, sources)) + "]"
    return (
        f'{{"timestamp":{_time(now)},"originator_topic":{_WORK},"authors":[{",".join(authors)}]'
        f',"title":{_text(title)},"kind":{_text(kind)},"body":{_optional(body)}'
        f',"uri":{_optional(uri)},"license":{_optional(license)}'
        f',"external_id":{_optional(external_id)},"actor_id":{actor}'
        f',"occurred_at":{_time(occurred_at)}{cited}}}'
    ).encode()


def commented(
    now: datetime,
    work: str,
    author: str,
    text: str,
    external_id: str | None,
    occurred_at: datetime,
) -> bytes:
    """``Comment.Commented`` (its actor is its author)."""
    return (
        f'{{"timestamp":{_time(now)},"originator_topic":{_COMMENT},"work_id":{work}'
        f',"author_id":{author},"text":{_text(text)},"external_id":{_optional(external_id)}'
        f',"actor_id":{author},"occurred_at":{_time(occurred_at)}}}'
    ).encode()


def voted(
    now: datetime, member: str, work: str, value: int, occurred_at: datetime, key: str | None
) -> bytes:
    """``Vote.Voted`` (its actor is the member)."""
    return (
        f'{{"timestamp":{_time(now)},"originator_topic":{_VOTE},"member_id":{member}'
        f',"work_id":{work},"value":{int(value)!r},"actor_id":{member}'
        f',"occurred_at":{_time(occurred_at)},"idempotency_key":{_optional(key)}}}'
    ).encode()


def agrees_with(transcoder: JSONTranscoder) -> bool:
    """True when the functions above write what ``transcoder`` writes for sample events."""
    now = datetime(2026, 11, 26, 5, 20, 1, 123456, tzinfo=UTC)
    when = datetime(2021, 3, 1, tzinfo=UTC)
    ids = [uuid5(UUID(int=0), str(n)) for n in range(3)]
    a, b, c = ids
    text = 'Ünïcode "quoted" \\ back\nslash \u2028 \x00 é 😀'
    sources = [
        Citation(c, Relation.REMIX, None),
        Citation(b, Relation.ADAPTATION, Decimal("12.5")),
    ]
    base = {"timestamp": now}

    def stored(cls: type, **fields: Any) -> bytes:
        return transcoder.encode({**base, "originator_topic": get_topic(cls), **fields})

    work = {
        "authors": [a, b],
        "title": text,
        "kind": "text",
        "body": None,
        "uri": "https://example.org/é",
        "license": None,
        "external_id": "w1",
        "actor_id": None,
        "occurred_at": when,
    }
    remix = {
        **work,
        **{"authors": [a], "title": "t", "kind": "image", "body": text, "uri": None},
        **{"license": "CC0", "external_id": None, "actor_id": a, "sources": sources},
    }
    pairs = [
        (
            registered(now, "h", text, "m1", NULL, when),
            stored(
                Member,
                handle="h",
                name=text,
                external_id="m1",
                actor_id=None,
                occurred_at=when,
            ),
        ),
        (
            registered(now, "h", "n", None, uuid_json(b), when),
            stored(Member, handle="h", name="n", external_id=None, actor_id=b, occurred_at=when),
        ),
        (claimed(now, "h", uuid_json(a)), stored(HandleClaim, handle="h", member_id=a)),
        (
            contributed(
                now,
                [uuid_json(a), uuid_json(b)],
                text,
                "text",
                None,
                "https://example.org/é",
                None,
                "w1",
                NULL,
                when,
                (),
            ),
            stored(Work, **work),
        ),
        (
            contributed(
                now,
                [uuid_json(a)],
                "t",
                "image",
                text,
                None,
                "CC0",
                None,
                uuid_json(a),
                when,
                sources,
            ),
            stored(Work, **remix),
        ),
        (
            commented(now, uuid_json(a), uuid_json(b), text, "c1", when),
            stored(
                Comment,
                work_id=a,
                author_id=b,
                text=text,
                external_id="c1",
                actor_id=b,
                occurred_at=when,
            ),
        ),
        (
            voted(now, uuid_json(a), uuid_json(b), -1, when, "archive:k"),
            stored(
                Vote,
                member_id=a,
                work_id=b,
                value=-1,
                actor_id=a,
                occurred_at=when,
                idempotency_key="archive:k",
            ),
        ),
    ]
    return all(ours == theirs for ours, theirs in pairs)
