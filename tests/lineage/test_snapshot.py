"""The lineage graph's snapshot file: used only when this user's key sealed it and it
matches the log; caught up, rewritten; never a way to run code from a ledger's folder."""

from __future__ import annotations

import json
import os
import pickle
import shlex
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from ledger import Ledger, open_ledger
from ledger.domain.values import Money
from lineage import snapshot
from lineage.credits import credits_for
from lineage.graph import LineageGraph
from lineage.policies import Decay
from lineage.royalties import statement_for_revenue
from lineage.snapshot import CACHE_ENV_VAR, MAGIC, open_lineage, snapshot_path
from lineage.user_cache import KEY_NAME, snapshot_key
from tests.conftest import Databases
from tests.lineage.dags import Sketch


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This user's cache folder (and snapshot key) for the test: never the real one."""
    home = tmp_path / "cache-home"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


class Drawn(Sketch):
    production_id: UUID


def drawn(ledger: Ledger) -> Drawn:
    sketch = Drawn(ledger)
    sketch.work("Song", "ana")
    sketch.work("Picture", "ben", cites=[("Song", "5", "illustration")])
    sketch.work("Film", "cy", "ana", cites=["Picture", "Song"])
    sketch.production_id = sketch.production("Film")
    ledger.record_revenue(sketch.production_id, Money(100_00, "USD"))
    return sketch


def described(graph: LineageGraph, sketch: Drawn) -> dict[str, Any]:
    """What a user can ask of the graph, for every work, now and as of earlier positions."""
    return {
        "statement": statement_for_revenue(graph, sketch.production_id, 1).as_dict(),
        "position": graph.position,
        "edges": sorted(graph.graph.edges(data=True)),
        "works": {title: dict(graph.work(work)) for title, work in sketch.works.items()},
        "credits": {
            (title, as_of): credits_for(graph, work, Decay(), as_of).as_dict()
            for title, work in sketch.works.items()
            for as_of in (None, graph.position - 1)
            if graph.has_work(work, as_of)
        },
    }


