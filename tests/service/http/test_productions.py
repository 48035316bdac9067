"""Productions and royalty statements over HTTP: curators only, several works at once."""

from __future__ import annotations

from tests.service.http.conftest import Api, Member


def _book(api: Api, curie: Member, *works: str) -> str:
    created = api.post(
        "/api/productions",
        json={"title": "The Tiny Book", "external_id": "book"},
        headers=curie.auth,
    )
    assert created.status_code == 201, created.text
    included = api.post(
        "/api/productions/book/works", json={"works": list(works)}, headers=curie.auth
    )
    assert included.status_code == 200, included.text
    return str(created.json()["production_id"])


def test_a_curator_fills_publishes_and_is_paid_and_statements_are_issued_once(api: Api) -> None:
    ana, ben, curie = api.member("ana"), api.member("ben"), api.curator("curie")
    api.work(ana, "Story", external_id="s1")
    api.work(ben, "Drawing", external_id="d1", sources=[{"work": "s1", "relation": "illustration"}])
    api.work(ana, "Extra", external_id="x1")
    _book(api, curie, "d1", "x1", "x1")
    assert [w["external_id"] for w in api.get("/api/productions/book").json()["works"]] == [
        "d1",
        "x1",
    ]
    out = api.post("/api/productions/book/exclusions", json={"works": ["x1"]}, headers=curie.auth)
    assert out.status_code == 200
    policy = {"policy": "decay", "params": {"r": "1/3"}, "pool_percent": "40"}
    assert (
        api.put("/api/productions/book/policy", json=policy, headers=curie.auth).status_code == 200
    )
    assert api.post("/api/productions/book/publication", headers=curie.auth).status_code == 200
    again = api.post("/api/productions/book/works", json={"works": ["x1"]}, headers=curie.auth)
    assert again.status_code == 409 and again.json()["type"].endswith(":already-published")
    paid = api.post(
        "/api/productions/book/revenue",
        json={"amount": "100.00", "currency": "USD"},
        headers=curie.auth,
    )
    assert paid.status_code == 200
    preview = api.get(f"/api/productions/book/statements?after={paid.json()['position']}").json()
    (statement,) = preview["statements"]
    assert statement["issued"] is False and statement["pool"]["amount"] == "40.00"
    assert sum(float(line["amount"]) for line in statement["lines"]) == 40.0
    assert (
        api.post("/api/productions/book/statements", json={}, headers=ana.auth).status_code == 403
    )
    issued = api.post("/api/productions/book/statements", json={}, headers=curie.auth)
    assert issued.status_code == 200 and issued.json()["issued"] == [1]
    none_left = api.post("/api/productions/book/statements", json={}, headers=curie.auth)
    assert none_left.json()["issued"] == []
    after = issued.json()["position"]
    assert api.get(f"/api/productions/book/statements?after={after}").json()["statements"][0][
        "issued"
    ]
    read = api.get("/api/productions/book").json()
    assert read["policy"] == "decay" and read["revenue"][0]["statement_issued"]


def test_members_may_not_curate_and_may_waive_only_their_own_share(api: Api) -> None:
    ana, ben, curie = api.member("ana"), api.member("ben"), api.curator("curie")
    api.work(ana, "Story", external_id="s1")
    refused = api.post("/api/productions", json={"title": "Mine"}, headers=ana.auth)
    assert refused.status_code == 403 and refused.json()["type"].endswith(":not-curator")
    _book(api, curie, "s1")
    not_yet = api.post("/api/productions/book/revenue", json={"amount": "1.00"}, headers=curie.auth)
    assert not_yet.status_code == 409 and not_yet.json()["type"].endswith(":not-published")
    assert (
        api.post(
            "/api/productions/book/revenue", json={"amount": "1.00"}, headers=ana.auth
        ).status_code
        == 403
    )
    assert (
        api.post(
            "/api/productions/book/waivers", json={"member": "ana"}, headers=ben.auth
        ).status_code
        == 403
    )
    assert api.post("/api/productions/book/waivers", json={}, headers=ana.auth).status_code == 200
    assert api.get("/api/productions/book").json()["waived"] == [ana.member_id]
    bad_policy = api.put(
        "/api/productions/book/policy", json={"policy": "magic"}, headers=curie.auth
    )
    assert bad_policy.status_code == 422 and bad_policy.json()["type"].endswith(":unknown-policy")
    assert (
        api.post("/api/productions/book/works", json={"works": []}, headers=curie.auth).status_code
        == 422
    )
    assert api.get("/api/productions/nope").status_code == 404


def test_weights_that_cannot_pay_are_refused_as_a_problem(api: Api) -> None:
    ana, curie = api.member("ana"), api.curator("curie")
    api.work(ana, "Story", external_id="s1")
    api.work(ana, "Extra", external_id="x1")
    _book(api, curie, "s1", "x1")
    for weights in ({"s1": "0", "x1": "0"}, {"s1": "1"}, {"s1": "-1", "x1": "1"}):
        refused = api.put(
            "/api/productions/book/policy",
            json={"policy": "equal", "weights": weights},
            headers=curie.auth,
        )
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "weight" in refused.json()["detail"]
    assert api.get("/api/productions/book").json()["policy"] == "decay"  # nothing recorded


def test_a_what_if_preview_says_so_and_is_never_the_issued_statement(api: Api) -> None:
    ana, curie = api.member("ana"), api.curator("curie")
    api.work(ana, "Story", external_id="s1")
    _book(api, curie, "s1")
    assert api.post("/api/productions/book/publication", headers=curie.auth).status_code == 200
    paid = api.post(
        "/api/productions/book/revenue",
        json={"amount": "10.00", "currency": "USD"},
        headers=curie.auth,
    )
    assert paid.status_code == 200
    issued = api.post("/api/productions/book/statements", json={}, headers=curie.auth)
    after = issued.json()["position"]
    (own,) = api.get(f"/api/productions/book/statements?after={after}").json()["statements"]
    assert own["issued"] is True and own["what_if"] is False
    assert own["issued_position"] == after
    (what_if,) = api.get(f"/api/productions/book/statements?after={after}&policy=equal").json()[
        "statements"
    ]
    assert what_if["what_if"] is True and what_if["issued"] is False
    assert what_if["policy"] == "equal" and what_if["production_policy"] == "decay(r=1/2)"
    assert what_if["issued_position"] == after
