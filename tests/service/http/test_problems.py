"""Errors as RFC 9457 problem details: stable types, no internals, no 500s."""

from __future__ import annotations

from collections.abc import Iterator

from tests.service.http.conftest import Api, ApiFactory


def _is_problem(response: object, status: int, kind: str) -> None:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["type"] == f"urn:remix-ledger:problem:{kind}" and body["status"] == status
    assert body["title"] and body["detail"]


def test_unknown_routes_and_methods_are_problems(api: Api) -> None:
    _is_problem(api.get("/api/nothing"), 404, "no-such-route")
    _is_problem(api.delete("/api/rankings"), 405, "method-not-allowed")


def test_malformed_json_is_400_and_a_wrong_media_type_415(api: Api) -> None:
    ana = api.member("ana")
    headers = {**ana.auth, "content-type": "application/json"}
    _is_problem(
        api.post("/api/works", content=b'{"title": ', headers=headers), 400, "malformed-json"
    )
    form = {**ana.auth, "content-type": "text/plain"}
    _is_problem(
        api.post("/api/works", content=b"title", headers=form), 415, "unsupported-media-type"
    )


def test_a_body_over_the_limit_is_413_even_when_chunked(make_api: ApiFactory) -> None:
    api = make_api("memory", max_body_bytes=1000)
    ana = api.member("ana")
    big = b'{"title": "' + b"x" * 2000 + b'"}'
    headers = {**ana.auth, "content-type": "application/json"}
    _is_problem(api.post("/api/works", content=big, headers=headers), 413, "content-too-large")

    def chunks() -> Iterator[bytes]:
        for _ in range(20):
            yield b" " * 100

    chunked = api.post("/api/works", content=chunks(), headers=headers)
    assert "content-length" not in {k.lower() for k in chunked.request.headers}
    _is_problem(chunked, 413, "content-too-large")
    keyed = {**headers, "Idempotency-Key": "big"}
    _is_problem(api.post("/api/works", content=chunks(), headers=keyed), 413, "content-too-large")


def test_validation_errors_name_the_field(api: Api) -> None:
    ana = api.member("ana")
    response = api.post("/api/works", json={"title": "x", "extra": 1}, headers=ana.auth)
    _is_problem(response, 422, "validation")
    assert response.json()["errors"][0]["loc"] == ["body", "extra"]
    _is_problem(api.get("/api/works?limit=0"), 422, "validation")


def test_ledger_errors_keep_their_stable_types(api: Api) -> None:
    _is_problem(api.get("/api/works/nope"), 404, "unknown-work")
    _is_problem(api.get("/api/productions/nope"), 404, "unknown-production")
    _is_problem(api.get("/api/members/nope"), 404, "unknown-member")
    ana = api.member("ana")
    api.work(ana, "A", external_id="a")
    _is_problem(
        api.post("/api/works", json={"title": "B", "external_id": "a"}, headers=ana.auth),
        409,
        "duplicate-external-id",
    )
