"""Works, votes and comments over HTTP, with their authorisation rules."""

from __future__ import annotations

from tests.service.http.conftest import Api


def test_a_work_with_sources_is_a_remix_and_answers_its_ids_and_position(api: Api) -> None:
    ana, ben = api.member("ana"), api.member("ben")
    story = api.work(ana, "Story", external_id="rec-1", body="Once.")
    assert story["external_id"] == "rec-1" and story["position"] > 0
    remix = api.post(
        "/api/works",
        json={
            "title": "Drawing",
            "kind": "image",
            "sources": [{"work": "rec-1", "relation": "illustration", "royalty_percent": "10"}],
        },
        headers=ben.auth,
    )
    assert remix.status_code == 201
    read = api.get(f"/api/works/{remix.json()['work_id']}").json()
    assert read["kind"] == "image" and read["authors"][0]["handle"] == "ben"
    assert read["sources"] == [
        {
            "work_id": story["work_id"],
            "external_id": "rec-1",
            "title": "Story",
            "relation": "illustration",
            "royalty_percent": "10",
        }
    ]
    assert api.get("/api/works/rec-1").json()["body"] == "Once."


def test_bad_work_bodies_are_refused_with_the_field_named(api: Api) -> None:
    ana = api.member("ana")
    cases = [
        ({"title": ""}, "body.title"),
        ({"title": "x" * 201}, "body.title"),
        ({"title": "x", "kind": "poem"}, "body.kind"),
        ({"title": "x", "author": "ben"}, "body.author"),
        ({"title": "x", "sources": [{"work": "a"}] * 33}, "body.sources"),
        ({"title": "x", "sources": [{"work": "a", "royalty_percent": "1e3"}]}, "royalty_percent"),
    ]
    for body, where in cases:
        response = api.post("/api/works", json=body, headers=ana.auth)
        assert response.status_code == 422, body
        assert response.headers["content-type"] == "application/problem+json"
        assert where in response.json()["detail"]
    unknown = api.post(
        "/api/works", json={"title": "x", "sources": [{"work": "nope"}]}, headers=ana.auth
    )
    assert unknown.status_code == 404 and unknown.json()["type"].endswith(":unknown-work")


def test_the_operator_cannot_author_a_work(api: Api) -> None:
    response = api.post("/api/works", json={"title": "x"}, headers=api.operator())
    assert response.status_code == 403


def test_only_an_author_cites_or_retracts_and_a_cycle_is_409(api: Api) -> None:
    ana, ben = api.member("ana"), api.member("ben")
    api.work(ana, "Root", external_id="root")
    api.work(ben, "Child", external_id="child", sources=[{"work": "root"}])
    api.work(ben, "Other", external_id="other")
    cite = {"work": "other", "relation": "inspiration"}
    assert api.post("/api/works/child/sources", json=cite, headers=ana.auth).status_code == 403
    assert api.post("/api/works/child/sources", json=cite, headers=ben.auth).status_code == 200
    cycle = api.post("/api/works/root/sources", json={"work": "child"}, headers=ana.auth)
    assert cycle.status_code == 409 and cycle.json()["type"].endswith(":cycle")
    refused = api.post("/api/works/root/retraction", json={}, headers=ben.auth)
    assert refused.status_code == 403 and refused.json()["type"].endswith(":not-author")
    done = api.post("/api/works/root/retraction", json={"reason": "dup"}, headers=ana.auth)
    assert done.status_code == 200 and api.get("/api/works/root").json()["retracted"]
    again = api.post("/api/works/root/retraction", json={}, headers=ana.auth)
    assert again.status_code == 409 and again.json()["type"].endswith(":retracted")


def test_listing_filters_by_kind_author_and_title_with_a_cursor(api: Api) -> None:
    ana, ben = api.member("ana"), api.member("ben")
    for n in range(5):
        api.work(ana, f"Owl {n}", kind="image")
    api.work(ben, "Owl by Ben")
    last = api.work(ben, "Lighthouse")
    page = api.get(f"/api/works?limit=3&after={last['position']}").json()
    assert [w["title"] for w in page["works"]] == ["Lighthouse", "Owl by Ben", "Owl 4"]
    rest = api.get(f"/api/works?limit=10&cursor={page['next_cursor']}").json()
    assert [w["title"] for w in rest["works"]] == [f"Owl {n}" for n in range(3, -1, -1)]
    assert rest["next_cursor"] is None
    assert len(api.get("/api/works?kind=image").json()["works"]) == 5
    assert [w["title"] for w in api.get("/api/works?author=ben&q=OWL").json()["works"]] == [
        "Owl by Ben"
    ]
    assert api.get("/api/works?limit=101").status_code == 422
    bad = api.get("/api/works?cursor=bm90LWEtY3Vyc29y")
    assert bad.status_code == 422 and bad.json()["type"].endswith(":invalid-cursor")


def test_votes_are_cast_changed_and_withdrawn_once_per_member(api: Api) -> None:
    ana, ben = api.member("ana"), api.member("ben")
    api.work(ana, "Story", external_id="s")
    assert api.put("/api/works/s/vote", json={"value": 1}, headers=ana.auth).status_code == 403
    first = api.put("/api/works/s/vote", json={"value": 1}, headers=ben.auth).json()
    same = api.put("/api/works/s/vote", json={"value": 1}, headers=ben.auth).json()
    assert same["vote_id"] == first["vote_id"] and same["position"] >= first["position"]
    changed = api.put("/api/works/s/vote", json={"value": -1}, headers=ben.auth).json()
    ranked = api.get(f"/api/rankings?after={changed['position']}").json()["works"]
    assert (ranked[0]["up"], ranked[0]["down"]) == (0, 1)
    withdrawn = api.delete("/api/works/s/vote", headers=ben.auth)
    assert withdrawn.status_code == 200 and withdrawn.json()["value"] == 0
    ranked = api.get(f"/api/rankings?after={withdrawn.json()['position']}").json()["works"]
    assert (ranked[0]["up"], ranked[0]["down"]) == (0, 0)
    for bad in ({"value": 2}, {"value": "1"}, {"value": 1.0, "x": 1}, {}):
        assert api.put("/api/works/s/vote", json=bad, headers=ben.auth).status_code == 422


def test_comments_are_written_and_retracted_by_their_author_only(api: Api) -> None:
    ana, ben = api.member("ana"), api.member("ben")
    api.work(ana, "Story", external_id="s")
    written = api.post(
        "/api/works/s/comments", json={"text": "Lovely", "external_id": "c-1"}, headers=ben.auth
    )
    assert written.status_code == 201 and written.json()["external_id"] == "c-1"
    assert api.delete("/api/comments/c-1", headers=ana.auth).status_code == 403
    assert api.delete("/api/comments/c-1", headers=ben.auth).status_code == 200
    assert api.delete("/api/comments/nope", headers=ben.auth).status_code == 404
    too_long = api.post("/api/works/s/comments", json={"text": "x" * 10_001}, headers=ben.auth)
    assert too_long.status_code == 422
