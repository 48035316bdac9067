"""A create retried with its Idempotency-Key after its answer was lost makes no
second record: the route hands the key to the command, which finds what it made."""

from __future__ import annotations

import sqlite3

import pytest

from tests.service.http.conftest import Api, ApiFactory, Member


@pytest.fixture
def api(make_api: ApiFactory) -> Api:
    return make_api("sqlite")


def _keyed(member: Member | dict[str, str], key: str) -> dict[str, str]:
    auth = member.auth if isinstance(member, Member) else member
    return {**auth, "Idempotency-Key": key}


def _lose_kept_answers(api: Api) -> None:
    """What a server that died after saving, before keeping its answer, leaves once
    the next request has taken its claim over: no answer to replay."""
    connection = sqlite3.connect(api.services.setting.env["SQLITE_DBNAME"])
    try:
        with connection:
            connection.execute("DELETE FROM rl_idempotency")
    finally:
        connection.close()


def _count(api: Api, event_type: str) -> int:
    entries = api.get("/api/log?limit=1000").json()["entries"]
    return sum(1 for entry in entries if entry["type"] == event_type)


@pytest.mark.parametrize(
    ("path", "body", "id_field", "event_type"),
    [
        ("/api/works", {"title": "Once"}, "work_id", "Work.Contributed"),
        ("/api/works/{work}/comments", {"text": "Nice."}, "comment_id", "Comment.Commented"),
        ("/api/productions", {"title": "Book"}, "production_id", "Production.Created"),
    ],
)
def test_a_create_whose_answer_was_lost_answers_the_same_record_when_retried(
    api: Api, path: str, body: dict[str, str], id_field: str, event_type: str
) -> None:
    curator = api.curator("curie")
    work = api.work(curator, "Commented on", external_id="w")["work_id"]
    url = path.format(work=work)
    first = api.post(url, json=body, headers=_keyed(curator, "k-1"))
    assert first.status_code == 201, first.text
    before = _count(api, event_type)
    _lose_kept_answers(api)

    retried = api.post(url, json=body, headers=_keyed(curator, "k-1"))
    assert retried.status_code == 201 and "Idempotent-Replayed" not in retried.headers
    assert retried.json()[id_field] == first.json()[id_field]
    assert retried.headers.get("Location") == first.headers.get("Location")
    # Nothing new: its position is one that includes the first run's event.
    assert retried.json()["position"] >= first.json()["position"]
    assert _count(api, event_type) == before
    # Its answer is kept now like any other.
    again = api.post(url, json=body, headers=_keyed(curator, "k-1"))
    assert again.headers["Idempotent-Replayed"] == "true" and again.json() == retried.json()


def test_a_lost_answer_retried_with_another_body_is_refused(api: Api) -> None:
    ana = api.member("ana")
    first = api.post("/api/works", json={"title": "One"}, headers=_keyed(ana, "k"))
    _lose_kept_answers(api)
    other = api.post("/api/works", json={"title": "Two"}, headers=_keyed(ana, "k"))
    assert other.status_code == 422
    assert other.json()["type"] == "urn:remix-ledger:problem:idempotency-key-reused"
    # The listing follows the log: wait until it has the first work (read your writes).
    listed = api.get(f"/api/works?after={first.json()['position']}").json()["works"]
    titles = [w["title"] for w in listed]
    assert titles == ["One"]


def test_members_sending_the_same_key_still_make_their_own_works(api: Api) -> None:
    ana, ben = api.member("ana"), api.member("ben")
    mine = api.post("/api/works", json={"title": "Same"}, headers=_keyed(ana, "shared"))
    _lose_kept_answers(api)
    theirs = api.post("/api/works", json={"title": "Same"}, headers=_keyed(ben, "shared"))
    assert theirs.status_code == 201 and theirs.json()["work_id"] != mine.json()["work_id"]


def test_an_operator_creating_a_production_with_a_key_makes_it_once(api: Api) -> None:
    curator = api.curator("curie")
    operator = api.operator()
    body = {"title": "Book", "curator": curator.handle}
    first = api.post("/api/productions", json=body, headers=_keyed(operator, "op-1"))
    _lose_kept_answers(api)
    again = api.post("/api/productions", json=body, headers=_keyed(operator, "op-1"))
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["production_id"] == first.json()["production_id"]
