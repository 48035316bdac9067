"""A unit of work: the aggregates one command (or one import batch) loads and changes.

Commands load aggregates through it, so within a batch a record created by an
earlier line is visible to the next; its events are saved together in one
transaction, or not at all.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from ledger.adapters.bulk_read import read_aggregates

if TYPE_CHECKING:
    from eventsourcing.domain import DomainEventProtocol

    from ledger.application.base import LedgerBase

__all__ = ["AggregateCache", "UnitOfWork"]

A = TypeVar("A", bound=Aggregate)
T = TypeVar("T")


class AggregateCache:
    """A bounded LRU of committed aggregates, carried from one import batch to the next."""

    def __init__(self, maxsize: int = 200_000, *, ledger_was_empty: bool = False) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[UUID, Aggregate] = OrderedDict()
        # An import into an empty ledger knows every record that exists: the ones
        # it saved. Then an id it never saved needs no read to know it is absent.
        self.ledger_was_empty = ledger_was_empty
        self.saved: set[UUID] = set()

    def known_absent(self, aggregate_id: UUID) -> bool:
        return self.ledger_was_empty and aggregate_id not in self.saved

    def get(self, aggregate_id: UUID) -> Aggregate | None:
        item = self._items.get(aggregate_id)
        if item is not None:
            self._items.move_to_end(aggregate_id)
        return item

    def put(self, aggregate: Aggregate) -> None:
        self.saved.add(aggregate.id)
        self._items[aggregate.id] = aggregate
        self._items.move_to_end(aggregate.id)
        while len(self._items) > self.maxsize:
            self._items.popitem(last=False)

    def put_new(self, aggregates: Iterable[Aggregate]) -> None:
        """Put those of ``aggregates`` this cache does not hold yet.

        The others came from ``get``, which already marked them recently used,
        and they are the very objects the cache holds.
        """
        items = self._items
        for aggregate in aggregates:
            if aggregate.id not in items:
                self.put(aggregate)

    def discard(self, aggregate_id: UUID) -> None:
        self._items.pop(aggregate_id, None)


class UnitOfWork:
    """Loads aggregates once, collects their new events in the order they happened."""

    def __init__(self, ledger: LedgerBase, cache: AggregateCache | None = None) -> None:
        self._ledger = ledger
        self._cache = cache
        self._touched: dict[UUID, Aggregate] = {}
        # What the running command touched, in order: only these can have new events.
        self._recent: dict[UUID, Aggregate] = {}
        self._missing: set[UUID] = set()
        self.events: list[DomainEventProtocol[UUID]] = []

    def find(self, cls: type[A], aggregate_id: UUID) -> A | None:
        """The aggregate with this id, or None when there is none (or it is another type)."""
        aggregate = self._touched.get(aggregate_id)
        if aggregate is None and self._cache is not None:
            aggregate = self._cache.get(aggregate_id)
            if aggregate is not None:
                self._touched[aggregate_id] = aggregate
        if aggregate is None:
            if aggregate_id in self._missing or (
                self._cache is not None and self._cache.known_absent(aggregate_id)
            ):
                return None
            try:
                aggregate = self._ledger.repository.get(aggregate_id)
            except AggregateNotFoundError:
                self._missing.add(aggregate_id)
                return None
            self._touched[aggregate_id] = aggregate
        self._recent[aggregate_id] = aggregate
        return aggregate if isinstance(aggregate, cls) else None

    def preload(self, ids: Iterable[UUID]) -> None:
        """Read the aggregates with these ids (those not loaded yet) in one read of
        the store, so that the commands that follow find them without reading."""
        unknown = [
            aggregate_id
            for aggregate_id in ids
            if aggregate_id not in self._touched
            and aggregate_id not in self._missing
            and (self._cache is None or self._cache.get(aggregate_id) is None)
        ]
        if not unknown:
            return
        found = read_aggregates(self._ledger, unknown)
        for aggregate_id in unknown:
            aggregate = found.get(aggregate_id)
            if aggregate is None:
                self._missing.add(aggregate_id)
            else:
                self._touched[aggregate_id] = aggregate

    def get(self, cls: type[A], aggregate_id: UUID, missing: Callable[[], Exception]) -> A:
        """The aggregate with this id; raise ``missing()`` when there is none."""
        aggregate = self.find(cls, aggregate_id)
        if aggregate is None:
            raise missing()
        return aggregate

    def exists(self, aggregate_id: UUID) -> bool:
        """True when an aggregate of any type has this id."""
        return self.find(Aggregate, aggregate_id) is not None

    def touched(self) -> Iterable[Aggregate]:
        """Every aggregate loaded or created here, with its changes not saved yet."""
        return self._touched.values()

    def add(self, aggregate: Any) -> None:
        """Take a newly created aggregate into this unit of work."""
        self._missing.discard(aggregate.id)
        self._touched[aggregate.id] = aggregate
        self._recent[aggregate.id] = aggregate

    def run(self, command: Callable[[UnitOfWork], T]) -> T:
        """Run ``command``; on success keep its events, on failure forget what it touched."""
        self._recent = {}
        try:
            result = command(self)
        except BaseException:
            self._forget_pending()
            raise
        self._collect_pending()
        return result

    def _collect_pending(self) -> None:
        # Dicts keep insertion order, so events of different aggregates keep the
        # order in which the command first touched them.
        for aggregate in self._recent.values():
            if aggregate.pending_events:
                self.events.extend(aggregate.collect_events())

    def _forget_pending(self) -> None:
        # A command checks its rules before triggering events, so this only
        # matters if one failed half way: drop what it changed, reload later.
        for aggregate_id, aggregate in self._recent.items():
            if aggregate.pending_events:
                self._touched.pop(aggregate_id, None)
                if self._cache is not None:
                    self._cache.discard(aggregate_id)

    def commit(self) -> int | None:
        """Save every collected event in one transaction; return the last position."""
        if not self.events:
            return None
        recordings = self._ledger.save_events(self.events)
        self.events = []
        if self._cache is not None:
            self._cache.put_new(self._touched.values())
        self._touched.clear()
        return recordings[-1].notification.id if recordings else None

    def discard(self) -> None:
        """Forget everything collected (a dry run, or a batch cut short by a bad line)."""
        self.events = []
        if self._cache is not None:
            for aggregate_id in self._touched:
                self._cache.discard(aggregate_id)
        self._touched.clear()
        self._missing.clear()
