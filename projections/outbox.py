"""The mail outbox: mails waiting to be sent, claimed under a lease, marked sent or failed.

A mail's life: ``pending`` -> ``sending`` (claimed by a sender, until its lease ends)
-> ``sent``; or back to ``pending`` with a later ``next_attempt_at`` after a temporary
failure; or ``failed`` after a permanent one. A ``sending`` mail whose lease has ended
(its sender crashed, or hangs) is claimed again like a pending one: no mail is lost.
Each claim carries a fresh token, and only the holder of the current claim can mark the
mail, so a sender that outlived its lease cannot overwrite a newer sender's outcome.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from projections.mail_store import MailDatabase

__all__ = [
    "ClaimedMail",
    "OutboxMail",
    "OutboxRow",
    "claim_due",
    "enqueue",
    "mark_failed",
    "mark_retry",
    "mark_sent",
    "message_id_for",
    "outbox_rows",
]

STATES = ("pending", "sending", "sent", "failed")


def message_id_for(notification_id: UUID, domain: str) -> str:
    """The mail's Message-ID, the same every time it is sent: receivers dedupe on it."""
    return f"<notification-{notification_id.hex}@{domain}>"


@dataclass(frozen=True)
class OutboxMail:
    """A mail to send, as the projection writes it."""

    notification_id: UUID
    member_id: UUID
    subject: str
    body: str
    created_at: datetime


@dataclass(frozen=True)
class ClaimedMail:
    """A mail a sender holds under its claim until it marks it."""

    notification_id: UUID
    member_id: UUID
    subject: str
    body: str
    message_id: str
    created_at: datetime
    attempts: int
    claim: str


@dataclass(frozen=True)
class OutboxRow:
    """One row of the outbox as it stands (for status and tests)."""

    notification_id: UUID
    member_id: UUID
    message_id: str
    state: str
    attempts: int
    next_attempt_at: float
    last_error: str | None


def enqueue(database: MailDatabase, cursor: Any, mail: OutboxMail, domain: str) -> None:
    """Add a pending mail in the caller's transaction; a mail already there is left as it is
    (a projection applied again, or rebuilt, never mails twice)."""
    database.execute(
        cursor,
        "INSERT INTO {prefix}outbox (notification_id, member_id, subject, body, message_id,"
        " created_at, state, attempts, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, 0)"
        " ON CONFLICT (notification_id) DO NOTHING",
        (
            mail.notification_id.hex,
            mail.member_id.hex,
            mail.subject,
            mail.body,
            message_id_for(mail.notification_id, domain),
            mail.created_at.isoformat(),
        ),
    )


def claim_due(database: MailDatabase, now: float, lease: float, limit: int) -> list[ClaimedMail]:
    """Claim up to ``limit`` mails that are due: pending ones whose time has come, and
    ``sending`` ones whose lease has ended. They stay ``sending`` until ``now + lease``."""
    claim = uuid.uuid4().hex
    due = (
        "SELECT notification_id FROM {prefix}outbox"
        " WHERE state IN ('pending', 'sending') AND next_attempt_at <= ?"
        " ORDER BY next_attempt_at, notification_id LIMIT ?"
    )
    if database.dialect == "postgres":
        # Two senders never claim the same row: the second skips what the first locked.
        due += " FOR UPDATE SKIP LOCKED"
    with database.transaction() as cursor:
        database.execute(
            cursor,
            "UPDATE {prefix}outbox SET state = 'sending', attempts = attempts + 1,"
            f" next_attempt_at = ?, claim = ? WHERE notification_id IN ({due})"
            " RETURNING notification_id, member_id, subject, body, message_id, created_at,"
            " attempts, claim",
            (now + lease, claim, now, limit),
        )
        records = list(cursor.fetchall())
    mails = [
        ClaimedMail(
            UUID(r["notification_id"]),
            UUID(r["member_id"]),
            r["subject"],
            r["body"],
            r["message_id"],
            datetime.fromisoformat(r["created_at"]),
            int(r["attempts"]),
            r["claim"],
        )
        for r in records
    ]
    return sorted(mails, key=lambda mail: (mail.created_at, mail.notification_id))


def _mark(
    database: MailDatabase, mail: ClaimedMail, assignments: str, params: tuple[Any, ...]
) -> bool:
    with database.transaction() as cursor:
        database.execute(
            cursor,
            f"UPDATE {{prefix}}outbox SET {assignments}, claim = NULL"
            " WHERE notification_id = ? AND claim = ?",
            (*params, mail.notification_id.hex, mail.claim),
        )
        return bool(cursor.rowcount == 1)


def mark_sent(database: MailDatabase, mail: ClaimedMail, sent_at: datetime) -> bool:
    """The server accepted the mail. False: the claim had been taken over meanwhile."""
    return _mark(
        database, mail, "state = 'sent', sent_at = ?, last_error = NULL", (sent_at.isoformat(),)
    )


def mark_retry(database: MailDatabase, mail: ClaimedMail, error: str, at: float) -> bool:
    """A temporary failure: pending again, due at ``at``."""
    return _mark(
        database, mail, "state = 'pending', next_attempt_at = ?, last_error = ?", (at, error)
    )


def mark_failed(database: MailDatabase, mail: ClaimedMail, error: str) -> bool:
    """A permanent failure: never tried again."""
    return _mark(database, mail, "state = 'failed', last_error = ?", (error,))


def outbox_rows(database: MailDatabase) -> list[OutboxRow]:
    """Every mail of the outbox, oldest first."""
    with database.transaction() as cursor:
        database.execute(
            cursor,
            "SELECT notification_id, member_id, message_id, state, attempts, next_attempt_at,"
            " last_error FROM {prefix}outbox ORDER BY created_at, notification_id",
        )
        records = list(cursor.fetchall())
    return [
        OutboxRow(
            UUID(r["notification_id"]),
            UUID(r["member_id"]),
            r["message_id"],
            r["state"],
            int(r["attempts"]),
            float(r["next_attempt_at"]),
            r["last_error"],
        )
        for r in records
    ]
