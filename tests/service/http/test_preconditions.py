"""Conditional requests: ETags on records, If-Match on the writes that act on them
(412 and nothing recorded when stale, even under concurrency), If-None-Match (304)."""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

import pytest

from ledger import open_ledger
from ledger.application.ledger import Ledger
from ledger.application.operations import in_one_transaction
from ledger.application.unit_of_work import UnitOfWork
from ledger.domain.errors import PreconditionFailedError
from tests.conftest import Databases
from tests.service.http.conftest import Api, ApiFactory, Member

PRECONDITION_FAILED = "urn:remix-ledger:problem:precondition-failed"


def _production(api: Api, curie: Member) -> dict[str, Any]:
    created = api.post(
        "/api/productions", json={"title": "Book", "external_id": "book"}, headers=curie.auth
    )
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


def _works(api: Api, author: Member, count: int) -> list[str]:
    return [api.work(author, f"Work {n}", external_id=f"w{n}")["external_id"] for n in range(count)]


def test_reads_of_a_record_answer_its_etag_and_304_when_it_is_unchanged(api: Api) -> None:
    ana, curie = api.member("ana"), api.curator("curie")
    work_id = api.work(ana, "Story", external_id="s1")["work_id"]
    production_id = _production(api, curie)["production_id"]
    for path, record_id in (
        ("/api/works/s1", work_id),
        (f"/api/works/{work_id}", work_id),
        ("/api/productions/book", production_id),
        ("/api/members/ana", ana.member_id),
    ):
        read = api.get(path)
        assert read.status_code == 200
        etag = read.headers["ETag"]
        assert etag.startswith(f'"{record_id}-') and etag.endswith('"')
        again = api.get(path, headers={"If-None-Match": f'"other", {etag}'})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["ETag"] == etag
        assert api.get(path, headers={"If-None-Match": "*"}).status_code == 304
        assert api.get(path, headers={"If-None-Match": '"stale"'}).status_code == 200
    before = api.get("/api/works/s1").headers["ETag"]
    api.post("/api/works/s1/retraction", json={"reason": "dup"}, headers=ana.auth)
    changed = api.get("/api/works/s1", headers={"If-None-Match": before})
    assert changed.status_code == 200 and changed.headers["ETag"] != before
    assert changed.json()["retracted"] is True


def test_a_write_under_the_current_etag_acts_and_answers_the_new_one(api: Api) -> None:
    ana, curie = api.member("ana"), api.curator("curie")
    _works(api, ana, 2)
    _production(api, curie)
    etag = api.get("/api/productions/book").headers["ETag"]
    included = api.post(
        "/api/productions/book/works",
        json={"works": ["w0", "w1"]},
        headers={**curie.auth, "If-Match": etag},
    )
    assert included.status_code == 200, included.text
    new = included.headers["ETag"]
    assert new != etag and api.get("/api/productions/book").headers["ETag"] == new
    # Two inclusions in one transaction: the version moved by two.
    assert int(new.strip('"').rsplit("-", 1)[1]) == int(etag.strip('"').rsplit("-", 1)[1]) + 2
    published = api.post(
        "/api/productions/book/publication", headers={**curie.auth, "If-Match": new}
    )
    assert published.status_code == 200
    assert api.get("/api/productions/book").json()["published_at"] is not None
    # "*" matches any existing record; no header, no condition: both act.
    paid = api.post(
        "/api/productions/book/revenue",
        json={"amount": "5.00", "currency": "USD"},
        headers={**curie.auth, "If-Match": "*"},
    )
    assert paid.status_code == 200 and paid.headers["ETag"] != published.headers["ETag"]
    s1 = api.work(ana, "Story", external_id="s1")
    cited = api.post(
        "/api/works/s1/sources",
        json={"work": "w0"},
        headers={**ana.auth, "If-Match": api.get("/api/works/s1").headers["ETag"]},
    )
    assert cited.status_code == 200 and cited.headers["ETag"].startswith(f'"{s1["work_id"]}-')


