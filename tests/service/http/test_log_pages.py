"""Pages of ``/api/log`` are bounded by bytes as well as by count."""

from __future__ import annotations

import pytest

from service.http.routes import log
from service.http.routes.log import PAGE_MAX_BYTES
from tests.service.http.conftest import Api


def test_a_log_page_of_large_bodies_stays_under_the_byte_bound_and_cursors_reach_every_event(
    api: Api,
) -> None:
    ana = api.member("ana")
    for n in range(30):
        api.work(ana, f"Long story {n}", body=f"{n} " + "x" * 99_000)
    head = api.get("/api/log?limit=1").json()["head"]
    seen: list[int] = []
    after: int | None = 0
    pages = 0
    while after is not None:
        response = api.get(f"/api/log?after={after}&limit=1000")
        assert response.status_code == 200
        assert len(response.content) < PAGE_MAX_BYTES + 64 * 1024
        page = response.json()
        assert page["entries"], "a page that goes on holds at least one event"
        seen += [entry["position"] for entry in page["entries"]]
        after = page["next_after"]
        pages += 1
    assert seen == list(range(1, head + 1))
    assert pages >= 3


def test_an_event_larger_than_the_byte_bound_still_gets_a_page_of_its_own(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(log, "PAGE_MAX_BYTES", 10_000)
    ana = api.member("ana")
    big = api.work(ana, "Huge", body="y" * 50_000)
    api.work(ana, "Next")
    page = api.get(f"/api/log?after={big['position'] - 1}&limit=1000").json()
    assert [entry["position"] for entry in page["entries"]] == [big["position"]]
    assert page["next_after"] == big["position"]
