"""The notifications read model: the projection step that writes it, and its queries.

``apply_proposal_events`` takes a batch of the log's Proposal events (position, event
name, proposal id, payload) and, in ONE transaction, writes the notification rows, their
mails in the outbox, each proposal's follow state and the batch's position. A batch at
or below the recorded position is skipped, and every row's id is derived from (position,
member, kind), so applying a batch again, or rebuilding from position 0, writes nothing
twice and mails nothing twice. ``read_at`` is members' own state, outside the log: a
re-applied row keeps it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from projections.mail_store import MailDatabase
from projections.notifications import ProposalFollow, follow, notifications_for
from projections.outbox import OutboxMail, enqueue

__all__ = [
    "DEFAULT_MESSAGE_DOMAIN",
    "NotificationRow",
    "ProposalEvent",
    "apply_proposal_events",
    "mark_read",
    "notifications_of",
    "projected_position",
]

_NAMESPACE = uuid.UUID("6f1c1f0e-9b5e-4a53-9d35-7d3f0c1f2a22")
_POSITION = "notifications"
#: The Message-IDs' right-hand side unless the deployment names its own domain.
DEFAULT_MESSAGE_DOMAIN = "remix-ledger.invalid"


@dataclass(frozen=True)
class ProposalEvent:
    """One Proposal event of the log, as the projection takes it."""

    position: int
    name: str  # the event class's name: Drafted, Revised, Opened...
    proposal_id: UUID
    payload: dict[str, Any]  # the event's attributes (occurred_at, actor_id, lines...)


@dataclass(frozen=True)
class NotificationRow:
    notification_id: UUID
    member_id: UUID
    kind: str
    proposal_id: UUID
    position: int
    created_at: datetime
    subject: str
    body: str
    read_at: datetime | None


def projected_position(database: MailDatabase) -> int:
    with database.transaction() as cursor:
        return _position(database, cursor)


def _position(database: MailDatabase, cursor: Any) -> int:
    database.execute(
        cursor, "SELECT position FROM {prefix}notify_position WHERE name = ?", (_POSITION,)
    )
    row = cursor.fetchone()
    return int(row["position"]) if row else 0


def _load_follow(database: MailDatabase, cursor: Any, proposal_id: UUID) -> ProposalFollow:
    database.execute(
        cursor,
        "SELECT state FROM {prefix}notify_proposals WHERE proposal_id = ?",
        (proposal_id.hex,),
    )
    row = cursor.fetchone()
    if row is None:
        return ProposalFollow()
    data = json.loads(row["state"])
    return ProposalFollow(
        data["state"],
        data["currency"],
        tuple((UUID(m), int(a)) for m, a in data["lines"]),
        {k: UUID(v) for k, v in data["objectors"].items()},
    )


def _save_follow(
    database: MailDatabase, cursor: Any, proposal_id: UUID, state: ProposalFollow
) -> None:
    document = json.dumps(
        {
            "state": state.state,
            "currency": state.currency,
            "lines": [[m.hex, a] for m, a in state.lines],
            "objectors": {k: v.hex for k, v in state.objectors.items()},
        }
    )
    database.execute(
        cursor,
        "INSERT INTO {prefix}notify_proposals (proposal_id, state) VALUES (?, ?)"
        " ON CONFLICT (proposal_id) DO UPDATE SET state = excluded.state",
        (proposal_id.hex, document),
    )


def _created_at(payload: dict[str, Any]) -> datetime:
    value = payload.get("occurred_at") or payload.get("timestamp")
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    return datetime.now(UTC)


def apply_proposal_events(
    database: MailDatabase,
    events: Sequence[ProposalEvent],
    through: int,
    *,
    mail: bool = True,
    message_domain: str = DEFAULT_MESSAGE_DOMAIN,
) -> bool:
    """Apply one batch, ending at log position ``through``, in one transaction.

    ``events``: the batch's Proposal events in log order (the other events of the batch
    need not be passed: ``through`` carries the position past them). ``mail``: whether
    to put the notifications in the outbox too. False when the batch was already applied.
    """
    with database.transaction() as cursor:
        if through <= _position(database, cursor):
            return False
        follows: dict[UUID, ProposalFollow] = {}
        for event in events:
            before = follows.get(event.proposal_id) or _load_follow(
                database, cursor, event.proposal_id
            )
            after = follow(before, event.name, event.payload)
            follows[event.proposal_id] = after
            payees = after.payees
            if event.name == "Revised":
                payees = (*before.payees, *after.payees)
            notices = notifications_for(
                event.name,
                event.payload,
                payees,
                is_open=before.state == "open",
                objector=before.objectors.get(str(event.payload.get("objection_id"))),
                proposal=after,
            )
            created = _created_at(event.payload)
            for notice in notices:
                notification_id = uuid.uuid5(
                    _NAMESPACE, f"{event.position}:{notice.member_id.hex}:{notice.kind}"
                )
                database.execute(
                    cursor,
                    "INSERT INTO {prefix}notifications (notification_id, member_id, kind,"
                    " proposal_id, position, created_at, subject, body)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (notification_id) DO NOTHING",
                    (
                        notification_id.hex,
                        notice.member_id.hex,
                        notice.kind,
                        event.proposal_id.hex,
                        event.position,
                        created.isoformat(),
                        notice.subject,
                        notice.body,
                    ),
                )
                if mail:
                    outbox_mail = OutboxMail(
                        notification_id, notice.member_id, notice.subject, notice.body, created
                    )
                    enqueue(database, cursor, outbox_mail, message_domain)
        for proposal_id, state in follows.items():
            _save_follow(database, cursor, proposal_id, state)
        database.execute(
            cursor,
            "INSERT INTO {prefix}notify_position (name, position) VALUES (?, ?)"
            " ON CONFLICT (name) DO UPDATE SET position = excluded.position",
            (_POSITION, through),
        )
    return True


def notifications_of(
    database: MailDatabase, member_id: UUID, *, unread_only: bool = False, limit: int = 100
) -> list[NotificationRow]:
    """A member's notifications, newest first."""
    text = "SELECT * FROM {prefix}notifications WHERE member_id = ?"
    if unread_only:
        text += " AND read_at IS NULL"
    text += " ORDER BY position DESC, notification_id LIMIT ?"
    with database.transaction() as cursor:
        database.execute(cursor, text, (member_id.hex, limit))
        records = list(cursor.fetchall())
    return [
        NotificationRow(
            UUID(r["notification_id"]),
            UUID(r["member_id"]),
            r["kind"],
            UUID(r["proposal_id"]),
            int(r["position"]),
            datetime.fromisoformat(r["created_at"]),
            r["subject"],
            r["body"],
            datetime.fromisoformat(r["read_at"]) if r["read_at"] else None,
        )
        for r in records
    ]


def mark_read(database: MailDatabase, member_id: UUID, notification_id: UUID, at: datetime) -> bool:
    """Mark one of a member's notifications read (kept if already); False if it is not theirs."""
    with database.transaction() as cursor:
        database.execute(
            cursor,
            "UPDATE {prefix}notifications SET read_at = COALESCE(read_at, ?)"
            " WHERE notification_id = ? AND member_id = ?",
            (at.isoformat(), notification_id.hex, member_id.hex),
        )
        return bool(cursor.rowcount == 1)
