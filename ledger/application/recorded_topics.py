"""Register the topics the aggregates were recorded under before they moved.

``ledger.domain.topics.recorded_under`` gives each moved aggregate class its old topic
(``ledger.member:Member``); stored ``Created`` events name it as their
``originator_topic``, which the library resolves through its topic register. This
module fills that register: ``ledger/__init__`` imports it, so it has run before any
ledger, archive or read model reads a stored event.
"""

from __future__ import annotations

from eventsourcing.utils import register_topic

# The aggregate modules, imported so that every class has been listed.
from ledger.domain import comment, member, production, token, vote, work
from ledger.domain.topics import RECORDED_UNDER

__all__ = ["register_recorded_topics"]

_AGGREGATE_MODULES = (comment, member, production, token, vote, work)


def register_recorded_topics() -> None:
    """Make each old aggregate topic name its moved class (idempotent)."""
    for cls in RECORDED_UNDER:
        register_topic(cls.TOPIC, cls)  # type: ignore[attr-defined]


register_recorded_topics()
