"""The commands' own checks on their arguments, as functions both import paths call.

The aggregates check what they hold (a title's length, a remix's sources); these
are the checks ``Ledger``'s commands make around them. The archive's fast path
(``ledger.archive.fast_path``) records the same events without aggregates and
calls the same functions, in the same order, so a rule and its message are
written once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID

from ledger.domain.errors import (
    DuplicateExternalIdError,
    HandleTakenError,
    InvalidTimeError,
    InvalidValueError,
    PermissionDeniedError,
)
from ledger.domain.values import (
    MAX_EXTERNAL_ID,
    Citation,
    Kind,
    check_text,
    format_time,
    normalise_handle,
    parse_enum,
    utc_now,
)
from ledger.domain.work import Work

__all__ = [
    "MAX_AHEAD",
    "check_built_after",
    "check_contributor",
    "check_external_id",
    "check_registration",
    "check_remix",
    "external_id_taken_error",
    "external_name_to_reserve",
    "handle_taken_error",
    "occurred",
]

#: How far ahead of this machine's clock an act may be dated (clocks disagree a little).
MAX_AHEAD = timedelta(minutes=5)


def check_external_id(external_id: str | None) -> None:
    if external_id is not None:
        check_text("external id", external_id, MAX_EXTERNAL_ID)


def check_registration(handle: str, external_id: str | None) -> str:
    """Check a new member's handle and external id; return the canonical handle."""
    canonical = normalise_handle(handle)
    check_external_id(external_id)
    return canonical


def handle_taken_error(canonical_handle: str) -> HandleTakenError:
    return HandleTakenError(f"handle {canonical_handle!r} is taken")


def external_name_to_reserve(canonical_handle: str, external_id: str | None) -> str | None:
    """The handle a new member's external id could be read as, which it reserves.

    A member reference is tried as an external id and as a handle, so the two
    share one namespace of names: an external id that reads as a handle (its
    lower-case form, as handles are compared) takes that name from every other
    member, through a claim like a handle's. None when it cannot be read as a
    handle, or is the member's own handle (whose claim already holds the name).
    """
    if not external_id:
        return None
    try:
        name = normalise_handle(external_id)
    except InvalidValueError:
        return None
    return None if name == canonical_handle else name


def external_id_taken_error(external_id: str) -> DuplicateExternalIdError:
    return DuplicateExternalIdError(
        f"external id {external_id!r} is another member's handle"
        " (references try both, so the two may not name different members)"
    )


def check_remix(
    work_id: UUID,
    external_id: str | None,
    kind: str,
    authors: Sequence[UUID],
    sources: Sequence[Citation],
) -> Kind:
    """Check a new work's arguments (before any record is read); return its kind."""
    check_external_id(external_id)
    work_kind = parse_enum(Kind, kind, "kind")
    Work.check_authors(authors)
    if external_id and any(citation.work_id == work_id for citation in sources):
        # The id comes from the external id, so a source with that id is the work
        # that already has it: say that, not "a work cannot be its own source".
        raise DuplicateExternalIdError(f"a work with external id {external_id!r} exists")
    if sources:
        Work.check_sources(work_id, sources)
    return work_kind


def check_contributor(actor_id: UUID | None, authors: Sequence[UUID]) -> None:
    """A member contributes only works they are an author of (the operator any)."""
    if actor_id is not None and actor_id not in authors:
        raise PermissionDeniedError("a member contributes only works they are an author of")


def occurred(occurred_at: datetime | None) -> datetime:
    """When an act happened: ``occurred_at``, or now when it is None.

    An act dated more than ``MAX_AHEAD`` after now has not happened yet: refused.
    """
    now = utc_now()
    if occurred_at is None:
        return now
    if occurred_at > now + MAX_AHEAD:
        raise InvalidTimeError(
            f"the act is dated {format_time(occurred_at)}, in the future"
            f" (this machine's clock says {format_time(now)})"
        )
    return occurred_at


def check_built_after(
    occurred_at: datetime,
    source_title: str,
    source_created: datetime,
    *,
    as_recorded: bool = False,
) -> bool:
    """A remix cannot be made before one of its sources existed; True if it is dated so.

    A live act is refused. An act from an archive (``as_recorded``) is a record of
    the past and keeps the date it gives: rebased and cherry-picked commits keep
    their author dates, so real histories hold remixes dated before a source.
    """
    if occurred_at >= source_created:
        return False
    if as_recorded:
        return True
    raise InvalidTimeError(
        f"the act is dated {format_time(occurred_at)}, before its source"
        f" {source_title!r} was contributed ({format_time(source_created)})"
    )
