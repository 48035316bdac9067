"""Credits with this checkout's C kernels against another build's, in one process.

    .venv/bin/python -m bench.kernels_ab --baseline OTHER/lineage/_kernels.cpython-311-....so

(OTHER: another checkout, e.g. main's in its own worktree, installed in its own venv.)

On a shared, loaded machine whole benchmark runs move by a factor of two from run
to run; here one graph (the lineage bench's 1M-work ledger, built once) answers
``credits_for`` (decay) of the 10 000-ancestor work with the baseline's kernels and
this checkout's in turn (A B B A), so that load falls on both alike. The kernels
are swapped in the modules that import them; the answers are checked equal.
Prints both p50s and their ratio.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import time
from types import ModuleType

from bench.lineage_bench import ledger_file
from ledger import open_ledger
from ledger.domain.identity import work_id_for
from lineage import ancestry, credits, graph, kernels
from lineage.credits import credits_for
from lineage.graph import LineageGraph
from lineage.policies import base, decay, policy_from_name, shares

USERS = [ancestry, credits, graph, base, decay, shares]
NAMES = [name for name in kernels.__all__ if name not in ("COMPILED", "PYTHON")]


def load(path: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location("lineage._kernels", path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def use(compiled: ModuleType) -> None:
    for module in USERS:
        for name in NAMES:
            if hasattr(module, name):
                setattr(module, name, getattr(compiled, name))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", required=True, help="another build of lineage._kernels")
    parser.add_argument("--rounds", type=int, default=60, help="calls per side")
    parser.add_argument("--works", type=int, default=1_000_000)
    parser.add_argument("--chain", type=int, default=10_000)
    args = parser.parse_args()
    from lineage import _kernels as ours

    sides = {"baseline": load(args.baseline), "this": ours}
    path, deepest = ledger_file(args.works, args.chain)
    lineage = LineageGraph.from_ledger(open_ledger(str(path)), long_lived=True)
    work, policy = work_id_for(deepest), policy_from_name("decay")
    times: dict[str, list[float]] = {"baseline": [], "this": []}
    answers = {}
    for round_number in range(args.rounds + 2):  # two rounds to warm up
        order = ["baseline", "this"] if round_number % 2 else ["this", "baseline"]
        for side in order:
            use(sides[side])
            started = time.perf_counter()
            found = credits_for(lineage, work, policy)
            elapsed = (time.perf_counter() - started) * 1000
            if round_number >= 2:
                times[side].append(elapsed)
            if round_number == 2:
                answers[side] = [
                    (c.handle, c.distance, c.relations, c.explanation.value) for c in found.credits
                ]
            del found
    assert answers["baseline"] == answers["this"], "the two builds credit differently"
    old, new = statistics.median(times["baseline"]), statistics.median(times["this"])
    print(
        f"credits_for (decay), {args.rounds} calls each, alternating:"
        f" p50 baseline {old:.1f} ms, this {new:.1f} ms, this / baseline {new / old:.3f}"
    )


if __name__ == "__main__":
    main()
