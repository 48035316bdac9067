"""Two commits' benchmark figures side by side, run alternately on this machine.

    .venv/bin/python bench/compare_commits.py BEFORE AFTER             # import, lineage, projection
    .venv/bin/python bench/compare_commits.py main HEAD --rounds 3 --bench lineage
    .venv/bin/python bench/compare_commits.py HEAD HEAD                # the machine's own noise
    .venv/bin/python bench/compare_commits.py --clean                  # remove the checkouts

For a change that must not change speed (a restructure, a rename), on a 2-core
machine shared with other work: a figure of one run against one of another run an
hour later says little, so both commits run here, in turn, minutes apart.

Each commit gets a checkout (``git worktree add --detach``) and a venv with the
package installed (``pip install -e .``, no test extras; it builds the C kernels),
under ``--cache`` (default ``$TMPDIR/remix-ledger-compare/<commit>``), kept for
the next run of this script: a commit named twice (``HEAD HEAD``) uses one.
Every checkout's ``bench/.data`` is one shared folder, so both commits read the
same ledger files; the first run (the BEFORE commit's) builds them.

Each benchmark runs ``--rounds`` times per commit, in the order A B, B A, A B...
(so neither commit always runs first), each run in its own process from its
own checkout, with its own bench script. The figures are parsed from what the
benchmark prints; the table gives each commit's median over its rounds and the
ratio AFTER / BEFORE (for a rate, above 1 is faster; for a time, below 1 is).
Sizes are small on purpose (under a minute a run on 2 cores, about 4 minutes for
all three at 2 rounds): the aim is the difference between two commits, not the
targets, which need the full sizes. docs/performance.md gives the noise of
``HEAD HEAD`` at these sizes.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "remix-ledger-compare"


@dataclass(frozen=True)
class Figure:
    name: str
    pattern: str  # a regex whose first group is the number (thousands separators allowed)
    unit: str
    higher_is_better: bool


@dataclass(frozen=True)
class Bench:
    name: str
    args: tuple[str, ...]
    figures: tuple[Figure, ...]


NUMBER = r"([\d,]+(?:\.\d+)?)"

BENCHES = {
    "import": Bench(
        "import",
        ("-m", "bench.import_bench", "--events", "60000", "--repeat", "2"),
        (
            Figure("import", rf"^import\s+{NUMBER} events/s", "ev/s", True),
            Figure("bare library", rf"^bare library\s+{NUMBER} events/s", "ev/s", True),
            Figure("raw sqlite3", rf"^raw sqlite3\s+{NUMBER} events/s", "ev/s", True),
            Figure("import / bare", rf"^import / bare library: {NUMBER}", "", True),
        ),
    ),
    "lineage": Bench(
        "lineage",
        (
            "-m",
            "bench.lineage_bench",
            "--works",
            "50000",
            "--chain",
            "1000",
            "--repeat",
            "50",
            "--flow-rounds",
            "3",
            "--no-traced",
        ),
        (
            Figure("graph build", rf"built from the log in {NUMBER}s", "s", False),
            Figure("graph RSS growth", rf"graph memory \(RSS growth\): {NUMBER} MiB", "MiB", False),
            Figure("credits_for p50", rf"credits_for .*?: p50 {NUMBER} ms", "ms", False),
            Figure("credits_for p99", rf"credits_for .*?, p99 {NUMBER} ms", "ms", False),
            Figure("statement (decay)", rf"^royalty statement, .*?: {NUMBER}s", "s", False),
            Figure("flow statement", rf"statement.*?: flow {NUMBER}s", "s", False),
            Figure("flow credits JSON", rf"credits.*?: flow {NUMBER}s", "s", False),
            Figure("ancestors (graph)", rf"deepest work: graph {NUMBER} ms", "ms", False),
        ),
    ),
    "projection": Bench(
        "projection",
        ("-m", "bench.projection_bench", "--events", "50000", "--follow-seconds", "5"),
        (
            Figure("bare read+decode", rf"^bare read\+decode\s+{NUMBER} events/s", "ev/s", True),
            Figure("rebuild", rf"^rebuild\s+{NUMBER} events/s", "ev/s", True),
            Figure("rebuild / bare", rf"^rebuild / bare: {NUMBER}", "", True),
            Figure("follow lag p50", rf"^lag while following.*? p50 {NUMBER} ms", "ms", False),
            Figure("follow lag p99", rf"^lag while following.*? p99 {NUMBER} ms", "ms", False),
        ),
    ),
}


def git(*args: str) -> str:
    done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout.strip()


def checkout(commit: str, cache: Path, python: str) -> Path:
    """The commit's checkout, with its venv installed (made once, then reused)."""
    home = cache / commit[:12]
    source = home / "src"
    if not source.exists():
        home.mkdir(parents=True, exist_ok=True)
        print(f"checking out {commit[:12]} in {source}", flush=True)
        git("worktree", "add", "--detach", str(source), commit)
    data = cache / "data"
    data.mkdir(parents=True, exist_ok=True)
    link = source / "bench" / ".data"
    if not link.is_symlink():
        if link.exists():
            shutil.rmtree(link)
        link.symlink_to(data)
    venv = home / "venv"
    installed = venv / ".installed"  # written last: an interrupted install is redone
    if not installed.exists():
        print(f"installing {commit[:12]} into {venv} (pip install -e .)", flush=True)
        subprocess.run([python, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", "-e", str(source)],
            check=True,
            cwd=source,
        )
        installed.write_text(commit + "\n")
    return home


def run_once(home: Path, bench: Bench) -> tuple[dict[str, float], float, str]:
    """One run of a benchmark in a commit's checkout: its figures, seconds and load."""
    env = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    env["PYTHONPATH"] = ""
    load = f"{os.getloadavg()[0]:.1f}"
    started = time.perf_counter()
    done = subprocess.run(
        [str(home / "venv" / "bin" / "python"), *bench.args],
        cwd=home / "src",
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    load += f"-{os.getloadavg()[0]:.1f}"
    if done.returncode != 0:
        raise SystemExit(
            f"{bench.name} failed in {home}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        )
    figures = {}
    for figure in bench.figures:
        found = re.search(figure.pattern, done.stdout, re.MULTILINE)
        if found is None:
            print(f"  (no '{figure.name}' in the output of {bench.name})", flush=True)
            continue
        figures[figure.name] = float(found.group(1).replace(",", ""))
    return figures, seconds, load


def compare(before: str, after: str, benches: list[Bench], rounds: int, cache: Path) -> None:
    python = sys._base_executable  # the interpreter this venv (if any) was made from
    sides = {"A": (before, checkout(before, cache, python))}
    sides["B"] = (after, checkout(after, cache, python))
    print(f"\nA = {before[:12]}, B = {after[:12]}; {rounds} rounds each, alternating")
    print(f"machine: {os.cpu_count()} cpus, load average {os.getloadavg()[0]:.1f} at the start")
    for bench in benches:
        runs: dict[str, list[dict[str, float]]] = {"A": [], "B": []}
        print(f"\n== {bench.name}: python {' '.join(bench.args)}", flush=True)
        for round_number in range(rounds):
            for side in ("A", "B") if round_number % 2 == 0 else ("B", "A"):
                figures, seconds, load = run_once(sides[side][1], bench)
                runs[side].append(figures)
                listed = ", ".join(f"{name} {value:g}" for name, value in figures.items())
                print(
                    f"  round {round_number + 1} {side}: {seconds:.0f}s, load {load}: {listed}",
                    flush=True,
                )
        print(f"\n  {'figure':<22} {'A (median)':>12} {'B (median)':>12} {'B / A':>7}")
        for figure in bench.figures:
            a = [run[figure.name] for run in runs["A"] if figure.name in run]
            b = [run[figure.name] for run in runs["B"] if figure.name in run]
            if not a or not b:
                continue
            a_mid, b_mid = statistics.median(a), statistics.median(b)
            ratio = f"{b_mid / a_mid:.3f}" if a_mid else "-"
            better = "higher is better" if figure.higher_is_better else "lower is better"
            print(
                f"  {figure.name:<22} {shown(a_mid):>12} {shown(b_mid):>12} {ratio:>7}"
                f"  {figure.unit} ({better}; A {'/'.join(f'{v:g}' for v in a)},"
                f" B {'/'.join(f'{v:g}' for v in b)})",
                flush=True,
            )
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")


def shown(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def clean(cache: Path) -> None:
    for home in sorted(cache.glob("*/src")):
        print(f"removing {home}")
        git("worktree", "remove", "--force", str(home))
    git("worktree", "prune")
    shutil.rmtree(cache, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python bench/compare_commits.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("before", nargs="?", help="commit A (e.g. main)")
    parser.add_argument("after", nargs="?", help="commit B (e.g. HEAD)")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each benchmark per commit")
    parser.add_argument(
        "--bench",
        default=",".join(BENCHES),
        help=f"comma-separated, from {', '.join(BENCHES)} (default all)",
    )
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--clean", action="store_true", help="remove the checkouts and venvs")
    args = parser.parse_args()
    if args.clean:
        clean(args.cache)
        return 0
    if args.before is None or args.after is None:
        parser.error("name two commits (or --clean)")
    unknown = [name for name in args.bench.split(",") if name not in BENCHES]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    before = git("rev-parse", "--verify", f"{args.before}^{{commit}}")
    after = git("rev-parse", "--verify", f"{args.after}^{{commit}}")
    benches = [BENCHES[name] for name in args.bench.split(",")]
    compare(before, after, benches, args.rounds, args.cache)
    return 0


if __name__ == "__main__":
    sys.exit(main())
