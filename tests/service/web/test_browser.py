"""The pages in a real browser: headless Chromium (Debian's) driven by Playwright, against
a real ``remix-ledger serve`` on the demo ledger the CLI builds.

Screenshots of the work page at phone and desktop widths are written to
``test-artifacts/`` at the repository's root (ignored by git); the test prints
where. Marked slow: it starts a server and a browser.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest

from ledger import open_ledger
from ledger.transparency.checkpoints import write_new_key
from lineage.credits import credits_for
from lineage.family_tree import family_tree
from lineage.graph import LineageGraph
from lineage.render import dot_available
from lineage.royalties import policy_of
from service.cli.demo import deepest_published_story
from service.web.works import TREE_NODES
from tests.service.http.servers import ROOT, Server

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts"
HOSTILE = "<img src=x onerror=alert(1)>"


def _browser_problem() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    if not dot_available():
        return "Graphviz `dot` is missing (apt-get install graphviz)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    problem = _browser_problem()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Demo:
    url: str
    db: str
    story: UUID
    production: UUID


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """``remix-ledger demo`` into a fresh folder, then ``serve`` on it."""
    folder = tmp_path_factory.mktemp("demo")
    db = str(folder / "demo.db")
    built = subprocess.run(
        [sys.executable, "-c", "from service.cli.main import main; main()", "--db", db, "demo"],
        capture_output=True,
        text=True,
        cwd=folder,  # the demo writes its tree picture here
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    ledger = open_ledger(db)
    graph = LineageGraph.from_ledger(ledger)
    ledger.close()
    # The published story with the deepest lineage, as the demo picks it.
    production, story = deepest_published_story(graph)
    assert f"'{graph.work(story)['title']}'" in built.stdout  # the story the demo printed
    key = folder / "log.key"
    write_new_key(key, "demo.example/log")
    server = Server(
        db, "--log-level", "warning", "--log-key", str(key), log=folder / "serve.log"
    ).start()
    try:
        _signed(server.url)  # serve signs the demo's log as it starts
        yield Demo(server.url, db, story, production)
    finally:
        server.stop()


def _signed(url: str, timeout: float = 60.0) -> str:
    """The server's latest signed checkpoint, once it has signed one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = httpx.get(f"{url}/log/checkpoint", timeout=5)
        if response.status_code == 200:
            return response.text
        time.sleep(0.2)
    raise AssertionError("serve --log-key signed no checkpoint")


def _lineage(demo: Demo) -> LineageGraph:
    ledger = open_ledger(demo.db)
    try:
        return LineageGraph.from_ledger(ledger)
    finally:
        ledger.close()


def _watch(page: Any) -> tuple[list[str], list[str]]:
    """Console errors (CSP violations among them), page errors, and dialogs, as they come."""
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))

    def dialog(opened: Any) -> None:
        dialogs.append(opened.message)
        opened.dismiss()

    page.on("dialog", dialog)
    return errors, dialogs


def test_the_deepest_story_tree_leads_to_a_source_whose_credits_are_right(
    browser: Any, demo: Demo
) -> None:
    graph = _lineage(demo)
    expected_tree = family_tree(graph, demo.story, max_nodes=TREE_NODES)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors, _ = _watch(page)

    page.goto(f"{demo.url}/")
    assert page.locator("h1").inner_text() == "Remix Ledger"
    page.goto(f"{demo.url}/works/{demo.story}")
    assert page.locator("h1").inner_text() == graph.work(demo.story)["title"]

    tree = page.locator("figure.tree svg")
    assert tree.count() == 1
    nodes = tree.locator("g.node")
    shown = {nodes.nth(i).get_attribute("id") for i in range(nodes.count())}
    assert shown == set(expected_tree.work_ids), "one node per work of the tree"
    focus = tree.locator(f'g.node[id="{demo.story}"] title')
    assert focus.text_content().endswith("(this work)")

    source = graph.sources_of(demo.story)[0]
    tree.locator(f'g.node[id="{source}"] a').click()
    page.wait_for_url(f"{demo.url}/works/{source}")
    assert page.locator("h1").inner_text() == graph.work(source)["title"]

    policy = policy_of(graph.production(demo.production))
    expected = [credit.display_name for credit in credits_for(graph, source, policy)]
    rows = page.locator("table.credits tbody tr")
    listed = [rows.nth(i).locator("td").first.inner_text() for i in range(rows.count())]
    assert listed == expected
    caption = page.locator("table.credits caption").inner_text()
    assert str(policy) in caption
    # A share's explanation opens on demand (no script: a <details>).
    first = rows.first.locator("details")
    assert not first.evaluate("element => element.open")
    first.locator("summary").click()
    assert first.evaluate("element => element.open")
    assert first.locator("li").count() >= 1
    assert errors == []


def test_the_work_page_reads_at_phone_and_desktop_widths(browser: Any, demo: Demo) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for name, width in (("phone", 390), ("desktop", 1280)):
        page = browser.new_page(viewport={"width": width, "height": 844})
        errors, _ = _watch(page)
        page.goto(f"{demo.url}/works/{demo.story}")
        # The footer shows the checkpoint serve signed (its long root and key wrap).
        origin, size = _signed(demo.url).split("\n")[:2]
        footer = page.locator("footer p.checkpoint").inner_text()
        assert footer.startswith(f"Latest signed checkpoint: {origin}, {size} events")
        # Nothing wider than the screen but the tree's own scrolling figure.
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, f"{name}: the page is {overflow}px wide"
        shot = ARTIFACTS / f"work-page-{name}-{width}px.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        print(f"screenshot: {shot}")
        assert errors == []
        page.close()


def test_a_hostile_title_is_shown_as_text_and_opens_no_dialog(browser: Any, demo: Demo) -> None:
    registered = httpx.post(f"{demo.url}/api/members", json={"handle": "mallory"}, timeout=10)
    assert registered.status_code == 201, registered.text
    token = registered.json()["token"]
    written = httpx.post(
        f"{demo.url}/api/works",
        json={
            "title": HOSTILE,
            "body": "<script>alert('body')</script>",
            "uri": "javascript:alert('uri')",
            "sources": [{"work": str(demo.story), "relation": "remix"}],
        },
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert written.status_code == 201, written.text
    work = written.json()["work_id"]
    page = browser.new_page()
    errors, dialogs = _watch(page)

    page.goto(f"{demo.url}/works/{work}")
    assert page.locator("h1").inner_text() == HOSTILE
    assert page.locator("main img").count() == 0
    assert page.locator("main script").count() == 0
    assert page.locator("blockquote.body").inner_text() == "<script>alert('body')</script>"
    assert page.locator("a[href^='javascript']").count() == 0
    tree_title = page.locator(f'figure.tree g.node[id="{work}"] title').text_content()
    assert tree_title == f"{HOSTILE} by mallory (this work)"
    # Its source's page draws it too, as a descendant.
    page.goto(f"{demo.url}/works/{demo.story}")
    assert page.locator(f'figure.tree g.node[id="{work}"]').count() == 1
    page.goto(f"{demo.url}/?q=onerror")
    found = page.locator("section[aria-labelledby=found-h]")
    assert found.get_by_role("link", name=HOSTILE, exact=True).count() == 1
    page.wait_for_timeout(300)  # a dialog would open now, if anything ran
    assert dialogs == []
    assert errors == []
    assert re.search(r"<img", page.content().split("<main", 1)[1]) is None