def no_rebuild(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> LineageGraph:
        raise AssertionError("the graph was rebuilt from the log")

    monkeypatch.setattr(LineageGraph, "from_ledger", classmethod(refuse))


def count_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Each build of the graph from the log (the real build) appends to the list."""
    built: list[int] = []
    from_ledger = LineageGraph.from_ledger

    def counted(ledger: Ledger, *args: Any, **kwargs: Any) -> LineageGraph:
        built.append(1)
        return from_ledger(ledger, *args, **kwargs)

    monkeypatch.setattr(LineageGraph, "from_ledger", staticmethod(counted))
    return built


def built_from_the_log(
    ledger: Ledger, path: Path, sketch: Drawn, monkeypatch: pytest.MonkeyPatch
) -> LineageGraph:
    """``open_lineage`` refuses the file at ``path``: one build from the log, the log's answers."""
    with monkeypatch.context() as patched:
        built = count_builds(patched)
        graph = open_lineage(ledger, path, long_lived=False, min_events=1)
    assert built == [1]
    assert described(graph, sketch) == described(LineageGraph.from_ledger(ledger), sketch)
    return graph


def header_of(path: Path) -> dict[str, Any]:
    """The header of a snapshot that this user's key sealed (AssertionError otherwise)."""
    key = snapshot_key(create=False)
    assert key is not None
    opened = snapshot._opened(key, path.read_bytes())
    assert opened is not None, "not sealed by this user's key"
    return opened[0]


def sealed_again(path: Path, key: bytes, header: dict[str, Any], graph: object) -> None:
    path.write_bytes(snapshot._sealed(key, header, pickle.dumps(graph)))


class Crafted:
    """Unpickled, it runs a shell command that creates ``marker``: a stand-in for any."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {shlex.quote(str(self.marker))}",))


def test_a_snapshot_is_written_loaded_and_caught_up_to_the_same_graph(
    databases: Databases, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = databases.url("sqlite")
    ledger = open_ledger(url)
    sketch = drawn(ledger)
    path = snapshot_path(url)
    first = open_lineage(ledger, path, long_lived=False, min_events=1)
    assert path.exists()
    assert described(first, sketch) == described(LineageGraph.from_ledger(ledger), sketch)

    sketch.work("Sequel", "dee", cites=[("Film", "10", "adaptation")])
    ledger.rename_member(sketch.members["ana"], name="Ana Renamed")
    fresh = LineageGraph.from_ledger(ledger)
    with monkeypatch.context() as patched:
        no_rebuild(patched)
        loaded = open_lineage(ledger, path, long_lived=False, min_events=1)
    assert loaded.position == ledger.head
    assert described(loaded, sketch) == described(fresh, sketch)


def test_a_snapshot_of_another_log_is_not_used(databases: Databases) -> None:
    url, other_url = databases.url("sqlite"), databases.url("sqlite")
    ledger, other = open_ledger(url), open_ledger(other_url)
    drawn(ledger)
    other_sketch = drawn(other)  # the same commands: other ids, other events
    open_lineage(ledger, snapshot_path(url), long_lived=False, min_events=1)
    # The first ledger's snapshot, where the other ledger's would be.
    snapshot_path(url).replace(snapshot_path(other_url))
    graph = open_lineage(other, snapshot_path(other_url), long_lived=False, min_events=1)
    expected = described(LineageGraph.from_ledger(other), other_sketch)
    assert described(graph, other_sketch) == expected
    # ... and the file now holds the other ledger's graph.
    assert header_of(snapshot_path(other_url))["fingerprint"] == snapshot._fingerprint(
        other, other.head
    )


@pytest.mark.parametrize(
    "damage",
    [
        "truncated",
        "garbage",
        "old format",
        "flipped byte in the magic",
        "flipped byte in the header",
        "flipped byte in the graph",
        "flipped byte in the MAC",
        "appended byte",
        "no MAC",
        "other code",
        "a graph missing a column",
    ],
)
def test_a_damaged_snapshot_means_a_build_from_the_log_and_a_new_file(
    databases: Databases, damage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = databases.url("sqlite")
    ledger = open_ledger(url)
    sketch = drawn(ledger)
    path = snapshot_path(url)
    open_lineage(ledger, path, long_lived=False, min_events=1)
    data = path.read_bytes()
    key = snapshot_key(create=False)
    assert key is not None
    flipped_at = {
        "flipped byte in the magic": 3,
        "flipped byte in the header": len(MAGIC) + 8 + 5,
        "flipped byte in the graph": len(data) * 3 // 4,
        "flipped byte in the MAC": len(data) - 7,
    }
    if damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(b"not a pickle at all")
    elif damage in flipped_at:
        at = flipped_at[damage]
        path.write_bytes(data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :])
    elif damage == "appended byte":
        path.write_bytes(data + b"\0")
    elif damage == "no MAC":
        path.write_bytes(data[:-32])
    elif damage == "other code":
        monkeypatch.setattr(snapshot, "_code", lambda: "another version of the code")
    else:  # sealed with this user's key: the checks after the MAC refuse it
        header = header_of(path)
        opened = snapshot._opened(key, data)
        assert opened is not None
        graph = pickle.loads(opened[1])
        if damage == "old format":
            header["format"] = snapshot.SNAPSHOT_FORMAT - 1
        else:
            del graph._titles
        sealed_again(path, key, header, graph)
    graph = built_from_the_log(ledger, path, sketch, monkeypatch)
    # The refused file was replaced by a good one, used from then on.
    assert header_of(path)["position"] == ledger.head
    with monkeypatch.context() as patched:
        no_rebuild(patched)
        assert described(open_lineage(ledger, path, long_lived=False), sketch) == described(
            graph, sketch
        )


def test_small_ledgers_and_a_switched_off_cache_write_no_file(
    databases: Databases, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = databases.url("sqlite")
    ledger = open_ledger(url)
    drawn(ledger)
    open_lineage(ledger, snapshot_path(url), long_lived=False)  # under MIN_EVENTS
    assert not snapshot_path(url).exists()
    monkeypatch.setenv(CACHE_ENV_VAR, "off")
    open_lineage(ledger, snapshot_path(url), long_lived=False, min_events=1)
    assert not snapshot_path(url).exists()


def test_a_snapshot_far_enough_behind_is_written_again(databases: Databases) -> None:
    url = databases.url("sqlite")
    ledger = open_ledger(url)
    sketch = drawn(ledger)
    path = snapshot_path(url)
    open_lineage(ledger, path, long_lived=False, min_events=1)
    written_at = ledger.head
    sketch.work("Sequel", "dee", cites=["Film"])
    open_lineage(ledger, path, long_lived=False, min_events=1, refresh_after=100)
    assert header_of(path)["position"] == written_at  # one event behind: kept
    open_lineage(ledger, path, long_lived=False, min_events=1, refresh_after=1)
    assert header_of(path)["position"] == ledger.head


def test_the_cli_answers_from_the_snapshot_as_from_the_log(
    databases: Databases, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from service.cli.main import main

    url = databases.url("sqlite")
    ledger = open_ledger(url)
    sketch = drawn(ledger)
    ledger.close()
    monkeypatch.setattr(snapshot, "MIN_EVENTS", 1)
    film = str(sketch.works["Film"])
    outputs = []
    for _ in range(2):
        with pytest.raises(SystemExit) as ended:
            main(["--db", url, "credits", film, "--format", "json"])
        assert ended.value.code == 0
        outputs.append(capsys.readouterr().out)
        assert Path(snapshot_path(url)).exists()
    assert outputs[0] == outputs[1]
    assert '"display_name": "Ana"' in outputs[0]


def test_only_an_sqlite_file_has_a_snapshot_place(tmp_path: Path) -> None:
    from ledger.adapters.settings import resolve_db_setting
    from lineage.snapshot import snapshot_path_for

    file = str(tmp_path / "studio.db")
    assert snapshot_path_for(resolve_db_setting(file)) == tmp_path / "studio.lineage.pickle"
    assert snapshot_path_for(resolve_db_setting("memory://")) is None
    assert snapshot_path_for(resolve_db_setting("postgresql://u@localhost:5432/db")) is None


# ------------------------------------------------ no code runs from a file beside a ledger


def credits_json(url: str, work: UUID, capsys: pytest.CaptureFixture[str]) -> str:
    from service.cli.main import main

    with pytest.raises(SystemExit) as ended:
        main(["--db", url, "credits", str(work), "--format", "json"])
    assert ended.value.code == 0
    return capsys.readouterr().out


def test_a_crafted_pickle_beside_the_ledger_runs_nothing_and_the_log_answers(
    databases: Databases,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The attack of issue 12: a pickle that runs a shell command when loaded, put where
    the snapshot goes; ``credits`` answers from the log and the command never runs."""
    url = databases.url("sqlite")
    ledger = open_ledger(url)
    sketch = drawn(ledger)
    ledger.close()
    film = sketch.works["Film"]
    expected = credits_json(url, film, capsys)  # no file yet: built from the log
    assert not snapshot_path(url).exists()
    marker = tmp_path / "the-crafted-pickle-ran"
    snapshot_path(url).write_bytes(pickle.dumps(Crafted(marker)))
    with monkeypatch.context() as patched:
        built = count_builds(patched)
        assert credits_json(url, film, capsys) == expected
    assert not marker.exists()
    assert built == [1]
    # The folder is writable: the crafted file is gone, a snapshot of this user's is there.
    assert snapshot_path(url).read_bytes().startswith(MAGIC)
    assert header_of(snapshot_path(url))["position"] == open_ledger(url).head


@contextmanager
def other_machine(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[bytes]:
    """Within it, the cache folder (and key) of another machine's user; yields that key."""
    with monkeypatch.context() as patched:
        patched.setenv("XDG_CACHE_HOME", str(home))
        key = snapshot_key(create=True)
        assert key is not None
        yield key


def test_a_snapshot_from_another_machine_is_not_used(
    databases: Databases, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same ledger, the same code, a snapshot its header says is right: sealed with
    another machine's key (a ledger folder received from someone), so built from the log."""
    url = databases.url("sqlite")
    ledger = open_ledger(url)
    sketch = drawn(ledger)
    path = snapshot_path(url)
    with other_machine(tmp_path / "elsewhere", monkeypatch):
        open_lineage(ledger, path, long_lived=False, min_events=1)
        assert header_of(path)["position"] == ledger.head  # good, for that machine
    built_from_the_log(ledger, path, sketch, monkeypatch)
    assert header_of(path)["position"] == ledger.head  # now sealed with this user's key


def test_a_crafted_graph_sealed_with_another_machines_key_runs_nothing(
    databases: Databases, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A header that passes every check but the MAC, and a body that runs a command."""
    url = databases.url("sqlite")
    ledger = open_ledger(url)
    sketch = drawn(ledger)
    path = snapshot_path(url)
    marker = tmp_path / "the-crafted-graph-ran"
    with other_machine(tmp_path / "elsewhere", monkeypatch) as other_key:
        open_lineage(ledger, path, long_lived=False, min_events=1)
        sealed_again(path, other_key, header_of(path), Crafted(marker))
    crafted = path.read_bytes()
    built_from_the_log(ledger, path, sketch, monkeypatch)
    assert not marker.exists()
    # Only the MAC stopped it: under the key that sealed it, the same file is unpickled.
    path.write_bytes(crafted)
    with other_machine(tmp_path / "elsewhere", monkeypatch):
        open_lineage(ledger, path, long_lived=False, min_events=1)
    assert marker.exists()


def test_a_good_snapshot_is_used_and_only_the_events_since_are_applied(
    databases: Databases, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = databases.url("sqlite")
    ledger = open_ledger(url)
    sketch = drawn(ledger)
    path = snapshot_path(url)
    open_lineage(ledger, path, long_lived=False, min_events=1)
    written_at = ledger.head
    sketch.work("Sequel", "dee", cites=["Film"])
    applied: list[int] = []
    apply = LineageGraph.apply

    def counted(graph: LineageGraph, position: int, event: Any) -> None:
        applied.append(position)
        apply(graph, position, event)

    with monkeypatch.context() as patched:
        no_rebuild(patched)
        patched.setattr(LineageGraph, "apply", counted)
        graph = open_lineage(ledger, path, long_lived=False, min_events=1)
    assert applied and min(applied) > written_at
    assert graph.position == ledger.head
    assert described(graph, sketch) == described(LineageGraph.from_ledger(ledger), sketch)


# ------------------------------------------------------------------ the key


def test_the_key_is_made_private_in_the_users_cache_folder(
    databases: Databases, cache_home: Path
) -> None:
    url = databases.url("sqlite")
    ledger = open_ledger(url)
    drawn(ledger)
    assert not cache_home.exists()
    open_lineage(ledger, snapshot_path(url), long_lived=False)  # small: no file, no key
    assert not cache_home.exists()
    open_lineage(ledger, snapshot_path(url), long_lived=False, min_events=1)
    folder = cache_home / "remix-ledger"
    key = folder / KEY_NAME
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.stat().st_uid == os.getuid()
    assert snapshot_key(create=False) == key.read_bytes()
    assert len(key.read_bytes()) == 32
    assert not any(snapshot_path(url).parent.glob("*.key"))  # never beside the ledger


@pytest.mark.parametrize("fault", ["group-readable", "world-readable", "another owner", "a link"])
def test_a_key_file_others_could_read_or_write_is_refused(
    databases: Databases, cache_home: Path, fault: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key is refused, not repaired: no snapshot is read or written with it."""
    url = databases.url("sqlite")
    ledger = open_ledger(url)
    sketch = drawn(ledger)
    path = snapshot_path(url)
    open_lineage(ledger, path, long_lived=False, min_events=1)
    key = cache_home / "remix-ledger" / KEY_NAME
    if fault == "group-readable":
        key.chmod(0o640)
    elif fault == "world-readable":
        key.chmod(0o604)
    elif fault == "another owner":
        if os.getuid() != 0:
            pytest.skip("giving a file to another user needs root")
        os.chown(key, 65534, 65534)
    else:  # the key moved elsewhere, a symbolic link in its place
        elsewhere = cache_home / "moved.key"
        key.replace(elsewhere)
        key.symlink_to(elsewhere)
    written = path.read_bytes()
    assert snapshot_key(create=True) is None
    built_from_the_log(ledger, path, sketch, monkeypatch)
    assert path.read_bytes() == written


# ------------------------------------------- a ledger whose folder cannot be written


def test_a_snapshot_in_the_users_cache_folder_is_written_and_used(
    databases: Databases, cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = databases.url("sqlite")
    ledger = open_ledger(url)
    sketch = drawn(ledger)
    path = cache_home / "remix-ledger" / "snapshots" / "ledger-0123.pickle"
    open_lineage(ledger, path, long_lived=False, min_events=1)
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    with monkeypatch.context() as patched:
        no_rebuild(patched)
        graph = open_lineage(ledger, path, long_lived=False, min_events=1)
    assert described(graph, sketch) == described(LineageGraph.from_ledger(ledger), sketch)


#: Run in a private mount namespace where the ledger's folder is bind-mounted read-only:
#: writing there fails for every user, root included (a chmod would not stop root).
READ_ONLY_RUN = """
import json, os, sys
from ledger import open_ledger
from ledger.adapters.settings import resolve_db_setting
from lineage.graph import LineageGraph
from lineage.snapshot import open_lineage, snapshot_path_for

archived, original = sys.argv[1:3]
folder = os.path.dirname(archived)
try:
    open(os.path.join(folder, "probe"), "w").close()
    writable = True
except OSError:
    writable = False
path = snapshot_path_for(resolve_db_setting(archived))
# The events are read from the original: opening an SQLite ledger on a read-only
# mount is the CLI's concern, not the snapshot's.
ledger = open_ledger(original)
built = []
build = LineageGraph.from_ledger
LineageGraph.from_ledger = staticmethod(lambda ledger: built.append(1) or build(ledger))
positions = [open_lineage(ledger, path, long_lived=False, min_events=1).position for _ in "ab"]
print(json.dumps({"writable": writable, "access": os.access(folder, os.W_OK),
                  "path": str(path), "built": len(built), "positions": positions,
                  "head": ledger.head}))
"""


def test_a_ledger_on_a_read_only_mount_keeps_its_snapshot_in_the_users_cache_folder(
    databases: Databases, tmp_path: Path, cache_home: Path
) -> None:
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        pytest.skip("needs unshare(1) and mount(8) for a read-only bind mount")
    url = databases.url("sqlite")
    ledger = open_ledger(url)
    drawn(ledger)
    head = ledger.head
    ledger.close()
    archive = tmp_path / "archive"
    archive.mkdir()
    archived = archive / "studio.db"
    shutil.copyfile(url, archived)
    script = (
        'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" "$1" && '
        'exec "$2" -c "$3" "$4" "$5"'
    )
    command = ["unshare", "--mount", "--map-root-user", "sh", "-c", script, "sh"]
    command += [str(archive), sys.executable, READ_ONLY_RUN, str(archived), url]
    run = subprocess.run(command, capture_output=True, text=True, check=False, cwd=Path.cwd())
    if run.returncode != 0 and "mount" in run.stderr and "Traceback" not in run.stderr:
        pytest.skip(f"no private read-only mount here: {run.stderr.strip()}")
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout)
    assert not seen["writable"] and not seen["access"]
    path = Path(seen["path"])
    assert path.parent == cache_home / "remix-ledger" / "snapshots"
    assert path.name.startswith("studio.lineage-")
    assert seen["built"] == 1  # built once, then loaded from the cache folder
    assert seen["positions"] == [head, head]
    assert path.read_bytes().startswith(MAGIC)
    assert sorted(p.name for p in archive.iterdir()) == ["studio.db"]
