"""Members over HTTP: registration answers a token once; roles, credit, history."""

from __future__ import annotations

from tests.service.http.conftest import Api, ApiFactory


def test_registration_answers_201_with_the_member_and_a_token_that_works(api: Api) -> None:
    response = api.post("/api/members", json={"handle": "Ana", "external_id": "m-1"})
    assert response.status_code == 201
    body = response.json()
    assert body["handle"] == "ana" and body["external_id"] == "m-1"
    assert body["token"].startswith("rlt_")
    assert response.headers["Ledger-Position"] == str(body["position"])
    assert response.headers["Location"] == f"/api/members/{body['member_id']}"
    me = {"Authorization": f"Bearer {body['token']}"}
    assert api.post("/api/works", json={"title": "Mine"}, headers=me).status_code == 201


def test_a_member_is_read_by_id_external_id_or_handle(api: Api) -> None:
    ana = api.member("ana")
    for reference in (ana.member_id, "ana", "ANA"):
        body = api.get(f"/api/members/{reference}").json()
        assert body["member_id"] == ana.member_id and body["roles"] == []
        assert "token" not in body
    assert api.get("/api/members/nobody").json()["type"].endswith(":unknown-member")


def test_a_taken_handle_is_409(api: Api) -> None:
    api.member("ana")
    response = api.post("/api/members", json={"handle": "ANA"})
    assert response.status_code == 409
    assert response.json()["type"] == "urn:remix-ledger:problem:handle-taken"


def test_closed_registration_needs_the_operator_token(make_api: ApiFactory) -> None:
    api = make_api("memory", closed_registration=True)
    assert api.post("/api/members", json={"handle": "ana"}).status_code == 401
    curie = api.curator("curie")
    refused = api.post("/api/members", json={"handle": "ana"}, headers=curie.auth)
    assert refused.status_code == 403
    assert refused.json()["type"].endswith(":registration-closed")
    allowed = api.post("/api/members", json={"handle": "ana"}, headers=api.operator())
    assert allowed.status_code == 201


def test_only_a_curator_or_the_operator_grants_roles(api: Api) -> None:
    ana, ben = api.member("ana"), api.member("ben")
    refused = api.post(f"/api/members/{ben.member_id}/roles", json={}, headers=ana.auth)
    assert refused.status_code == 403 and refused.json()["type"].endswith(":not-curator")
    granted = api.post("/api/members/ben/roles", json={"role": "curator"}, headers=api.operator())
    assert granted.status_code == 200
    assert api.get("/api/members/ben").json()["roles"] == ["curator"]
    again = api.post("/api/members/ana/roles", json={"role": "curator"}, headers=ben.auth)
    assert again.status_code == 200


def test_members_set_their_own_credit_preference_only(api: Api) -> None:
    ana, ben = api.member("ana"), api.member("ben")
    body = {"mode": "pseudonym", "pseudonym": "The Night Owl"}
    assert api.put("/api/members/ana/credit", json=body, headers=ben.auth).status_code == 403
    assert api.put("/api/members/ana/credit", json=body, headers=ana.auth).status_code == 200
    read = api.get("/api/members/ana").json()
    assert (read["credit_mode"], read["pseudonym"]) == ("pseudonym", "The Night Owl")
    missing = api.put("/api/members/ana/credit", json={"mode": "pseudonym"}, headers=ana.auth)
    assert missing.status_code == 422


def test_a_members_history_lists_their_acts_a_page_at_a_time(api: Api) -> None:
    ana = api.member("ana")
    for n in range(3):
        api.work(ana, f"Story {n}")
    head = api.services.ledger.head
    first = api.get(f"/api/members/ana/history?limit=2&after={head}").json()
    assert len(first["entries"]) == 2 and first["next_cursor"] is not None
    rest = api.get(f"/api/members/ana/history?cursor={first['next_cursor']}").json()
    positions = [e["position"] for e in first["entries"] + rest["entries"]]
    assert positions == sorted(set(positions)) and len(positions) >= 4


def test_an_external_id_that_is_another_members_handle_is_409_and_the_name_stays_theirs(
    api: Api,
) -> None:
    """Issue 21 item 3: mallory registering with external id "alice" took alice's name."""
    alice = api.member("alice")
    taken = api.post("/api/members", json={"handle": "mallory", "external_id": "alice"})
    assert taken.status_code == 409
    assert taken.json()["type"] == "urn:remix-ledger:problem:duplicate-external-id"
    assert "another member's handle" in taken.json()["detail"]
    api.member("bob-legacy")
    legacy = api.post("/api/members", json={"handle": "bo", "external_id": "Carol"})
    assert legacy.status_code == 201
    assert api.post("/api/members", json={"handle": "carol"}).status_code == 409
    operator = api.operator()
    granted = api.post("/api/members/alice/roles", json={"role": "curator"}, headers=operator)
    assert granted.status_code == 200 and granted.json()["member_id"] == alice.member_id
    assert api.get("/api/members/alice").json()["member_id"] == alice.member_id
    assert api.get("/members/alice").status_code == 200


def test_a_reference_an_older_ledger_gives_two_members_is_409_naming_both(
    make_api: ApiFactory,
) -> None:
    from tests.recorded_before import before_names_were_shared

    api = make_api("sqlite")
    alice = api.member("alice")
    with before_names_were_shared():
        mallory = api.post("/api/members", json={"handle": "mallory", "external_id": "alice"})
    assert mallory.status_code == 201
    operator = api.operator()
    for refused in (
        api.get("/api/members/alice"),
        api.get("/api/works?author=alice"),
        api.post("/api/members/alice/roles", json={"role": "curator"}, headers=operator),
    ):
        assert refused.status_code == 409, refused.text
        problem = refused.json()
        assert problem["type"] == "urn:remix-ledger:problem:ambiguous-member"
        assert alice.member_id in problem["detail"]
        assert mallory.json()["member_id"] in problem["detail"]
    assert api.get(f"/api/members/{alice.member_id}").json()["roles"] == []
    page = api.get("/members/alice")  # an error page, as for any reference it cannot follow
    assert page.status_code == 422 and alice.member_id in page.text
