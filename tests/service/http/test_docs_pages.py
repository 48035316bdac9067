"""``/docs`` and ``/redoc`` in a real headless Chromium against a real ``serve``: they
render from the server's own assets, with no request leaving localhost, under a
Content-Security-Policy that allows script from the server only. Marked slow: it
starts a server and a browser."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.service.http.servers import Server

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("docs")
    running = Server(str(folder / "ledger.db"), log=folder / "serve.log").start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _open_offline(browser: Any, url: str) -> tuple[Any, list[str], list[str]]:
    """A page at ``url`` whose every request off localhost is refused and named."""
    page = browser.new_page()
    elsewhere: list[str] = []
    refused_by_csp: list[str] = []

    def route(request_route: Any) -> None:
        host = urlsplit(request_route.request.url).hostname
        if request_route.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            request_route.continue_()
        else:
            elsewhere.append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    page.on(
        "console",
        lambda message: (
            refused_by_csp.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    page.goto(url)
    return page, elsewhere, refused_by_csp


def test_swagger_ui_lists_the_operations_from_the_servers_own_assets(
    server: Server, browser: Any
) -> None:
    page, elsewhere, refused = _open_offline(browser, f"{server.url}/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=30_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/works" in path for path in paths)
    page.close()
    assert elsewhere == [] and refused == []


def test_redoc_renders_the_operations_from_the_servers_own_assets(
    server: Server, browser: Any
) -> None:
    page, elsewhere, refused = _open_offline(browser, f"{server.url}/redoc")
    page.locator("[data-section-id^='tag/']").first.wait_for(timeout=30_000)
    assert "/api/works" in page.content()
    page.close()
    assert elsewhere == []
    # ReDoc's footer asks for its maker's logo from their CDN: the policy refuses it.
    assert [text for text in refused if "cdn.redoc.ly/redoc/logo-mini.svg" not in text] == []


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_documentation_pages_allow_script_from_the_server_only_and_cannot_be_framed(
    server: Server, path: str
) -> None:
    response = httpx.get(f"{server.url}{path}", timeout=10)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
    assert "http" not in policy and "cdn" not in response.text.lower()
    assert response.headers["X-Frame-Options"] == "DENY"
