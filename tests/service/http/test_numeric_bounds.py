"""Numbers are bounded as text before any arithmetic, over the API and the pages (issue 21.1).

``Fraction("1e-10000000")`` held the interpreter for seconds and answered 500; a
production recorded with ``{"r": "1e-5000"}`` made its statements, page and CSV
answer 500 for good.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from ledger.domain.production import Production
from tests.service.http.conftest import Api, Member


def _published_book(api: Api) -> tuple[Member, Member]:
    ana, curie = api.member("ana"), api.curator("curie")
    api.work(ana, "Story", external_id="s1")
    api.work(ana, "Remix", external_id="r1", sources=[{"work": "s1", "relation": "remix"}])
    created = api.post(
        "/api/productions", json={"title": "Book", "external_id": "book"}, headers=curie.auth
    )
    assert created.status_code == 201, created.text
    included = api.post("/api/productions/book/works", json={"works": ["r1"]}, headers=curie.auth)
    assert included.status_code == 200, included.text
    return ana, curie


def _problem(response: Any, status: int = 422) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    detail: str = response.json()["detail"]
    return detail


def test_an_exponent_in_a_credits_parameter_is_refused_at_once_not_computed(api: Api) -> None:
    ana = api.member("ana")
    api.work(ana, "Story", external_id="s1")
    started = time.monotonic()
    answer = api.get("/api/works/s1/credits?policy=decay&param=r%3D1e-10000000")
    assert "decay r '1e-10000000' is not a number" in _problem(answer)
    assert time.monotonic() - started < 2
    for param, reason in [
        ("r=1234567890123456789/2234567890123456789", "more than 18 digits"),
        ("r=0." + "1" * 40, "a number is at most 40"),
        ("r=3/2", "from 0 to 1"),
        ("r=1_0/3", "is not a number"),
        ("alpha=nan", "is not a number"),
    ]:
        policy = "flow" if param.startswith("alpha") else "decay"
        detail = _problem(
            api.get("/api/works/s1/credits", params={"policy": policy, "param": param})
        )
        assert reason in detail, (param, detail)
    ok = api.get("/api/works/s1/credits", params={"policy": "decay", "param": "r=0.25"})
    assert ok.status_code == 200


def test_a_production_policy_with_an_exponent_or_too_many_digits_is_never_recorded(
    api: Api,
) -> None:
    _, curie = _published_book(api)
    for body, reason in [
        ({"policy": "decay", "params": {"r": "1e-5000"}}, "decay r '1e-5000' is not a number"),
        ({"policy": "flow", "params": {"weight_remix": "1" * 19}}, "more than 18 digits"),
        ({"policy": "decay", "pool_percent": "0." + "0" * 30 + "1"}, "more than 18 digits"),
        ({"policy": "decay", "weights": {"r1": "1" * 30}}, "more than 18 digits"),
    ]:
        refused = api.put("/api/productions/book/policy", json=body, headers=curie.auth)
        assert reason in _problem(refused), body
    assert api.get("/api/productions/book").json()["policy"] == "decay"


def test_a_royalty_percent_with_too_many_digits_is_refused(api: Api) -> None:
    ana = api.member("ana")
    api.work(ana, "Story", external_id="s1")
    refused = api.post(
        "/api/works",
        json={
            "title": "Remix",
            "sources": [{"work": "s1", "relation": "remix", "royalty_percent": "1." + "1" * 30}],
        },
        headers=ana.auth,
    )
    assert "royalty_percent" in _problem(refused) and "18 digits" in refused.json()["detail"]


@pytest.fixture
def unchecked_policies(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Record policies as a ledger did before numbers were bounded (the command's check off)."""
    monkeypatch.setattr(Production, "check_policy", staticmethod(lambda *args: None))
    yield
    monkeypatch.undo()


def test_a_production_recorded_with_a_huge_parameter_answers_422_naming_it_never_500(
    api: Api, unchecked_policies: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, curie = _published_book(api)
    ledger = api.services.ledger
    monkeypatch.setattr(ledger, "policy_check", None)  # the lineage layer's check off too
    book = ledger.find_production("book")
    ledger.choose_policy(book, "decay", params={"r": "1e-5000"}, pool_percent=Decimal("50"))
    monkeypatch.undo()  # today's rules again, for everything after the recording
    assert api.post("/api/productions/book/publication", headers=curie.auth).status_code == 200
    paid = api.post(
        "/api/productions/book/revenue",
        json={"amount": "100.00", "currency": "USD"},
        headers=curie.auth,
    )
    assert paid.status_code == 200, paid.text
    after = paid.json()["position"]
    started = time.monotonic()
    detail = _problem(api.get(f"/api/productions/book/statements?after={after}"))
    assert "'Book'" in detail and "decay r '1e-5000' is not a number" in detail
    page = api.get("/productions/book")  # the page stands and names what cannot be computed
    assert page.status_code == 200 and "cannot be computed" in page.text
    assert "1e-5000" in page.text
    csv = api.get("/productions/book/statements/1.csv")
    assert csv.status_code == 422 and "1e-5000" in csv.text
    issue = api.post("/api/productions/book/statements", json={}, headers=curie.auth)
    assert "1e-5000" in _problem(issue)
    assert time.monotonic() - started < 5
    # A curator puts it right with a policy of today's bounds.
    chosen = api.put("/api/productions/book/policy", json={"policy": "decay"}, headers=curie.auth)
    assert chosen.status_code == 200, chosen.text


def test_a_production_recorded_with_a_huge_pool_percent_or_weight_answers_422(
    api: Api, unchecked_policies: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, curie = _published_book(api)
    ledger = api.services.ledger
    monkeypatch.setattr(ledger, "policy_check", None)  # the lineage layer's check off too
    book = ledger.find_production("book")
    ledger.choose_policy(book, "decay", pool_percent=Decimal("1E-5000"))
    monkeypatch.undo()
    assert api.post("/api/productions/book/publication", headers=curie.auth).status_code == 200
    paid = api.post(
        "/api/productions/book/revenue",
        json={"amount": "100.00", "currency": "USD"},
        headers=curie.auth,
    )
    detail = _problem(api.get(f"/api/productions/book/statements?after={paid.json()['position']}"))
    assert "contributor pool percent" in detail and "18 digits" in detail
