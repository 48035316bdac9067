"""The topics the aggregates were recorded under, kept after the classes moved.

A stored event names its class by topic, ``module:qualname``; the ``Created`` event
also names its aggregate's (``originator_topic``). Issue 24 moved the aggregates from
``ledger.member`` (and the others) into ``ledger.domain``, which would have changed
every topic, and with it every export line and transparency-log leaf of the same
acts. So each event class carries ``TOPIC``, the library's explicit topic, set to
its old one, and ``recorded_under`` gives the aggregate class its old topic and lists
it in ``RECORDED_UNDER``. The application layer registers them
(``ledger.application.recorded_topics``, with ``eventsourcing.utils.register_topic``),
so that the domain imports nothing but the standard library and eventsourcing's
domain module, and every stored ``ledger.member:Member.Renamed`` resolves to the
moved class.

The aggregate's ``TOPIC`` is set after its class is made: set in the class body,
the library would also ask one of the event classes it derives itself
(``Created``, never recorded) for an explicit topic.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

__all__ = ["RECORDED_UNDER", "recorded_under"]

T = TypeVar("T", bound=type)

#: Every aggregate class given its old topic, for the application layer to register.
RECORDED_UNDER: list[type] = []


def recorded_under(old_module: str) -> Callable[[T], T]:
    """Keep the aggregate class's topic (and so its stored events') under ``old_module``."""

    def keep(cls: T) -> T:
        topic = f"{old_module}:{cls.__qualname__}"
        cls.TOPIC = topic  # type: ignore[attr-defined]
        RECORDED_UNDER.append(cls)
        return cls

    return keep
