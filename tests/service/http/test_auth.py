"""Authentication: every write needs a live bearer token; the actor is the token's member."""

from __future__ import annotations

from ledger.tokens import authenticate, revoke_token
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
