"""Small hardenings of the API's answers: nested JSON, Allow, nosniff, 401s, token labels."""

from __future__ import annotations

from uuid import UUID

from ledger.application.tokens import issue_token, revoke_token
from tests.service.http.conftest import Api


def test_json_nested_too_deeply_is_the_malformed_json_problem(api: Api) -> None:
    ana = api.member("ana")
    deep = b"[" * 100_000 + b"]" * 100_000
    response = api.post(
        "/api/works", content=deep, headers={**ana.auth, "content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["type"] == "urn:remix-ledger:problem:malformed-json"


def test_a_405_lists_every_method_the_path_takes(api: Api) -> None:
    response = api.delete("/api/works")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "POST"}


def test_api_answers_say_nosniff(api: Api) -> None:
    for response in (api.get("/api/log"), api.get("/api/works/nothing"), api.get("/openapi.json")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_revoked_token_and_one_never_issued_get_the_same_401(api: Api) -> None:
    ana = api.member("ana")
    issued = issue_token(api.services.ledger, UUID(ana.member_id))
    revoke_token(api.services.ledger, issued.token_id)
    answers = [
        api.post("/api/works", json={"title": "T"}, headers={"Authorization": f"Bearer {secret}"})
        for secret in (issued.secret, "rlt_" + "x" * 43)
    ]
    revoked, unknown = answers
    assert revoked.status_code == unknown.status_code == 401
    assert revoked.content == unknown.content
    assert revoked.headers["WWW-Authenticate"] == unknown.headers["WWW-Authenticate"]


def test_the_public_log_shows_who_got_a_token_and_when_but_not_its_label(api: Api) -> None:
    ana = api.member("ana")
    issue_token(api.services.ledger, UUID(ana.member_id), label="ana's laptop at home")
    entries = api.get("/api/log").json()["entries"]
    issued = [entry for entry in entries if entry["type"] == "ApiToken.Issued"]
    assert issued and all("label" not in entry["data"] for entry in issued)
    assert issued[-1]["data"]["member_id"].replace("-", "") == ana.member_id.replace("-", "")
    assert "laptop" not in api.get("/api/members/ana/history").text
