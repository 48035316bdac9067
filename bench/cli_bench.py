"""CLI benchmark: each query of issue 23 as a whole process, against the baseline.

    .venv/bin/python -m bench.cli_bench            # the git-shaped ledger (~1 min once to build)
    .venv/bin/python -m bench.cli_bench --big      # also the 1M-work ledger (hours to build once)

The ledger is synthetic and shaped like the git history the issue timed: 8 382 works
by 871 members, a main chain of 6 877 commits with 948 merges of short topic branches,
plus one published production of 100 works with one revenue payment (so
``royalties`` has a statement to compute). It is built once through the archive
import and kept under ``bench/.data/``; ``--big`` adds ``bench.lineage_bench``'s
1M-work ledger (its 10 000-ancestor work and its 100-work production).

Each command runs ``--runs`` times (default 5) as a fresh process of the installed
``remix-ledger``, on a fresh copy of the ledger in a temporary folder with its own
``XDG_CACHE_HOME``, so the first call is included and nothing is built ahead of time.
The baseline ``python3 -c "import sqlite3"`` is measured the same way, interleaved
with the commands, in the same run. It prints each median, its ratio to the
baseline's median, the target ratio, PASS/FAIL, and the load average before and after.
It always exits 0: it is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.import_bench import machine

__all__ = ["git_shaped_archive", "main"]

DATA = Path(__file__).resolve().parent / ".data"
CLI = str(Path(sys.executable).parent / "remix-ledger")
START = datetime(2008, 3, 1, 12, 0, tzinfo=UTC)

WORKS, MEMBERS, MAIN_CHAIN, MERGES = 8_382, 871, 6_877, 948
TIP = "commit-main-tip"  # the main chain's last commit: the work with the most ancestors
PRODUCTION = "release-1"


def _time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _line(fields: dict[str, object]) -> str:
    return json.dumps(fields, separators=(",", ":"))


def git_shaped_archive(seed: int = 23) -> list[str]:
    """The archive of a git-like history: a main chain with short branches merged back.

    Like ``tests/ledger/git_like_history.py`` (each commit a work, its parents its
    sources), with the issue's counts: the ``MAIN_CHAIN`` commits form the main
    chain, ``MERGES`` of them merge a topic branch forked a few commits back, and the
    rest of the ``WORKS`` are the branches' commits.
    """
    rng = random.Random(seed)
    branch_commits = WORKS - MAIN_CHAIN
    merge_at = sorted(rng.sample(range(40, MAIN_CHAIN - 1), MERGES))
    # Every branch has at least one commit; the others are spread at random.
    lengths = [1] * MERGES
    for _ in range(branch_commits - MERGES):
        lengths[rng.randrange(MERGES)] += 1
    weights = [1.0 / (1 + index) for index in range(MEMBERS)]
    authors = [f"dev-{index:03d}" for index in range(MEMBERS)]
    clock = START
    works: list[dict[str, object]] = []

    def commit(sha: str, parents: Sequence[str], subject: str) -> None:
        nonlocal clock
        clock += timedelta(seconds=rng.randint(60, 86_400))
        work: dict[str, object] = {
            "type": "work",
            "id": sha,
            "authors": [rng.choices(authors, weights)[0]],
            "title": subject,
            "kind": "text",
            "created_at": _time(clock),
        }
        if parents:
            work["sources"] = [{"id": p, "relation": "edit"} for p in parents]
        works.append(work)

    main: list[str] = []
    merges = dict(zip(merge_at, lengths, strict=True))
    for number in range(MAIN_CHAIN):
        sha = TIP if number == MAIN_CHAIN - 1 else f"commit-main-{number}"
        parents = main[-1:]
        if number in merges:
            # A topic branch forked 1-30 commits back, its commits, then the merge.
            fork = main[-min(len(main), rng.randint(1, 30))]
            tip = fork
            for step in range(merges[number]):
                branch_sha = f"commit-topic-{number}-{step}"
                commit(branch_sha, [tip], f"Work on topic {number}")
                tip = branch_sha
            parents = [main[-1], tip]
        commit(sha, parents, f"Merge topic {number}" if len(parents) == 2 else f"Change {number}")
        main.append(sha)

    lines = [_line({"type": "archive", "format": "remix-ledger-archive", "version": 2})]
    for member in authors:
        lines.append(
            _line(
                {
                    "type": "member",
                    "id": member,
                    "handle": member,
                    "name": member,
                    "joined_at": _time(START - timedelta(days=1)),
                }
            )
        )
    lines.extend(_line(work) for work in works)
    included = [str(work["id"]) for work in works[-100:]]
    lines.append(
        _line(
            {
                "type": "production",
                "id": PRODUCTION,
                "title": "Release 1",
                "curator": authors[0],
                "works": included,
                "created_at": _time(clock + timedelta(days=1)),
                "published_at": _time(clock + timedelta(days=2)),
            }
        )
    )
    lines.append(
        _line(
            {
                "type": "revenue",
                "production": PRODUCTION,
                "amount": "12500.00",
                "currency": "USD",
                "received_at": _time(clock + timedelta(days=3)),
                "id": "payment-1",
            }
        )
    )
    return lines


def git_shaped_ledger() -> Path:
    """The git-shaped ledger file, imported once (keyed by the archive's digest)."""
    lines = git_shaped_archive()
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()[:12]
    path = DATA / f"cli-git-shaped-{digest}.db"
    if not path.exists():
        from ledger import open_ledger
        from ledger.archive import import_archive

        DATA.mkdir(exist_ok=True)
        print(f"building the git-shaped ledger in {path} (once) ...", flush=True)
        started = time.perf_counter()
        building = path.with_suffix(".building")
        ledger = open_ledger(str(building))
        import_archive(ledger, lines, batch_lines=10_000)
        ledger.close()
        building.rename(path)
        print(f"  imported in {time.perf_counter() - started:.1f}s", flush=True)
    return path


#: (label, arguments after ``remix-ledger --db LEDGER``, target ratio to the baseline)
def git_shaped_commands() -> list[tuple[str, list[str], float]]:
    return [
        ("--help", ["--help"], 5),
        ("--version", ["--version"], 5),
        ("census", ["census"], 9),
        ("rankings", ["rankings"], 9),
        ("leaderboard", ["leaderboard"], 9),
        ("history --work W", ["history", "--work", TIP], 9),
        ("works list", ["works", "list"], 9),
        ("members list", ["members", "list"], 9),
        ("credits W", ["credits", TIP], 15),
        ("royalties P", ["royalties", PRODUCTION], 15),
        (
            "tree W --up 3 --down 1",
            ["tree", TIP, "-o", "{tmp}/t.svg", "--up", "3", "--down", "1"],
            15,
        ),
        ("provenance W", ["provenance", TIP, "-o", "{tmp}/p.json"], 15),
    ]


def big_commands() -> tuple[Path, list[tuple[str, list[str], float | None]]]:
    """The 1M-work ledger of ``bench.lineage_bench`` and its targets (in seconds, as None)."""
    from bench.lineage_bench import ledger_file

    path, deepest = ledger_file(1_000_000, 10_000)
    return path, [
        ("census", ["census"], None),
        ("credits W (10 000 ancestors)", ["credits", deepest], None),
        ("credits W --format json", ["credits", deepest, "--format", "json"], None),
    ]


BIG_TARGETS = {"census": 1.0, "credits W (10 000 ancestors)": 1.0, "credits W --format json": 2.5}


def run_once(argv: list[str], workdir: Path) -> float:
    env = dict(os.environ, XDG_CACHE_HOME=str(workdir / "cache"))
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=workdir, capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        error = done.stderr.decode(errors="replace").strip().splitlines()[-1:]
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {error}")
    return elapsed


def measure(
    ledger: Path, commands: Sequence[tuple[str, list[str], float | None]], runs: int
) -> tuple[list[float], dict[str, list[float]]]:
    """Each command ``runs`` times, on a fresh copy of the ledger, interleaved with the baseline."""
    baseline: list[float] = []
    samples: dict[str, list[float]] = {label: [] for label, _, _ in commands}
    with tempfile.TemporaryDirectory(prefix="cli-bench-") as folder:
        root = Path(folder)
        for label, arguments, _ in commands:
            workdir = root / label.replace(" ", "_").replace("/", "_")
            workdir.mkdir()
            copy = workdir / "ledger.db"
            shutil.copyfile(ledger, copy)
            argv = [CLI, "--db", str(copy), *(a.replace("{tmp}", str(workdir)) for a in arguments)]
            if arguments[0].startswith("--"):
                argv = [CLI, *arguments]
            for _ in range(runs):
                baseline.append(run_once([sys.executable, "-c", "import sqlite3"], workdir))
                samples[label].append(run_once(argv, workdir))
            print(f"  measured {label}: {statistics.median(samples[label]):.3f}s", flush=True)
    return baseline, samples


def report(
    title: str,
    commands: Sequence[tuple[str, list[str], float | None]],
    baseline: list[float],
    samples: dict[str, list[float]],
    seconds_targets: dict[str, float] | None = None,
) -> None:
    base = statistics.median(baseline)
    print(f"\n{title}: baseline python -c 'import sqlite3' median {base:.3f}s")
    print(f"  {'command':32} {'median':>8} {'ratio':>7} {'target':>8}  result")
    for label, _, target in commands:
        median = statistics.median(samples[label])
        ratio = median / base
        if target is not None:
            verdict = "PASS" if ratio <= target else "FAIL"
            wanted = f"{target:g}x"
        else:
            limit = (seconds_targets or {}).get(label, float("inf"))
            verdict = "PASS" if median <= limit else "FAIL"
            wanted = f"{limit:g}s"
        print(f"  {label:32} {median:7.3f}s {ratio:6.1f}x {wanted:>8}  {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="processes per command (median)")
    parser.add_argument("--big", action="store_true", help="also the 1M-work ledger (slow)")
    parser.add_argument(
        "--only", action="append", help="only the commands whose label starts so (repeatable)"
    )
    options = parser.parse_args()

    for key, value in machine().items():
        print(f"{key:14} {value}")
    ledger = git_shaped_ledger()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    commands = [
        command
        for command in git_shaped_commands()
        if not options.only or any(command[0].startswith(only) for only in options.only)
    ]
    baseline, samples = measure(ledger, commands, options.runs)
    report(
        f"git-shaped ledger ({WORKS} works, {MEMBERS} members, main chain {MAIN_CHAIN},"
        f" {MERGES} merges)",
        commands,
        baseline,
        samples,
    )
    if options.big:
        big_ledger, big = big_commands()
        baseline, samples = measure(big_ledger, big, options.runs)
        report("1M-work ledger", big, baseline, samples, BIG_TARGETS)
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
