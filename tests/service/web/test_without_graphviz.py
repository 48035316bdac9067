"""The work page on a server that has no Graphviz: a real ``serve`` whose PATH holds no
``dot``, read in a real headless Chromium. Everything but the picture is there, and the
tree is a nested list of links. Marked slow: it starts a server and a browser.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.service.cli_sample import build_sample
from tests.service.http.servers import Server
from tests.service.web.test_browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    problem = None
    if not Path(CHROMIUM).exists():
        problem = f"{CHROMIUM} is missing (apt-get install chromium)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        problem = "playwright is not installed (pip install -e '.[test]')"
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def server_without_dot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``serve`` on the Tiny Stories ledger with a PATH of one empty folder: no ``dot``."""
    folder = tmp_path_factory.mktemp("nodot")
    empty = folder / "bin"
    empty.mkdir()
    db = build_sample(folder)
    server = Server(
        db,
        "--log-level",
        "warning",
        log=folder / "serve.log",
        env={**os.environ, "PATH": str(empty)},
    ).start()
    try:
        yield server.url
    finally:
        server.stop()


def test_without_graphviz_the_work_page_shows_credits_history_and_the_tree_as_links(
    browser: Any, server_without_dot: str
) -> None:
    url = server_without_dot
    # The server really has no dot: the API's picture says so.
    assert httpx.get(f"{url}/api/works/rec-0055/tree?format=svg", timeout=10).status_code == 503

    page = browser.new_page()
    response = page.goto(f"{url}/works/rec-0055")
    assert response.status == 200
    assert page.locator("h1").inner_text() == "Pocket Moon"
    note = page.locator("p.no-picture").inner_text()
    assert "needs Graphviz" in note and "apt-get install graphviz" in note
    assert page.locator("figure.tree svg").count() == 0
    assert page.locator("table.credits tbody tr").count() >= 1
    assert page.locator("table.history tbody tr").count() >= 1

    # Remixes of remixes are nested under the remix they were built on.
    nested = page.locator("div.outline ul.lineage ul.lineage a")
    assert nested.count() >= 1
    title = nested.first.inner_text()
    nested.first.click()
    page.wait_for_url(f"{url}/works/*")
    assert page.locator("h1").inner_text() == title

    # And from there, up: its sources are nested the other way.
    sources = page.locator("div.outline h3 + ul.lineage").first.locator("a")
    assert "Pocket Moon" in [sources.nth(i).inner_text() for i in range(sources.count())]
