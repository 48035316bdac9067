"""Import benchmark: the archive import against the bare library and raw SQLite.

    .venv/bin/python -m bench.import_bench --events 200000
    .venv/bin/python -m bench.import_bench --quick          # ~20 000 events

It generates a deterministic synthetic archive (see ``bench.synthetic``), then,
each into a fresh SQLite file in a temporary folder:

1. imports it with ``import_archive(open_ledger(path), lines, batch_lines=...)``
   (timed: reading the file, parsing, the ledger's rules, saving);
2. baseline A, the bare eventsourcing library: an ``Application`` with
   ``PERSISTENCE_MODULE=eventsourcing.sqlite`` saving the same number of events in
   the same batches (``app.save(*aggregates)`` per batch), each event a new
   aggregate created by an ``@event`` method with a few string fields padded so
   the stored state is as long, on average, as the import's (timed: creating the
   aggregates and saving them);
3. baseline B, raw ``sqlite3``: ``executemany`` of equivalent rows (originator_id,
   originator_version, topic, state = JSON of the same average length) into the
   library's table layout, WAL mode, one transaction per batch (timed: building
   the rows and inserting them).

Each measurement runs in a fresh interpreter (``--phase``, internal), so none
inherits another's heap: objects a previous phase left alive make the cyclic
garbage collector slower for the next one (measured: ~20% on the baseline).
``--repeat N`` interleaves N rounds and keeps each measurement's best, which
helps on a noisy virtual machine.

It prints events/s for each, the ratios, the machine, and PASS/FAIL against the
target (import >= bare library on 200 000 events). It always exits 0: it is a
benchmark, not a test.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from uuid import uuid4

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from bench.synthetic import Archive, generate, write_archive

TARGET_RATIO = 1.0
DEFAULT_EVENTS = 200_000
QUICK_EVENTS = 20_000
DEFAULT_BATCH_LINES = 2_000  # the CLI's default --batch-lines
_FILLER = "river lantern paper echo garden signal " * 100
_NOW_ISO = "2026-11-26T00:00:00.000000+00:00"
_COUNT_AND_SIZE = "SELECT COUNT(*), AVG(LENGTH(state)) FROM stored_events"


# ------------------------------------------------------------------ machine


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for row in Path("/proc/cpuinfo").read_text().splitlines():
            if row.startswith("model name"):
                cpu = row.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    from importlib.metadata import PackageNotFoundError, version

    try:
        es_version = version("eventsourcing")
    except PackageNotFoundError:
        es_version = "?"
    return {
        "cpu": cpu,
        "cores": f"{os.cpu_count()} ({usable} usable)",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "sqlite": sqlite3.sqlite_version,
        "eventsourcing": es_version,
        "os": f"{platform.system()} {platform.release()}",
    }


# ------------------------------------------------------------------- import


def run_import(
    archive_path: Path, db_path: Path, batch_lines: int, profile: Path | None
) -> dict[str, Any]:
    from ledger.application.ledger import open_ledger
    from ledger.archive import import_archive

    ledger = open_ledger(str(db_path))
    profiler = None
    if profile is not None:
        import cProfile

        profiler = cProfile.Profile()
    gc.collect()
    with archive_path.open(encoding="utf-8", newline="\n") as stream:
        started, started_cpu = time.perf_counter(), time.process_time()
        if profiler is not None:
            profiler.enable()
        report = import_archive(ledger, stream, source=str(archive_path), batch_lines=batch_lines)
        if profiler is not None:
            profiler.disable()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    ledger.close()
    if profiler is not None:
        profiler.dump_stats(str(profile))
    with sqlite3.connect(db_path) as db:
        rows, avg_state = db.execute(_COUNT_AND_SIZE).fetchone()
    return {
        "seconds": elapsed,
        "cpu": cpu,
        "events": report.events,
        "lines": report.lines,
        "batches": report.batches,
        "rows": rows,
        "avg_state": float(avg_state or 0),
        "errors": len(report.errors),
    }


# ------------------------------------------------------- baseline A: library


def _padding(target_state: float, probe_state: float) -> int:
    return max(0, round(target_state - probe_state))


class Piece(Aggregate):
    """The bare baseline's aggregate: a few string fields, created by an @event method."""

    @event("Made")
    def __init__(self, *, name: str, title: str, text: str, ref: str) -> None:
        self.name = name
        self.title = title
        self.text = text
        self.ref = ref


class BareApp(Application[Any]):
    name = "BareBench"


