"""Idempotency-Key with Stripe's semantics: replay, mismatch, scope, across restarts."""

from __future__ import annotations

import sqlite3

import pytest

from tests.service.http.conftest import Api, ApiFactory


def _keyed(api_member: object, key: str) -> dict[str, str]:
    return {**api_member.auth, "Idempotency-Key": key}  # type: ignore[attr-defined]


def test_the_same_key_and_body_replays_the_first_answer(api: Api) -> None:
    ana = api.member("ana")
    first = api.post("/api/works", json={"title": "Once"}, headers=_keyed(ana, "k-1"))
    head = api.services.ledger.head
    again = api.post("/api/works", json={"title": "Once"}, headers=_keyed(ana, "k-1"))
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Ledger-Position"] == first.headers["Ledger-Position"]
    assert api.services.ledger.head == head  # nothing recorded the second time
    # The same JSON value with other spacing and key order is the same request.
    spaced = api.post(
        "/api/works",
        content=b'{ "title" :  "Once" }',
        headers={**_keyed(ana, "k-1"), "content-type": "application/json"},
    )
    assert spaced.json() == first.json()


def test_the_same_key_with_another_body_is_422(api: Api) -> None:
    ana = api.member("ana")
    api.post("/api/works", json={"title": "One"}, headers=_keyed(ana, "k"))
    other = api.post("/api/works", json={"title": "Two"}, headers=_keyed(ana, "k"))
    assert other.status_code == 422
    assert other.json()["type"] == "urn:remix-ledger:problem:idempotency-key-reused"
    elsewhere = api.put("/api/works/x/vote", json={"value": 1}, headers=_keyed(ana, "k"))
    assert elsewhere.status_code == 422


def test_keys_are_scoped_to_the_member(api: Api) -> None:
    ana, ben = api.member("ana"), api.member("ben")
    mine = api.post("/api/works", json={"title": "Same"}, headers=_keyed(ana, "shared"))
    theirs = api.post("/api/works", json={"title": "Same"}, headers=_keyed(ben, "shared"))
    assert theirs.status_code == 201 and theirs.json()["work_id"] != mine.json()["work_id"]


def test_an_error_answer_is_replayed_but_a_missing_token_is_not_kept(api: Api) -> None:
    ana = api.member("ana")
    refused = api.put("/api/works/nope/vote", json={"value": 1}, headers=_keyed(ana, "e"))
    replayed = api.put("/api/works/nope/vote", json={"value": 1}, headers=_keyed(ana, "e"))
    assert refused.status_code == replayed.status_code == 404
    assert replayed.headers["Idempotent-Replayed"] == "true"
    anonymous = {"Idempotency-Key": "a"}
    assert api.post("/api/works", json={"title": "x"}, headers=anonymous).status_code == 401
    assert api.post("/api/works", json={"title": "x"}, headers=_keyed(ana, "a")).status_code == 201


def test_a_bad_key_is_400(api: Api) -> None:
    ana = api.member("ana")
    response = api.post("/api/works", json={"title": "x"}, headers=_keyed(ana, "k" * 256))
    assert response.status_code in (400, 422)
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_keys_hold_across_a_server_restart(make_api: ApiFactory, backend: str) -> None:
    first = make_api(backend)
    url = first.services.setting.url
    ana = first.member("ana")
    first.work(ana, "Story", external_id="s")
    ben = first.member("ben")
    voted = first.put("/api/works/s/vote", json={"value": 1}, headers=_keyed(ben, "v-1"))
    first.stop()

    second = make_api(url)
    replay = second.put("/api/works/s/vote", json={"value": 1}, headers=_keyed(ben, "v-1"))
    assert replay.json() == voted.json() and replay.headers["Idempotent-Replayed"] == "true"
    mismatch = second.put("/api/works/s/vote", json={"value": -1}, headers=_keyed(ben, "v-1"))
    assert mismatch.status_code == 422


def test_a_registration_answer_holding_a_token_is_never_kept(make_api: ApiFactory) -> None:
    api = make_api("sqlite", closed_registration=True)
    operator = {**api.operator(), "Idempotency-Key": "reg-1"}
    first = api.post("/api/members", json={"handle": "ana"}, headers=operator)
    assert first.status_code == 201 and first.headers["Cache-Control"] == "no-store"
    again = api.post("/api/members", json={"handle": "ana"}, headers=operator)
    assert again.status_code == 409 and "Idempotent-Replayed" not in again.headers
    connection = sqlite3.connect(api.services.setting.env["SQLITE_DBNAME"])
    try:
        rows = connection.execute("SELECT body FROM rl_idempotency").fetchall()
    finally:
        connection.close()
    stored = b"".join(bytes(row[0] or b"") for row in rows)
    assert b"handle-taken" in stored and first.json()["token"].encode() not in stored


def test_two_curators_with_the_same_key_record_two_revenues(api: Api) -> None:
    """Keys are per member in the ledger's commands too, not only in the kept answers:
    a key another curator happened to use on the same production is not a repeat."""
    curie, carl = api.curator("curie"), api.curator("carl")
    ana = api.member("ana")
    api.work(ana, "Story", external_id="s1")
    made = api.post(
        "/api/productions", json={"title": "Book", "external_id": "book"}, headers=curie.auth
    )
    assert made.status_code == 201, made.text
    assert (
        api.post(
            "/api/productions/book/works", json={"works": ["s1"]}, headers=curie.auth
        ).status_code
        == 200
    )
    assert api.post("/api/productions/book/publication", headers=curie.auth).status_code == 200
    body = {"amount": "10.00", "currency": "USD"}
    for curator in (curie, carl):
        paid = api.post(
            "/api/productions/book/revenue", json=body, headers=_keyed(curator, "payout-1")
        )
        assert paid.status_code == 200, paid.text
    again = api.post("/api/productions/book/revenue", json=body, headers=_keyed(carl, "payout-1"))
    assert again.headers["Idempotent-Replayed"] == "true"
    revenue = api.get("/api/productions/book").json()["revenue"]
    assert [entry["amount"] for entry in revenue] == ["10.00", "10.00"]
