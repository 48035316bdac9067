"""The lineage graph kept in a file between runs, so that each question does not rebuild it.

Building the graph from the log decodes every event: 45 s for a ledger of a million
works on the benchmark machine, paid again by every CLI command that asks about
credits, trees or royalties. ``open_lineage`` instead loads the graph as a previous
run left it (about 6 s for that ledger), then applies only the events recorded since.

The file is a cache beside an SQLite ledger (``ledger.db`` -> ``ledger.lineage.pickle``),
derived from the log and safe to delete. It is used only if everything checks out;
otherwise the graph is built from the log and the file written afresh:

- its format number, the graph's attribute names, and a digest of this code (every
  module of ``ledger`` and ``lineage``, the Python and networkx versions) match;
- the graph's bytes have the SHA-256 its header recorded;
- the log still holds, at position 1 and at the snapshot's position, the very events
  (originator, version, topic, and a SHA-256 of the stored state) the snapshot was
  taken after; the log is append-only, so a different event there means another
  ledger, or a rewritten one.

It is a pickle, so it is trusted as the ledger file beside it is: whoever can write
one can write the other. Audits that must rest on the log alone set
``REMIX_LEDGER_LINEAGE_CACHE=off``, and the graph is then always built from the log.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import networkx as nx
from eventsourcing.sqlite import SQLiteConnectionPool

import ledger as ledger_package
import lineage as lineage_package
from ledger import Ledger
from ledger.collector import collector_paused
from ledger.settings import DatabaseSetting
from lineage.graph import LineageGraph

__all__ = [
    "CACHE_ENV_VAR",
    "MIN_EVENTS",
    "REFRESH_AFTER",
    "SNAPSHOT_FORMAT",
    "open_lineage",
    "snapshot_path",
    "snapshot_path_for",
]

#: Bump when the graph's meaning changes without its attribute names changing.
SNAPSHOT_FORMAT = 1
#: Below this many events the graph builds in a second or two: no file is written.
MIN_EVENTS = 50_000
#: A loaded snapshot this many events behind the log is written again.
REFRESH_AFTER = 10_000
#: Set to ``off`` (or ``0``, ``no``, ``false``) to build from the log every time.
CACHE_ENV_VAR = "REMIX_LEDGER_LINEAGE_CACHE"


def snapshot_path(ledger_path: str) -> Path:
    """``ledger.db`` -> ``ledger.lineage.pickle`` (beside it)."""
    path = Path(ledger_path)
    return path.with_name(f"{path.stem}.lineage.pickle")


def snapshot_path_for(setting: DatabaseSetting) -> Path | None:
    """Where the snapshot of the ledger at ``setting`` lives: beside an SQLite file;
    None for PostgreSQL and in-memory databases, which have no folder to keep it in."""
    if setting.backend != "sqlite":
        return None
    file = setting.env["SQLITE_DBNAME"]
    return None if SQLiteConnectionPool.detect_memory_mode(file) else snapshot_path(file)


def cache_enabled() -> bool:
    return os.environ.get(CACHE_ENV_VAR, "on").strip().lower() not in {"off", "0", "no", "false"}


def open_lineage(
    ledger: Ledger,
    path: Path | None,
    *,
    long_lived: bool = True,
    min_events: int | None = None,
    refresh_after: int | None = None,
) -> LineageGraph:
    """The ledger's lineage graph, current to its head: from the snapshot at ``path``
    when it checks out (then caught up), else built from the log.

    The snapshot is (re)written when the graph was built from a log of at least
    ``min_events`` events, or when the loaded one was ``refresh_after`` or more
    events behind (by default ``MIN_EVENTS`` and ``REFRESH_AFTER``). ``path`` None (or
    the cache switched off) means no file at all.
    """
    min_events = MIN_EVENTS if min_events is None else min_events
    refresh_after = REFRESH_AFTER if refresh_after is None else refresh_after
    if path is not None and not cache_enabled():
        path = None
    graph = _load(ledger, path) if path is not None else None
    if graph is None:
        graph = LineageGraph.from_ledger(ledger)
        stale = True
    else:
        loaded_at = graph.position
        graph.catch_up(ledger)
        stale = graph.position - loaded_at >= refresh_after
    if path is not None and stale and graph.position >= min_events:
        _save(graph, ledger, path)
    if long_lived:
        graph.keep()
    return graph


def _attributes() -> tuple[str, ...]:
    return tuple(sorted(vars(LineageGraph())))


@cache
def _code() -> str:
    """A digest of the code whose objects a snapshot holds: any change invalidates it.

    The graph pickles instances of this project's classes (members' states,
    productions' events, money) and of networkx's; a class whose fields moved would
    load wrong values without an error, so the source of every module of ``ledger``
    and ``lineage``, and the interpreter's and networkx's versions, are part of the key.
    """
    digest = hashlib.sha256(f"{sys.version_info[:2]} networkx {nx.__version__}".encode())
    for package in (ledger_package, lineage_package):
        for folder in package.__path__:
            for source in sorted(Path(folder).rglob("*.py")):
                digest.update(source.relative_to(folder).as_posix().encode())
                digest.update(source.read_bytes())
    return digest.hexdigest()


def _fingerprint(ledger: Ledger, position: int) -> tuple[Any, ...] | None:
    """What identifies the log up to ``position``: the events at 1 and at ``position``."""
    found: list[Any] = []
    for at in sorted({1, position}):
        notifications = ledger.recorder.select_notifications(start=at, limit=1)
        if not notifications or notifications[0].id != at:
            return None
        event = notifications[0]
        found.append(
            (
                at,
                str(event.originator_id),
                event.originator_version,
                event.topic,
                hashlib.sha256(event.state).hexdigest(),
            )
        )
    return tuple(found)


def _load(ledger: Ledger, path: Path) -> LineageGraph | None:
    try:
        with path.open("rb") as file:
            header = pickle.load(file)
            if (
                not isinstance(header, dict)
                or header.get("format") != SNAPSHOT_FORMAT
                or header.get("code") != _code()
                or header.get("attributes") != _attributes()
                or not isinstance(header.get("position"), int)
                or header["position"] > ledger.head
                or header.get("fingerprint") != _fingerprint(ledger, header["position"])
            ):
                return None
            data = file.read()
        # A file damaged after it was written (a bad disk, a partial copy) is refused
        # whole, before unpickling anything from it.
        if hashlib.sha256(data).hexdigest() != header.get("graph_sha256"):
            return None
        # Millions of objects and no cycles: the collector would only walk them.
        with collector_paused():
            graph = pickle.loads(data)
        if (
            not isinstance(graph, LineageGraph)
            or tuple(sorted(vars(graph))) != header["attributes"]
            or graph.position != header["position"]
        ):
            return None
    except Exception:  # whatever is wrong with a cache, the log is the answer
        return None
    return graph


def _save(graph: LineageGraph, ledger: Ledger, path: Path) -> None:
    fingerprint = _fingerprint(ledger, graph.position)
    if fingerprint is None:
        return
    data = pickle.dumps(graph, protocol=pickle.HIGHEST_PROTOCOL)
    header = {
        "format": SNAPSHOT_FORMAT,
        "code": _code(),
        "attributes": _attributes(),
        "position": graph.position,
        "fingerprint": fingerprint,
        "graph_sha256": hashlib.sha256(data).hexdigest(),
    }
    # Written beside it and renamed over it: a reader sees the old file or the new one.
    # A cache that cannot be written (a read-only folder, a full disk) is no error.
    try:
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    except OSError:
        return
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as file:
            pickle.dump(header, file, protocol=pickle.HIGHEST_PROTOCOL)
            file.write(data)
        temporary.replace(path)
    except OSError:
        temporary.unlink(missing_ok=True)