def run_bare_library(db_path: Path, batches: Sequence[int], target_state: float) -> dict[str, Any]:
    app = BareApp(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(db_path)})
    # Size the payload so the stored state is as long as the import's on average.
    probe = Piece(name="member_000001", title="Lantern Paper Echo", text="", ref=uuid4().hex)
    probe_state = len(app.mapper.to_stored_event(probe.collect_events()[0]).state)
    text = _FILLER[: _padding(target_state, probe_state)]

    gc.collect()
    saved = 0
    started, started_cpu = time.perf_counter(), time.process_time()
    for size in batches:
        pieces = [
            Piece(
                name=f"member_{saved + i:06d}",
                title="Lantern Paper Echo",
                text=text,
                ref=uuid4().hex,
            )
            for i in range(size)
        ]
        app.save(*pieces)
        saved += size
    elapsed, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    app.close()
    with sqlite3.connect(db_path) as db:
        rows, avg_state = db.execute(_COUNT_AND_SIZE).fetchone()
    return {
        "seconds": elapsed,
        "cpu": cpu,
        "events": saved,
        "rows": rows,
        "avg_state": float(avg_state or 0),
    }


# ---------------------------------------------------- baseline B: raw sqlite3

_DDL = (
    "CREATE TABLE IF NOT EXISTS stored_events ("
    "originator_id TEXT, originator_version INTEGER, topic TEXT, state BLOB, "
    "PRIMARY KEY (originator_id, originator_version))"
)