@pytest.mark.parametrize(
    "stale",
    [
        "old",  # the record's own earlier ETag
        "weak",  # If-Match compares strongly: a weak tag never matches
        "other",  # another record's current ETag
        "junk",
    ],
)
def test_a_stale_if_match_answers_412_and_records_nothing(api: Api, stale: str) -> None:
    ana, curie = api.member("ana"), api.curator("curie")
    _works(api, ana, 3)
    _production(api, curie)
    old = api.get("/api/productions/book").headers["ETag"]
    api.post("/api/productions/book/works", json={"works": ["w0"]}, headers=curie.auth)
    current = api.get("/api/productions/book").headers["ETag"]
    if_match = {
        "old": old,
        "weak": f"W/{current}",
        "other": api.get("/api/works/w0").headers["ETag"],
        "junk": "not an etag",
    }[stale]
    head = api.services.ledger.head
    acts: list[tuple[str, str, dict[str, Any] | None, str]] = [
        ("post", "/api/productions/book/works", {"works": ["w1"]}, current),
        ("post", "/api/productions/book/exclusions", {"works": ["w0"]}, current),
        ("post", "/api/productions/book/publication", None, current),
        ("put", "/api/productions/book/policy", {"policy": "equal"}, current),
        ("post", "/api/productions/book/waivers", {"member": ana.member_id}, current),
    ]
    for method, path, body, _ in acts:
        answer = api.request(method, path, json=body, headers={**curie.auth, "If-Match": if_match})
        assert answer.status_code == 412, (path, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        problem = answer.json()
        assert problem["type"] == PRECONDITION_FAILED and problem["status"] == 412
        assert current in problem["detail"] and answer.headers["ETag"] == current
    assert api.services.ledger.head == head
    assert api.get("/api/productions/book").headers["ETag"] == current
    work_etag = api.get("/api/works/w2").headers["ETag"]
    stale_work = if_match if stale != "other" else current
    for path, body in (("/api/works/w2/sources", {"work": "w0"}), ("/api/works/w2/retraction", {})):
        answer = api.post(path, json=body, headers={**ana.auth, "If-Match": stale_work})
        assert answer.status_code == 412, answer.text
        assert work_etag in answer.json()["detail"]
    assert api.services.ledger.head == head
    assert api.get("/api/works/w2").json()["retracted"] is False


def test_revenue_under_a_stale_etag_is_refused(api: Api) -> None:
    ana, curie = api.member("ana"), api.curator("curie")
    _works(api, ana, 1)
    _production(api, curie)
    api.post("/api/productions/book/works", json={"works": ["w0"]}, headers=curie.auth)
    etag = api.post("/api/productions/book/publication", headers=curie.auth).headers["ETag"]
    pay = {"amount": "1.00", "currency": "USD"}
    first = api.post(
        "/api/productions/book/revenue", json=pay, headers={**curie.auth, "If-Match": etag}
    )
    assert first.status_code == 200
    head = api.services.ledger.head
    second = api.post(
        "/api/productions/book/revenue", json=pay, headers={**curie.auth, "If-Match": etag}
    )
    assert second.status_code == 412 and api.services.ledger.head == head
    assert len(api.get("/api/productions/book").json()["revenue"]) == 1


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_of_concurrent_writers_under_one_etag_exactly_one_acts(
    make_api: ApiFactory, backend: str
) -> None:
    api = make_api(backend)
    ana, curie = api.member("ana"), api.curator("curie")
    works = _works(api, ana, 8)
    _production(api, curie)
    etag = api.get("/api/productions/book").headers["ETag"]
    start = threading.Barrier(len(works))
    answers: dict[str, int] = {}

    def include(work: str) -> None:
        start.wait()
        answer = api.post(
            "/api/productions/book/works",
            json={"works": [work]},
            headers={**curie.auth, "If-Match": etag},
        )
        answers[work] = answer.status_code

    threads = [threading.Thread(target=include, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers.values()) == [200] + [412] * (len(works) - 1)
    (winner,) = [work for work, status in answers.items() if status == 200]
    included = api.get("/api/productions/book").json()["works"]
    assert [work["external_id"] for work in included] == [winner]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_retry_after_a_concurrent_change_checks_the_version_again(
    databases: Databases, backend: str
) -> None:
    """The check passes, another process records an act on the same production
    before the commit, the commit conflicts: the retry must refuse, not act."""
    url = databases.url(backend)
    ledger, other = open_ledger(url), open_ledger(url)
    try:
        production_id, first, second = _seeded(ledger)
        version = ledger.production(production_id).version
        attempts = 0

        def act(_: UnitOfWork) -> None:
            nonlocal attempts
            attempts += 1
            ledger.include_work(production_id, first)
            if attempts == 1:
                other.include_work(production_id, second)  # the concurrent writer

        with (
            pytest.raises(PreconditionFailedError) as refused,
            ledger.version_check(production_id, [version]),
        ):
            in_one_transaction(ledger, act)
        assert attempts == 2 and refused.value.current_version == version + 1
        assert list(ledger.production(production_id).work_ids) == [second]
    finally:
        other.close()
        ledger.close()


def _seeded(ledger: Ledger) -> tuple[UUID, UUID, UUID]:
    curator = ledger.register_member(handle="curie").id
    ledger.grant_role(curator, "curator")
    ana = ledger.register_member(handle="ana").id
    first = ledger.contribute(authors=[ana], title="First").id
    second = ledger.contribute(authors=[ana], title="Second").id
    production = ledger.create_production(title="Book", curator_id=curator).id
    return production, first, second


def test_a_replayed_write_answers_the_etag_of_its_first_answer(api: Api) -> None:
    ana = api.member("ana")
    _works(api, ana, 1)
    etag = api.get("/api/works/w0").headers["ETag"]
    headers = {**ana.auth, "If-Match": etag, "Idempotency-Key": "retract-w0"}
    first = api.post("/api/works/w0/retraction", json={"reason": "dup"}, headers=headers)
    assert first.status_code == 200 and first.headers["ETag"] != etag
    replayed = api.post("/api/works/w0/retraction", json={"reason": "dup"}, headers=headers)
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.status_code == 200 and replayed.headers["ETag"] == first.headers["ETag"]


def test_a_members_acts_take_if_match_too(api: Api) -> None:
    ana, curie = api.member("ana"), api.curator("curie")
    etag = api.get("/api/members/ana").headers["ETag"]
    credit = {"mode": "pseudonym", "pseudonym": "A."}
    done = api.put("/api/members/ana/credit", json=credit, headers={**ana.auth, "If-Match": etag})
    assert (
        done.status_code == 200
        and done.headers["ETag"] == api.get("/api/members/ana").headers["ETag"]
    )
    head = api.services.ledger.head
    stale = api.post(
        "/api/members/ana/roles", json={"role": "curator"}, headers={**curie.auth, "If-Match": etag}
    )
    assert stale.status_code == 412 and stale.json()["type"] == PRECONDITION_FAILED
    assert api.services.ledger.head == head
    assert api.get("/api/members/ana").json()["roles"] == []
