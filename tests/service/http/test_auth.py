"""Authentication: every write needs a live bearer token; the actor is the token's member."""

from __future__ import annotations

from ledger.application.tokens import authenticate, revoke_token
from tests.service.http.conftest import Api, ApiFactory


def test_a_write_without_a_token_or_with_a_wrong_one_is_401(api: Api) -> None:
    api.member("ana")
    for headers in (
        {},
        {"Authorization": "Bearer rlt_not-a-token"},
        {"Authorization": "Basic YW5hOmFuYQ=="},
        {"Authorization": "Bearer"},
    ):
        response = api.post("/api/works", json={"title": "x"}, headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_fails_at_once(api: Api) -> None:
    ana = api.member("ana")
    api.work(ana, "Before")
    revoke_token(api.services.ledger, authenticate(api.services.ledger, ana.token).id)
    response = api.post("/api/works", json={"title": "After"}, headers=ana.auth)
    assert response.status_code == 401 and "revoked" in response.json()["detail"]


def test_a_revoked_token_fails_in_another_server_process_on_the_same_ledger(
    make_api: ApiFactory,
) -> None:
    first = make_api("sqlite")
    second = make_api(first.services.setting.url)
    ana = first.member("ana")
    assert second.post("/api/works", json={"title": "x"}, headers=ana.auth).status_code == 201
    token = authenticate(first.services.ledger, ana.token)
    revoke_token(first.services.ledger, token.id)
    assert second.post("/api/works", json={"title": "y"}, headers=ana.auth).status_code == 401


def test_the_actor_is_the_tokens_member_never_a_body_field(api: Api) -> None:
    ana, ben = api.member("ana"), api.member("ben")
    sneaky = api.post(
        "/api/works", json={"title": "x", "authors": [ben.member_id]}, headers=ana.auth
    )
    assert sneaky.status_code == 422
    made = api.work(ana, "Mine")
    read = api.get(f"/api/works/{made['work_id']}").json()
    assert [a["member_id"] for a in read["authors"]] == [ana.member_id]


def test_writes_are_rate_limited_per_token_with_retry_after(make_api: ApiFactory) -> None:
    api = make_api("memory", write_burst=3, writes_per_second=0.5)
    ana, ben = api.member("ana"), api.member("ben")
    statuses = [
        api.post("/api/works", json={"title": f"w{n}"}, headers=ana.auth).status_code
        for n in range(4)
    ]
    assert statuses == [201, 201, 201, 429]
    limited = api.post("/api/works", json={"title": "again"}, headers=ana.auth)
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.json()["type"].endswith(":rate-limited")
    assert api.post("/api/works", json={"title": "ben's"}, headers=ben.auth).status_code == 201


def test_registrations_are_rate_limited_per_address(make_api: ApiFactory) -> None:
    api = make_api("memory", write_burst=2, writes_per_second=0.5)
    assert api.post("/api/members", json={"handle": "ana"}).status_code == 201
    assert api.post("/api/members", json={"handle": "ben"}).status_code == 201
    limited = api.post("/api/members", json={"handle": "cat"})
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1


def test_votes_read_the_token_in_their_batch_so_a_revocation_holds_at_once(
    make_api: ApiFactory,
) -> None:
    """A vote reads its token inside the group commit's batch, with the records the
    server remembers the member by; a revocation must still stop the very next vote,
    from this process or from another one on the same ledger."""
    first = make_api("sqlite")
    second = make_api(first.services.setting.url)
    ana, ben = first.member("ana"), first.member("ben")
    work = first.work(ben, "Voted on")["work_id"]
    for value in (1, -1):  # the second vote runs with the member remembered
        voted = first.put(f"/api/works/{work}/vote", json={"value": value}, headers=ana.auth)
        assert voted.status_code == 200, voted.text
    revoke_token(second.services.ledger, authenticate(second.services.ledger, ana.token).id)
    refused = first.put(f"/api/works/{work}/vote", json={"value": 1}, headers=ana.auth)
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
    withdrawn = first.delete(f"/api/works/{work}/vote", headers=ana.auth)
    assert withdrawn.status_code == 401
    entries = first.get("/api/log?limit=1000").json()["entries"]
    assert [entry["type"] for entry in entries if entry["type"].startswith("Vote.")] == [
        "Vote.Voted",
        "Vote.VoteChanged",
    ]


def test_a_vote_without_a_live_token_is_401_before_the_work_is_looked_up(api: Api) -> None:
    for headers in ({}, {"Authorization": "Bearer rlt_not-a-token"}):
        response = api.put("/api/works/no-such-work/vote", json={"value": 1}, headers=headers)
        assert response.status_code == 401, headers


def test_an_operator_token_cannot_vote(api: Api) -> None:
    ben = api.member("ben")
    work = api.work(ben, "Voted on")["work_id"]
    response = api.put(f"/api/works/{work}/vote", json={"value": 1}, headers=api.operator())
    assert response.status_code == 403