def run_raw_sqlite(db_path: Path, batches: Sequence[int], target_state: float) -> dict[str, Any]:
    db = sqlite3.connect(db_path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(_DDL)
    topic = "bench.import_bench:Piece.Made"

    def state(n: int, text: str) -> bytes:
        return json.dumps(
            {
                "timestamp": {"_type_": "datetime_iso", "_data_": _NOW_ISO},
                "originator_topic": "bench.import_bench:Piece",
                "name": f"member_{n:06d}",
                "title": "Lantern Paper Echo",
                "text": text,
            },
            separators=(",", ":"),
        ).encode()

    text = _FILLER[: _padding(target_state, len(state(0, "")))]
    insert = "INSERT INTO stored_events VALUES (?,?,?,?)"
    gc.collect()
    saved = 0
    started, started_cpu = time.perf_counter(), time.process_time()
    for size in batches:
        rows = [(uuid4().hex, 1, topic, state(saved + i, text)) for i in range(size)]
        db.execute("BEGIN")
        db.executemany(insert, rows)
        db.execute("COMMIT")
        saved += size
    elapsed, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    count, avg_state = db.execute(_COUNT_AND_SIZE).fetchone()
    db.close()
    return {
        "seconds": elapsed,
        "cpu": cpu,
        "events": saved,
        "rows": count,
        "avg_state": float(avg_state or 0),
    }


# --------------------------------------------------------------------- main

PHASES = ("import", "bare", "raw")
_RESULT_PREFIX = "RESULT "


def _rate(result: dict[str, Any]) -> float:
    return result["events"] / result["seconds"] if result["seconds"] else float("inf")


def _run_phase(args: argparse.Namespace) -> int:
    """One measurement, in this (fresh) process; the result goes to stdout as JSON."""
    folder = args.folder
    batches = json.loads((folder / "batches.json").read_text())
    run = args.run
    if args.phase == "import":
        result = run_import(
            folder / "archive.jsonl", folder / f"import-{run}.db", args.batch_lines, args.profile
        )
    elif args.phase == "bare":
        result = run_bare_library(folder / f"bare-{run}.db", batches, args.state_bytes)
    else:
        result = run_raw_sqlite(folder / f"raw-{run}.db", batches, args.state_bytes)
    print(_RESULT_PREFIX + json.dumps(result), flush=True)
    return 0


def _spawn(
    phase: str, folder: Path, run: int, args: argparse.Namespace, state_bytes: float
) -> dict[str, Any]:
    """Run one phase in a new interpreter, so no phase inherits another's heap."""
    command = [
        sys.executable,
        "-m",
        "bench.import_bench",
        "--phase",
        phase,
        "--folder",
        str(folder),
        "--run",
        str(run),
        "--batch-lines",
        str(args.batch_lines),
        "--state-bytes",
        str(state_bytes),
    ]
    if phase == "import" and args.profile is not None:
        command += ["--profile", str(args.profile)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    for row in done.stdout.splitlines():
        if row.startswith(_RESULT_PREFIX):
            return json.loads(row[len(_RESULT_PREFIX) :])
    raise RuntimeError(f"the {phase} phase failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.import_bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--events",
        type=int,
        default=None,
        help=f"ledger events in the archive (default {DEFAULT_EVENTS:,})",
    )
    parser.add_argument("--quick", action="store_true", help=f"~{QUICK_EVENTS:,} events")
    parser.add_argument(
        "--batch-lines",
        type=int,
        default=DEFAULT_BATCH_LINES,
        help="archive lines per transaction (the CLI's default: 2000)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run each measurement this many times (interleaved) and keep the best",
    )
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="write a cProfile of the import here (slows the import)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--skip-baselines", action="store_true", help="only the import")
    # Internal: one measurement in a child process.
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--run", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--state-bytes", type=float, default=0.0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase is not None:
        return _run_phase(args)
    if args.profile is not None:
        args.profile = args.profile.resolve()
    events = (
        args.events if args.events is not None else (QUICK_EVENTS if args.quick else DEFAULT_EVENTS)
    )

    print("Remix Ledger import benchmark")
    for key, value in machine().items():
        print(f"  {key:<14} {value}")

    folder = Path(tempfile.mkdtemp(prefix="rl-import-bench-"))
    try:
        started = time.perf_counter()
        archive: Archive = generate(events, seed=args.seed)
        archive_path = folder / "archive.jsonl"
        write_archive(archive, archive_path)
        batches = archive.events_per_batch(args.batch_lines)
        (folder / "batches.json").write_text(json.dumps(batches))
        print(
            f"\narchive: {len(archive.lines):,} lines ({archive_path.stat().st_size / 1e6:.1f} MB),"
            f" {archive.events:,} events to record,"
            f" generated in {time.perf_counter() - started:.1f}s"
        )
        print(
            "  lines: "
            + ", ".join(f"{kind} {count:,}" for kind, count in archive.counts.items())
            + f"; remixes {archive.remixes:,},"
            f" most-used source cited {archive.max_source_uses:,} times"
        )
        print(
            f"  batches: {len(batches)} of {args.batch_lines} lines"
            f" (~{sum(batches) / max(len(batches), 1):,.0f} events each);"
            f" each measurement in a fresh process, best of {args.repeat}"
        )

        phases = ("import",) if args.skip_baselines else PHASES
        results: dict[str, list[dict[str, Any]]] = {phase: [] for phase in phases}
        state_bytes = 0.0
        for run in range(args.repeat):
            for phase in phases:
                result = _spawn(phase, folder, run, args, state_bytes)
                results[phase].append(result)
                if phase == "import":
                    state_bytes = result["avg_state"]
                    if result["events"] != archive.events or result["rows"] != archive.events:
                        print(
                            f"  WARNING: expected {archive.events:,} events; the report says"
                            f" {result['events']:,}, the table holds {result['rows']:,}"
                        )
        best = {phase: max(runs, key=_rate) for phase, runs in results.items()}
        labels = {
            "import": "import",
            "bare": "bare library",
            "raw": "raw sqlite3",
        }
        notes = {
            "import": "import_archive(open_ledger(file), ...)",
            "bare": "Application.save(*aggregates) per batch",
            "raw": "executemany per batch, WAL",
        }
        print()
        for phase, result in best.items():
            others = ""
            if args.repeat > 1:
                others = "; runs: " + ", ".join(f"{_rate(r):,.0f}" for r in results[phase])
            print(
                f"{labels[phase]:<14} {_rate(result):>9,.0f} events/s"
                f"  {result['events']:,} events in"
                f" {result['seconds']:.2f}s (cpu {result['cpu']:.2f}s; avg state"
                f" {result['avg_state']:.0f} B) {notes[phase]}{others}"
            )
        if args.profile is not None:
            import pstats

            print(
                f"\nprofile of the import written to {args.profile}"
                " (its rate above includes the profiler's overhead):"
            )
            pstats.Stats(str(args.profile)).sort_stats("tottime").print_stats(15)
        if args.skip_baselines:
            return 0
        rate_import = _rate(best["import"])
        ratio_bare = rate_import / _rate(best["bare"])
        ratio_raw = rate_import / _rate(best["raw"])
        print(f"\nimport / bare library: {ratio_bare:.3f}")
        print(f"import / raw sqlite3:  {ratio_raw:.3f}")
        verdict = "PASS" if ratio_bare >= TARGET_RATIO else "FAIL"
        note = (
            ""
            if events >= DEFAULT_EVENTS
            else f" (the target is set for {DEFAULT_EVENTS:,} events)"
        )
        print(
            f"{verdict}: import / bare library {ratio_bare:.3f}, target >= {TARGET_RATIO:.1f}{note}"
        )
        return 0
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
