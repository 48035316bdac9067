"""Tamper-evidence benchmark: verify, proofs, tiles, and the cost of keeping the tree.

    .venv/bin/python -m bench.merkle_bench                 # the prebuilt 1M bench ledger
    .venv/bin/python -m bench.merkle_bench --quick         # a synthetic 50 000-event ledger
    .venv/bin/python -m bench.merkle_bench --ledger FILE --import-events 200000 --repeat 3
    .venv/bin/python -m bench.merkle_bench --skip-ledger --postgres postgresql://postgres@127.0.0.1:5432/test

1. The ledger (by default ``bench/.data/lineage-v2-1000000-10000.db``, about 1M
   events) is copied into a temporary folder: the original is never written.
   Building its tree from nothing (``TreeStore.catch_up``) is timed.
2. ``verify`` (``audit``: every event read and hashed again, the tree recomputed,
   every stored leaf and node and the checkpoint compared) against its baseline,
   a bare ``sqlite3`` read of the same columns of every row. Target: < 10 s.
3. Proofs: producing an inclusion proof from the stored tree, and checking it,
   for 2 000 random leaves (the tile cache warm after the first few hundred).
   Targets: p99 < 1 ms each. The baseline is one leaf row read by position.
4. Tiles: GET of 2 000 random tiles (full level-0 and level-1 tiles, entry bundles
   left out) from a real uvicorn process serving ``service/http/routes/tlog.py``,
   one client connection; baseline GET ``/log/checkpoint``. Target: p99 < 5 ms.
5. Upkeep: importing a synthetic archive into a fresh file; the same import
   followed by bringing the tree up to it (the follower's whole cost); and the same
   import into a ledger opened with ``TreeKeepingSQLiteRecorder`` (each event's
   leaf in its own transaction); each import in a process of its own, interleaved
   ``--repeat`` times, each round starting with the next variant. Target: the tree
   costs < 10% of the import, judged on the median over rounds of each round's
   import with the tree against that round's plain import (the best of each
   variant is printed too).
6. With ``--postgres URL``: the same import into fresh schemas of that server, with
   the library's recorder then the follower's catch-up, and with the tree kept in
   its transactions (``TreeKeepingPostgresRecorder``, PostgreSQL's default); paired
   per round, the median over rounds against the plain import. Same target.

Prints the figures, the ratios and PASS/FAIL per target; always exits 0.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.import_bench import machine
from bench.synthetic import generate, write_archive
from ledger import Ledger, open_ledger
from ledger.adapters.settings import resolve_db_setting
from ledger.archive import import_archive
from ledger.transparency.audit import audit
from ledger.transparency.checkpoints import sign_checkpoint
from ledger.transparency.merkle import inclusion_proof
from ledger.transparency.notes import generate_key
from ledger.transparency.proofs import verify_inclusion
from ledger.transparency.recorders import TOPIC as RECORDER_TOPIC
from ledger.transparency.store import TreeStore
from ledger.transparency.tiles import encode_index
from tests.transparency.server import serving

DATA = Path(__file__).resolve().parent / ".data"
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_LEDGER = DATA / "lineage-v2-1000000-10000.db"
VERIFY_TARGET_S = 10.0
PROOF_TARGET_MS = 1.0
TILE_TARGET_MS = 5.0
UPKEEP_TARGET = 0.10


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.99) - 1]


def bare_read(path: Path) -> float:
    """Seconds to read every row's position, id, version, topic and state with sqlite3."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    started = time.perf_counter()
    for _row in connection.execute(
        "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events"
        " ORDER BY rowid"
    ):
        pass
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def bench_ledger(path: Path, samples: int) -> None:
    ledger = open_ledger(str(path))
    store = TreeStore(ledger)
    print(f"ledger {path.name}: {ledger.head} events", flush=True)

    started, started_cpu = time.perf_counter(), time.process_time()
    size = store.catch_up()
    built, built_cpu = time.perf_counter() - started, time.process_time() - started_cpu
    print(
        f"tree built from nothing: {size} leaves in {built:.1f} s, {built_cpu:.1f} s of CPU"
        f" ({size / built:,.0f} leaves/s)"
    )
    signer, verifier = generate_key("bench.example/log")
    sign_checkpoint(store, signer)

    baseline = min(bare_read(path) for _ in range(2))
    store.forget()
    gc.collect()
    started, started_cpu = time.perf_counter(), time.process_time()
    report = audit(store, [verifier])
    verified, verified_cpu = time.perf_counter() - started, time.process_time() - started_cpu
    assert report.ok, report.findings
    print(
        f"verify: {verified:.1f} s ({verified_cpu:.1f} s of CPU) for {report.events} events"
        f" (target < {VERIFY_TARGET_S:g} s: {_verdict(verified < VERIFY_TARGET_S)});"
        f" bare sqlite3 read of the same rows {baseline:.1f} s; ratio {verified / baseline:.2f}"
    )

    rng = random.Random(7)
    indexes = [rng.randrange(size) for _ in range(samples)]
    root = store.root(size)
    leaves = {i: store.tile_hashes(0, i // 256)[i % 256] for i in indexes}
    produce, check, read = [], [], []
    for index in indexes:
        started = time.perf_counter()
        proof = inclusion_proof(store, index, size)
        produce.append(time.perf_counter() - started)
        started = time.perf_counter()
        verify_inclusion(leaves[index], index, size, proof, root)
        check.append(time.perf_counter() - started)
        started = time.perf_counter()
        store.position_of(index)
        read.append(time.perf_counter() - started)
    for name, values in (("produce", produce), ("check", check), ("one leaf row read", read)):
        p50, p99 = _percentiles([v * 1000 for v in values])
        verdict = "" if name.startswith("one") else f" (target p99 < {PROOF_TARGET_MS:g} ms:"
        verdict += "" if name.startswith("one") else f" {_verdict(p99 < PROOF_TARGET_MS)})"
        print(f"inclusion proof {name}: p50 {p50:.3f} ms, p99 {p99:.3f} ms{verdict}")
    ledger.close()

    full_tiles = size // 256
    with serving(str(path)) as base, httpx.Client(base_url=base) as client:
        paths = []
        for _ in range(samples):
            if rng.random() < 0.8 or full_tiles < 256:
                n = rng.randrange(full_tiles)
                paths.append(f"/log/tile/0/{encode_index(n)}")
            else:
                paths.append(f"/log/tile/1/{encode_index(rng.randrange(full_tiles // 256))}")
        tile_times, checkpoint_times = [], []
        for tile_path in paths:
            started = time.perf_counter()
            response = client.get(tile_path)
            tile_times.append(time.perf_counter() - started)
            assert response.status_code == 200 and len(response.content) == 8192
            started = time.perf_counter()
            client.get("/log/checkpoint").raise_for_status()
            checkpoint_times.append(time.perf_counter() - started)
        t50, t99 = _percentiles([v * 1000 for v in tile_times])
        c50, c99 = _percentiles([v * 1000 for v in checkpoint_times])
        print(
            f"tile GET: p50 {t50:.2f} ms, p99 {t99:.2f} ms (target p99 < {TILE_TARGET_MS:g} ms:"
            f" {_verdict(t99 < TILE_TARGET_MS)}); /log/checkpoint p50 {c50:.2f} ms,"
            f" p99 {c99:.2f} ms; ratio of p99s {t99 / c99:.2f}"
        )


def _open(db: Path, keep_tree: bool) -> Ledger:
    env = dict(resolve_db_setting(str(db)).env)
    if keep_tree:
        env["APPLICATION_RECORDER_TOPIC"] = RECORDER_TOPIC
    else:  # the library's own recorder (the baseline, and the follower's runs)
        env.pop("APPLICATION_RECORDER_TOPIC", None)
    return Ledger(env=env)


def import_once(variant: str, db: Path, archive: Path) -> dict[str, float]:
    """One import of ``archive`` into a fresh ``db``, as ``variant`` keeps the tree:
    wall and CPU seconds (the follower's with the catch-up, and its own part)."""
    ledger = _open(db, keep_tree=variant == "in transaction")
    gc.collect()
    started, started_cpu = time.perf_counter(), time.process_time()
    with archive.open() as stream:
        import_archive(ledger, stream, source=str(archive), batch_lines=2_000)
    tree = 0.0
    if variant == "follower":
        tree_started = time.perf_counter()
        TreeStore(ledger).catch_up()
        tree = time.perf_counter() - tree_started
    measured = {
        "wall": time.perf_counter() - started,
        "cpu": time.process_time() - started_cpu,
        "tree": tree,
    }
    if variant != "plain":
        assert TreeStore(ledger).head()[0] == ledger.head
    ledger.close()
    return measured


def bench_upkeep(folder: Path, events: int, repeat: int) -> None:
    """Each import in a process of its own (no heap or cache carried from the one
    before), the variants interleaved, each round starting with the next one. The
    verdict is the median over rounds of each round's import with the tree against
    that round's plain import: a paired figure, which the machine's drift between
    rounds moves far less than the best of each variant (also printed)."""
    archive = folder / "archive.jsonl"
    write_archive(generate(events), archive)
    variants = ["plain", "follower", "in transaction"]
    runs: dict[str, list[dict[str, float]]] = {variant: [] for variant in variants}
    for round_ in range(repeat):
        for variant in variants[round_ % 3 :] + variants[: round_ % 3]:
            db = folder / f"upkeep-{round_}-{variant.replace(' ', '-')}.db"
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.merkle_bench",
                    "--import-once",
                    variant,
                    str(db),
                    str(archive),
                ],
                check=True,
                capture_output=True,
                text=True,
                cwd=ROOT,
            )
            runs[variant].append(json.loads(done.stdout.strip().splitlines()[-1]))
            db.unlink()

    def paired(variant: str, field: str) -> list[float]:
        return [
            mine[field] / plain[field] - 1
            for mine, plain in zip(runs[variant], runs["plain"], strict=True)
        ]

    plain_wall = min(run["wall"] for run in runs["plain"])
    print(
        f"upkeep: import of {events} events, {repeat} rounds, each import in its own"
        f" process; plain import best {plain_wall:.2f} s ({events / plain_wall:,.0f} ev/s)"
    )
    for variant in ("in transaction", "follower"):
        wall, cpu = paired(variant, "wall"), paired(variant, "cpu")
        best = min(run["wall"] for run in runs[variant]) / plain_wall - 1
        median = statistics.median(wall)
        name = "in the import's transactions (TreeKeepingSQLiteRecorder, SQLite's default)"
        if variant == "follower":
            name = "as a follower after the import (TreeStore.catch_up, for a tree behind the log)"
        print(
            f"  {name}: median of rounds {median:+.1%} wall, {statistics.median(cpu):+.1%} CPU"
            f" (target < {UPKEEP_TARGET:.0%}: {_verdict(median < UPKEEP_TARGET)}); best of each"
            f" {best:+.1%}; rounds: " + ", ".join(f"{w:+.1%}" for w in wall)
        )
    tree_share = [
        run["tree"] / plain["wall"]
        for run, plain in zip(runs["follower"], runs["plain"], strict=True)
    ]
    print(
        f"  the follower's catch-up alone: median {statistics.median(tree_share):.1%} of the import"
    )


