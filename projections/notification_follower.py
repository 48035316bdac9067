"""Drives the notifications read model (``notification_projection``) as the read
models follow the log.

The mail database is its own store with its own position: after each batch the
projector commits (and when it has caught up, a rebuild included), the follower
reads the log's Proposal events after that position, up to the projector's, and
applies them in batches, each in one transaction with its position. So a
notification and its mail are written exactly once however often, or from however
far back, the read models are rebuilt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.utils import get_topic

from ledger import Ledger
from ledger.adapters.settings import DatabaseSetting
from ledger.domain.proposal import Proposal
from projections.mail_store import MailDatabase, open_mail_database
from projections.notification_projection import (
    DEFAULT_MESSAGE_DOMAIN,
    ProposalEvent,
    apply_proposal_events,
    projected_position,
)

if TYPE_CHECKING:
    from projections.queries import ReadModels

__all__ = ["NotificationFollower", "follow_notifications", "proposal_topics"]

_BATCH = 1000
_NAMES = ("Drafted", "Revised", "Opened", "Commented", "Objected", "Answered", "Finalized")
_SKIPPED = frozenset({"originator_id", "originator_version", "timestamp", "originator_topic"})


def proposal_topics() -> list[str]:
    """The topics of the Proposal events that notifications follow."""
    return [get_topic(getattr(Proposal, name)) for name in _NAMES]


class NotificationFollower:
    """Applies the log's Proposal events to one mail database, after its position."""

    def __init__(
        self,
        ledger: Ledger,
        database: MailDatabase,
        *,
        message_domain: str = DEFAULT_MESSAGE_DOMAIN,
    ) -> None:
        self.ledger = ledger
        self.database = database
        self.message_domain = message_domain
        self.topics = proposal_topics()

    def catch_up(self, until: int) -> int:
        """Apply the Proposal events up to position ``until``; return the position."""
        position = projected_position(self.database)
        while position < until:
            found = self.ledger.recorder.select_notifications(
                position + 1, _BATCH, stop=until, topics=self.topics
            )
            through = found[-1].id if len(found) == _BATCH else until
            events = [self._event(notification) for notification in found]
            apply_proposal_events(
                self.database, events, through, message_domain=self.message_domain
            )
            position = through
        return position

    def _event(self, notification: Any) -> ProposalEvent:
        event = self.ledger.mapper.to_domain_event(notification)
        payload = {k: v for k, v in vars(event).items() if k not in _SKIPPED}
        return ProposalEvent(
            notification.id, type(event).__name__, UUID(str(notification.originator_id)), payload
        )


def follow_notifications(
    read_models: ReadModels,
    setting: DatabaseSetting,
    message_domain: str = DEFAULT_MESSAGE_DOMAIN,
) -> MailDatabase:
    """Open the ledger's mail database and have ``read_models``' projector drive it;
    the outbox's Message-IDs end in ``message_domain`` (the SMTP sender's domain)."""
    database = open_mail_database(setting)
    read_models.projector.followers.append(
        NotificationFollower(read_models.ledger, database, message_domain=message_domain).catch_up
    )
    return database
