"""The lineage graph's snapshot file: used only when it matches the log, caught up, rewritten."""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from ledger import Ledger, open_ledger
from ledger.values import Money
from lineage import snapshot
from lineage.credits import credits_for
from lineage.graph import LineageGraph
from lineage.policies import Decay
from lineage.royalties import statement_for_revenue
from lineage.snapshot import CACHE_ENV_VAR, open_lineage, snapshot_path
from tests.conftest import Databases
from tests.lineage.dags import Sketch


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
    with snapshot_path(other_url).open("rb") as file:
        assert pickle.load(file)["fingerprint"] == snapshot._fingerprint(other, other.head)


@pytest.mark.parametrize(
    "damage", ["truncated", "garbage", "old format", "flipped byte", "other code", "crafted"]
)
def test_a_damaged_snapshot_means_a_build_from_the_log(
    databases: Databases, damage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = databases.url("sqlite")
    ledger = open_ledger(url)
    sketch = drawn(ledger)
    path = snapshot_path(url)
    open_lineage(ledger, path, long_lived=False, min_events=1)
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(b"not a pickle at all")
    elif damage == "flipped byte":
        middle = len(data) * 3 // 4
        path.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :])
    elif damage == "other code":
        monkeypatch.setattr(snapshot, "_code", lambda: "another version of the code")
    else:
        with path.open("rb") as file:
            header = pickle.load(file)
            graph = pickle.loads(file.read())
        if damage == "old format":
            header["format"] = snapshot.SNAPSHOT_FORMAT + 1
        else:  # a graph missing a column, with a digest that matches it
            del graph._titles
        graph_data = pickle.dumps(graph)
        header["graph_sha256"] = hashlib.sha256(graph_data).hexdigest()
        with path.open("wb") as file:
            pickle.dump(header, file)
            file.write(graph_data)
    built: list[int] = []
    from_ledger = LineageGraph.from_ledger

    def counted(ledger: Ledger, *args: Any, **kwargs: Any) -> LineageGraph:
        built.append(1)
        return from_ledger(ledger, *args, **kwargs)

    monkeypatch.setattr(LineageGraph, "from_ledger", staticmethod(counted))
    graph = open_lineage(ledger, path, long_lived=False, min_events=1)
    assert built == [1]
    assert described(graph, sketch) == described(LineageGraph.from_ledger(ledger), sketch)


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
    with path.open("rb") as file:
        assert pickle.load(file)["position"] == written_at  # one event behind: kept
    open_lineage(ledger, path, long_lived=False, min_events=1, refresh_after=1)
    with path.open("rb") as file:
        assert pickle.load(file)["position"] == ledger.head


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
    from ledger.settings import resolve_db_setting
    from lineage.snapshot import snapshot_path_for

    file = str(tmp_path / "studio.db")
    assert snapshot_path_for(resolve_db_setting(file)) == tmp_path / "studio.lineage.pickle"
    assert snapshot_path_for(resolve_db_setting("memory://")) is None
    assert snapshot_path_for(resolve_db_setting("postgresql://u@localhost:5432/db")) is None
