"""The lineage graph kept in a file between runs, so that each question does not rebuild it.

Building the graph from the log decodes every event: 45 s for a ledger of a million
works on the benchmark machine, paid again by every CLI command that asks about
credits, trees or royalties. ``open_lineage`` instead loads the graph as a previous
run left it (about 6 s for that ledger), then applies only the events recorded since.

The file is a cache beside an SQLite ledger (``ledger.db`` -> ``ledger.lineage.pickle``),
derived from the log and safe to delete. When the ledger's folder cannot be written
(an archived copy, a read-only mount), it lives in the user's cache folder instead
(``lineage.user_cache``), named from a hash of the ledger's absolute path; without a
cache folder there is no file, and the graph lives in memory only.

The graph is a pickle, and unpickling runs whatever code the file names. A ledger
folder received from someone else (the case an audit is for) may hold a crafted
file, so no byte of it is unpickled until the file is proven to be this user's own:

- it is ``MAGIC``, a header length, a JSON header (data only, nothing runs from it),
  the pickled graph, and an HMAC-SHA256 of all of those under the user's secret key
  (``lineage.user_cache.snapshot_key``, mode 0600 in the user's cache folder, never
  beside a ledger);
- the MAC is checked first, over the whole file, with ``hmac.compare_digest``; a file
  without one, with another machine's or user's, truncated or altered in any byte,
  is ignored (and written afresh where the folder allows);
- then, as before: its format number, the graph's attribute names, and a digest of
  this code (every module of ``ledger`` and ``lineage``, the Python and networkx
  versions) match; and the log still holds, at position 1 and at the snapshot's
  position, the very events (originator, version, topic, and a SHA-256 of the stored
  state) the snapshot was taken after; the log is append-only, so a different event
  there means another ledger, or a rewritten one;
- only then is the graph unpickled.

So the file is trusted as much as the user's own cache folder is, and no more; see
``docs/decisions/001-snapshot-authentication.md`` for the options weighed. Audits that
must rest on the log alone set ``REMIX_LEDGER_LINEAGE_CACHE=off``, and the graph is
then always built from the log.
"""

from __future__ import annotations

import hashlib
import hmac
import json
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
from ledger.adapters.collector import collector_paused
from ledger.adapters.settings import DatabaseSetting
from lineage.graph import LineageGraph
from lineage.user_cache import cache_folder, private_folder, snapshot_key

__all__ = [
    "CACHE_ENV_VAR",
    "MAGIC",
    "MIN_EVENTS",
    "REFRESH_AFTER",
    "SNAPSHOT_FORMAT",
    "open_lineage",
    "snapshot_path",
    "snapshot_path_for",
]

#: Bump when the graph's meaning changes without its attribute names changing.
SNAPSHOT_FORMAT = 2
#: The file's first bytes; a file that does not start so (format 1 was one pickle) is
#: not a snapshot this code wrote.
MAGIC = b"remix-ledger lineage snapshot\n"
#: Below this many events the graph builds in a second or two: no file is written.
MIN_EVENTS = 50_000
#: A loaded snapshot this many events behind the log is written again.
REFRESH_AFTER = 10_000
#: Set to ``off`` (or ``0``, ``no``, ``false``) to build from the log every time.
CACHE_ENV_VAR = "REMIX_LEDGER_LINEAGE_CACHE"

_LENGTH_BYTES = 8
_MAC_BYTES = hashlib.sha256().digest_size


def snapshot_path(ledger_path: str) -> Path:
    """``ledger.db`` -> ``ledger.lineage.pickle`` (beside it)."""
    path = Path(ledger_path)
    return path.with_name(f"{path.stem}.lineage.pickle")