def _postgres_import(server: str, archive: Path, keep_tree: bool) -> tuple[float, float]:
    """One import of ``archive`` into a fresh schema of ``server``: its wall seconds, and
    the follower's catch-up after it (0 when the tree was kept in the transactions)."""
    import psycopg

    schema = f"merkle_bench_{os.getpid()}_{time.monotonic_ns()}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        separator = "&" if "?" in server else "?"
        env = dict(resolve_db_setting(f"{server}{separator}schema={schema}").env)
        if not keep_tree:  # the library's own recorder: the tree is the follower's
            env.pop("APPLICATION_RECORDER_TOPIC", None)
        ledger = Ledger(env=env)
        gc.collect()
        started = time.perf_counter()
        with archive.open() as stream:
            import_archive(ledger, stream, source=str(archive), batch_lines=2_000)
        imported = time.perf_counter() - started
        started = time.perf_counter()
        TreeStore(ledger).catch_up()
        caught_up = time.perf_counter() - started
        assert TreeStore(ledger).head()[0] == ledger.head
        ledger.close()
    finally:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
    return imported, 0.0 if keep_tree else caught_up


def bench_postgres(folder: Path, events: int, repeat: int, server: str) -> None:
    """The tree's upkeep on PostgreSQL, each round into fresh schemas of ``server``: the
    plain import (the library's recorder) then the follower's catch-up, and the import
    with the tree kept in its transactions (``TreeKeepingPostgresRecorder``, the
    default), alternating which goes first. Verdicts on the median over rounds."""
    archive = folder / "archive.jsonl"
    if not archive.exists():
        write_archive(generate(events), archive)
    follower: list[float] = []
    in_transaction: list[float] = []
    for round_ in range(repeat):
        order = [False, True] if round_ % 2 == 0 else [True, False]
        timed = {keep: _postgres_import(server, archive, keep) for keep in order}
        plain, caught_up = timed[False]
        follower.append(caught_up / plain)
        in_transaction.append(timed[True][0] / plain - 1)
    for name, shares in (
        (
            "the tree in the import's transactions (TreeKeepingPostgresRecorder, the default)",
            in_transaction,
        ),
        ("the follower's catch-up after the plain import", follower),
    ):
        median = statistics.median(shares)
        print(
            f"PostgreSQL, import of {events} events, {repeat} rounds: {name}: median"
            f" {median:+.1%} of the plain import (target < {UPKEEP_TARGET:.0%}:"
            f" {_verdict(median < UPKEEP_TARGET)}); rounds: "
            + ", ".join(f"{share:+.1%}" for share in shares)
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ledger", type=Path, default=DEFAULT_LEDGER)
    parser.add_argument("--quick", action="store_true", help="a synthetic 50 000-event ledger")
    parser.add_argument("--samples", type=int, default=2_000)
    parser.add_argument("--import-events", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--skip-ledger", action="store_true")
    parser.add_argument("--skip-upkeep", action="store_true")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="also the tree's upkeep on this PostgreSQL server (fresh schemas per round)",
    )
    parser.add_argument("--import-once", nargs=3, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.import_once:  # one import, in this process (bench_upkeep runs these)
        variant, db, archive = options.import_once
        print(json.dumps(import_once(variant, Path(db), Path(archive))))
        return
    info = machine()
    print(f"machine: {info}; load average {os.getloadavg()[0]:.1f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="merkle-bench-") as tmp:
        folder = Path(tmp)
        if not options.skip_ledger:
            copy = folder / "ledger.db"
            if options.quick:
                archive = folder / "quick.jsonl"
                write_archive(generate(50_000), archive)
                ledger = open_ledger(str(copy))
                with archive.open() as stream:
                    import_archive(ledger, stream, source=str(archive))
                ledger.close()
            else:
                shutil.copyfile(options.ledger, copy)
            bench_ledger(copy, options.samples)
        if not options.skip_upkeep:
            events = 20_000 if options.quick else options.import_events
            bench_upkeep(folder, events, options.repeat)
            if options.postgres:
                bench_postgres(folder, events, options.repeat, options.postgres)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
