"""Web page benchmark: the work page rendered on the server, against the API's JSON credits.

    .venv/bin/python -m bench.web_bench              # the demo ledger, then the 1M-work ledger
    .venv/bin/python -m bench.web_bench --demo-only

Each page is asked through the ASGI app in this process (Starlette's TestClient:
routing, the page's queries, Jinja2, Graphviz ``dot`` for the tree; no network).
In the same run, interleaved request by request, the baseline is the API's
``GET /api/works/{work}/credits`` (JSON) for the same work, answered from the same
lineage graph; the page does that work and more (the tree, the attribution, the
history, the HTML), so the ratio says what the rest costs.

1. **demo**: ``remix-ledger demo`` into a temporary folder, served by
   ``create_app`` as ``serve`` does; the work page of the published story with the
   deepest lineage (found as the demo finds it). Target: p50 < 50 ms.
2. **1M**: the lineage bench's ledger (``bench/.data/lineage-v2-1000000-10000.db``,
   opened, never written: its graph is built from the log in this process and its
   read models are projected into a temporary file); the work page of the work at
   the end of its 10 000-work chain, whose tree is cut at ``TREE_NODES`` works with
   the rest summarised as "+N more". Target: < 1 s (p50, and every request).

Prints PASS/FAIL per target; always exits 0.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from fastapi import FastAPI

from bench.import_bench import machine
from ledger import Ledger, open_ledger
from ledger.domain.identity import work_id_for
from lineage.credits import credits_for
from lineage.family_tree import family_tree
from lineage.graph import LineageGraph
from lineage.royalties import policy_of
from lineage.snapshot import open_lineage
from projections.queries import ReadModels
from projections.sql_store import SQLiteReadModels, ViewsDatastore
from service.cli.demo import deepest_published_story
from service.http.following import LiveLineage
from service.http.problems import install_problem_handlers
from service.http.routes import lineage as lineage_routes
from service.http.settings import ServerSettings
from service.web import router as web_pages
from service.web import trees
from service.web.trees import inline_svg
from service.web.works import TREE_NODES

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

DEMO_TARGET_MS = 50.0
#: Where the 1M run keeps the graph's snapshot and the read models between runs.
CACHE = Path(tempfile.gettempdir()) / "remix-ledger-web-bench"
BIG_TARGET_MS = 1000.0


@dataclass
class Timings:
    name: str
    samples: list[float] = field(default_factory=list)

    def p(self, fraction: float) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]

    def line(self) -> str:
        return (
            f"  {self.name:<28} p50 {self.p(0.5):8.1f} ms   p90 {self.p(0.9):8.1f} ms"
            f"   max {max(self.samples):8.1f} ms   ({len(self.samples)} requests)"
        )


def timed_get(client: Any, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url}: {response.status_code} {response.text[:300]}")
    return elapsed


def forget_drawings() -> None:
    """The next page draws its tree with Graphviz again (as a tree's first view does)."""
    trees._kept.clear()


def series(work: UUID, api_query: str = "") -> dict[str, tuple[str, Callable[[], None] | None]]:
    """The three series, run in turn request by request: the page as viewed again (its
    drawing kept), the page drawn anew, and the baseline."""
    return {
        "work page (HTML)": (f"/works/{work}", None),
        "work page, tree drawn anew": (f"/works/{work}", forget_drawings),
        "API credits (JSON)": (f"/api/works/{work}/credits{api_query}", None),
    }


def interleaved(
    client: Any, urls: dict[str, tuple[str, Callable[[], None] | None]], rounds: int, warmup: int
) -> list[Timings]:
    timings = [Timings(name) for name in urls]
    for round_number in range(warmup + rounds):
        for timing, (url, before) in zip(timings, urls.values(), strict=True):
            if before is not None:
                before()
            elapsed = timed_get(client, url)
            if round_number >= warmup:
                timing.samples.append(elapsed)
    return timings


def report(timings: list[Timings], target_ms: float, *, every: bool = False) -> None:
    *pages, api = timings
    for timing in timings:
        print(timing.line())
    for page in pages:
        ratio = page.p(0.5) / api.p(0.5)
        worst = max(page.samples)
        passed = page.p(0.5) < target_ms and (not every or worst < target_ms)
        print(
            f"  {page.name}: p50 {page.p(0.5):.1f} ms, {ratio:.2f} x the API's JSON credits:"
            f" {'PASS' if passed else 'FAIL'} (target p50{' and max' if every else ''}"
            f" < {target_ms:.0f} ms)"
        )


def demo_run(rounds: int) -> None:
    from service.http import ServerSettings, create_app

    with tempfile.TemporaryDirectory() as folder:
        db = str(Path(folder) / "demo.db")
        subprocess.run(
            [sys.executable, "-c", "from service.cli.main import main; main()", "--db", db, "demo"],
            cwd=folder,
            check=True,
            capture_output=True,
        )
        ledger = open_ledger(db)
        graph = LineageGraph.from_ledger(ledger)
        ledger.close()
        production, story = deepest_published_story(graph)
        policy = policy_of(graph.production(production))
        print(
            f"\ndemo ledger: the work page of {graph.work(story)['title']!r}"
            f" ({len(graph.ancestors(story))} ancestors), {rounds} interleaved rounds"
        )
        with TestClient(create_app(ServerSettings(db=db))) as client:
            timings = interleaved(client, series(story, f"?policy={policy.name}"), rounds, 5)
        report(timings, DEMO_TARGET_MS)


@dataclass
class BenchServices:
    """The parts the pages and the API's lineage routes read, opened without writing
    beside the ledger (``Services.open`` would put read models and idempotency keys
    there)."""

    ledger: Ledger
    read_models: ReadModels
    lineage: LiveLineage
    settings: ServerSettings = field(default_factory=ServerSettings)


def step(what: str, act: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    result = act()
    print(f"  {what}: {time.perf_counter() - started:.1f} s", flush=True)
    return result


def big_run(rounds: int) -> None:
    from bench.lineage_bench import ledger_file

    path, deepest = ledger_file(1_000_000, 10_000)
    work = work_id_for(deepest)
    print(f"\n1M-work ledger {path}: the work page of {deepest}")
    ledger = open_ledger(str(path))
    # Built as the server builds it: from a snapshot (kept outside bench/.data, which
    # is never written) and frozen out of the garbage collector's generations.
    CACHE.mkdir(exist_ok=True)
    graph = step(
        f"lineage graph opened as serve opens it (snapshot in {CACHE})",
        lambda: open_lineage(ledger, CACHE / "lineage.pickle"),
    )
    store = SQLiteReadModels(ViewsDatastore(str(CACHE / "views.db")))
    store.create_table()
    read_models = ReadModels(ledger, store)
    projector = read_models.projector
    step(
        "read models projected (kept in the cache folder too)",
        projector.rebuild if projector.position == 0 else projector.catch_up,
    )
    services = BenchServices(ledger, read_models, LiveLineage(ledger, graph, poll_interval=1.0))
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(lineage_routes.router)
    app.include_router(web_pages)
    app.state.services = services
    _parts(graph, work)
    print(f"  {rounds} interleaved rounds:")
    with TestClient(app) as client:
        timings = interleaved(client, series(work), rounds, 2)
    report(timings, BIG_TARGET_MS, every=True)
    store.close()
    ledger.close()


def _parts(graph: LineageGraph, work: UUID) -> None:
    """Where a page's time goes: its largest parts, each timed once (after one warm-up)."""
    from lineage.policies import policy_from_name

    policy = policy_from_name("decay")
    credits_for(graph, work, policy)
    tree = family_tree(graph, work, max_nodes=TREE_NODES)
    parts = {
        "credits (decay)": lambda: credits_for(graph, work, policy),
        f"family tree selection ({TREE_NODES} works)": lambda: family_tree(
            graph, work, max_nodes=TREE_NODES
        ),
        "tree drawn by dot, inlined": lambda: inline_svg(tree),
    }
    for name, act in parts.items():
        started = time.perf_counter()
        act()
        print(f"  part: {name}: {(time.perf_counter() - started) * 1000:.1f} ms")
    print(f"  the tree shows {len(tree.work_ids)} works; +{tree.hidden_ancestors} more ancestors")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--demo-only", action="store_true")
    parser.add_argument("--rounds", type=int, default=50, help="demo ledger rounds")
    parser.add_argument("--big-rounds", type=int, default=10, help="1M-work ledger rounds")
    args = parser.parse_args()
    for key, value in machine().items():
        print(f"  {key:<14} {value}")
    demo_run(args.rounds)
    if not args.demo_only:
        big_run(args.big_rounds)


if __name__ == "__main__":
    main()