def snapshot_path_for(setting: DatabaseSetting) -> Path | None:
    """Where the snapshot of the ledger at ``setting`` lives: beside an SQLite file, or
    in the user's cache folder when the ledger's folder cannot be written; None for
    PostgreSQL and in-memory databases, and when there is no cache folder either."""
    if setting.backend != "sqlite":
        return None
    file = setting.env["SQLITE_DBNAME"]
    if SQLiteConnectionPool.detect_memory_mode(file):
        return None
    beside = snapshot_path(file)
    if os.access(beside.parent, os.W_OK):
        return beside
    folder = cache_folder()
    if folder is None:
        return None
    ledger_path = str(Path(file).resolve())
    digest = hashlib.sha256(ledger_path.encode()).hexdigest()[:32]
    return folder / "snapshots" / f"{beside.stem}-{digest}.pickle"


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
    events behind (by default ``MIN_EVENTS`` and ``REFRESH_AFTER``), or when a file
    at ``path`` was refused, so that it does not stay there. ``path`` None (or the
    cache switched off) means no file at all.
    """
    min_events = MIN_EVENTS if min_events is None else min_events
    refresh_after = REFRESH_AFTER if refresh_after is None else refresh_after
    if path is not None and not cache_enabled():
        path = None
    graph = _load(ledger, path) if path is not None else None
    if graph is None:
        graph = LineageGraph.from_ledger(ledger)
        refused = path is not None and _exists(path)
        stale = refused or graph.position >= min_events
    else:
        loaded_at = graph.position
        graph.catch_up(ledger)
        stale = graph.position - loaded_at >= refresh_after and graph.position >= min_events
    if path is not None and stale:
        _save(graph, ledger, path)
    if long_lived:
        graph.keep()
    return graph


def _exists(path: Path) -> bool:
    """Whether a file is at ``path``; a cache folder this user cannot even look into
    (another user's ``$HOME``, as under ``setpriv``) holds nothing usable."""
    try:
        return path.exists()
    except OSError:
        return False


def _attributes() -> list[str]:
    return sorted(vars(LineageGraph()))


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


def _fingerprint(ledger: Ledger, position: int) -> list[list[Any]] | None:
    """What identifies the log up to ``position``: the events at 1 and at ``position``
    (as JSON has it: lists of strings and numbers)."""
    found: list[list[Any]] = []
    for at in sorted({1, position}):
        notifications = ledger.recorder.select_notifications(start=at, limit=1)
        if not notifications or notifications[0].id != at:
            return None
        event = notifications[0]
        found.append(
            [
                at,
                str(event.originator_id),
                event.originator_version,
                event.topic,
                hashlib.sha256(event.state).hexdigest(),
            ]
        )
    return found


def _mac(key: bytes, content: memoryview | bytes) -> bytes:
    return hmac.new(key, content, hashlib.sha256).digest()


def _sealed(key: bytes, header: dict[str, Any], body: bytes) -> bytes:
    """The file's bytes: ``MAGIC``, the header's length and JSON, the body, their MAC."""
    header_json = json.dumps(header, sort_keys=True).encode()
    content = b"".join([MAGIC, len(header_json).to_bytes(_LENGTH_BYTES, "big"), header_json, body])
    return content + _mac(key, content)


def _opened(key: bytes, data: bytes) -> tuple[dict[str, Any], memoryview] | None:
    """The header and the body of a file's ``data``, if this ``key`` made its MAC; else
    None. Nothing in ``data`` is decoded before its MAC is found good."""
    view = memoryview(data)
    if len(view) < len(MAGIC) + _LENGTH_BYTES + _MAC_BYTES:
        return None
    content, mac = view[:-_MAC_BYTES], view[-_MAC_BYTES:]
    if not hmac.compare_digest(_mac(key, content), mac):
        return None
    if content[: len(MAGIC)] != MAGIC:
        return None
    start = len(MAGIC) + _LENGTH_BYTES
    length = int.from_bytes(content[len(MAGIC) : start], "big")
    header = json.loads(bytes(content[start : start + length]))
    return (header, content[start + length :]) if isinstance(header, dict) else None


def _load(ledger: Ledger, path: Path) -> LineageGraph | None:
    try:
        if not path.exists():
            return None
        key = snapshot_key(create=False)
        opened = None if key is None else _opened(key, path.read_bytes())
        if opened is None:
            return None
        header, body = opened
        if (
            header.get("format") != SNAPSHOT_FORMAT
            or header.get("code") != _code()
            or header.get("attributes") != _attributes()
            or not isinstance(header.get("position"), int)
            or header["position"] > ledger.head
            or header.get("fingerprint") != _fingerprint(ledger, header["position"])
        ):
            return None
        # Millions of objects and no cycles: the collector would only walk them.
        with collector_paused():
            graph = pickle.loads(body)
        if (
            not isinstance(graph, LineageGraph)
            or sorted(vars(graph)) != header["attributes"]
            or graph.position != header["position"]
        ):
            return None
    except Exception:  # whatever is wrong with a cache, the log is the answer
        return None
    return graph


def _save(graph: LineageGraph, ledger: Ledger, path: Path) -> None:
    fingerprint = _fingerprint(ledger, graph.position)
    key = snapshot_key(create=True)
    if fingerprint is None or key is None:
        return
    header = {
        "format": SNAPSHOT_FORMAT,
        "code": _code(),
        "attributes": _attributes(),
        "position": graph.position,
        "fingerprint": fingerprint,
    }
    data = _sealed(key, header, pickle.dumps(graph, protocol=pickle.HIGHEST_PROTOCOL))
    # Written beside it and renamed over it: a reader sees the old file or the new one.
    # A cache that cannot be written (a read-only folder, a full disk) is no error.
    # Only the cache folder's ``snapshots`` can be missing: a ledger's folder is there.
    try:
        if not path.parent.is_dir() and not private_folder(path.parent):
            return
    except OSError:
        return
    try:
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    except OSError:
        return
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        temporary.replace(path)
    except OSError:
        temporary.unlink(missing_ok=True)
