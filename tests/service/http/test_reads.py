"""Rankings, leaderboard, the log, the census and the health checks over HTTP."""

from __future__ import annotations

import time

from ledger.application.tokens import issue_token
from tests.service.http.conftest import Api, ApiFactory


def test_rankings_carry_external_ids_and_page_with_a_cursor(api: Api) -> None:
    ana, ben = api.member("ana"), api.member("ben")
    for n in range(5):
        api.work(ana, f"Story {n}", external_id=f"rec-{n}")
    voted = api.put("/api/works/rec-3/vote", json={"value": 1}, headers=ben.auth).json()
    first = api.get(f"/api/rankings?by=wilson&limit=2&after={voted['position']}").json()
    assert first["works"][0]["external_id"] == "rec-3"
    assert first["works"][0]["authors"][0]["handle"] == "ana"
    second = api.get(f"/api/rankings?by=wilson&limit=2&cursor={first['next_cursor']}").json()
    third = api.get(f"/api/rankings?by=wilson&limit=2&cursor={second['next_cursor']}").json()
    ranks = [w["rank"] for page in (first, second, third) for w in page["works"]]
    assert ranks == [1, 2, 3, 4, 5] and third["next_cursor"] is None
    newest = api.get("/api/rankings?by=newest&limit=1").json()
    assert newest["works"][0]["external_id"] == "rec-4"
    remixed = api.post(
        "/api/works", json={"title": "Remix", "sources": [{"work": "rec-0"}]}, headers=ben.auth
    ).json()
    fresh = api.get(f"/api/rankings?by=newest&never_remixed=true&after={remixed['position']}")
    assert "rec-0" not in [w["external_id"] for w in fresh.json()["works"]]
    assert api.get("/api/rankings?since=2999-01-01T00:00:00Z").json()["works"] == []
    assert api.get("/api/rankings?until=not-a-time").status_code == 422
    assert api.get("/api/rankings?by=loudest").status_code == 422
    assert api.get("/api/rankings?limit=1000").status_code == 422


def test_an_as_of_ranking_past_the_replay_bound_is_refused(make_api: ApiFactory) -> None:
    api = make_api("memory", max_as_of_replay=3)
    ana = api.member("ana")
    for n in range(3):
        last = api.work(ana, f"Story {n}")
    position = last["position"]
    api.get(f"/api/rankings?after={position}")
    assert api.get("/api/rankings?as_of=2").status_code == 200
    refused = api.get("/api/rankings?as_of=5")
    assert refused.status_code == 422 and "replays at most 3" in refused.json()["detail"]


def test_the_leaderboard_names_contributors(api: Api) -> None:
    ana, ben = api.member("ana"), api.member("ben")
    api.work(ana, "Story", external_id="s")
    last = api.work(ben, "Remix", sources=[{"work": "s"}])
    board = api.get(f"/api/leaderboard?after={last['position']}").json()
    assert board["members"][0]["handle"] == "ana" and board["members"][0]["remixes_received"] == 1


def test_the_log_pages_by_position_without_secrets(api: Api) -> None:
    ana = api.member("ana")
    api.work(ana, "Story")
    page = api.get("/api/log?limit=2").json()
    assert [e["position"] for e in page["entries"]] == [1, 2] and page["next_after"] == 2
    rest = api.get("/api/log?after=2&limit=1000").json()
    types = [e["type"] for e in page["entries"] + rest["entries"]]
    assert types[0] == "Member.Registered" and "Work.Contributed" in types
    assert ana.token not in str(rest) and rest["next_after"] is None
    assert api.get("/api/log?limit=1001").status_code == 422


def test_the_census_counts_what_the_ledger_holds(api: Api) -> None:
    api.work(api.member("ana"), "Story")
    census = api.get("/api/census").json()
    assert census["members"] == 1 and census["works"] == 1


def test_health_and_readiness(make_api: ApiFactory) -> None:
    api = make_api("memory", ready_max_lag=0)
    assert api.get("/healthz").json() == {"status": "ok"}
    api.member("ana")
    deadline = time.monotonic() + 5
    while (ready := api.get("/readyz")).status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert ready.json()["status"] == "ready" and ready.json()["lag"] == 0


def test_readiness_fails_while_the_read_models_lag(make_api: ApiFactory) -> None:
    api = make_api("memory", projector="external", ready_max_lag=0)
    issue_token(api.services.ledger, None)
    response = api.get("/readyz")
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert response.json()["type"].endswith(":not-ready")


def test_a_read_after_a_position_not_reached_in_time_is_503(make_api: ApiFactory) -> None:
    api = make_api("memory", projector="external", wait_seconds=0.2)
    api.member("ana")
    head = api.services.ledger.head
    response = api.get(f"/api/rankings?after={head}")
    assert response.status_code == 503 and response.headers["Retry-After"] == "1"
    assert response.json()["type"].endswith(":read-models-behind")
    beyond = api.get(f"/api/works?after={head + 10}")
    assert beyond.status_code == 422 and "beyond the log's head" in beyond.json()["detail"]


def test_a_lineage_answer_after_a_position_the_graph_has_not_reached_is_503(
    make_api: ApiFactory,
) -> None:
    # SQLite is polled; with an hour between polls, the graph stays where it started.
    api = make_api("sqlite", poll_interval=3600, wait_seconds=0.2)
    ana = api.member("ana")
    work = api.work(ana, "Story")
    response = api.get(f"/api/works/{work['work_id']}/credits?after={work['position']}")
    assert response.status_code == 503 and response.headers["Retry-After"] == "1"
    # Without ``after`` too: the ledger has the work, so "no such work" would be stale.
    unreached = api.get(f"/api/works/{work['work_id']}/credits")
    assert unreached.status_code == 503 and "the record asked for" in unreached.json()["detail"]
