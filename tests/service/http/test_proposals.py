"""Community Payment Proposals over HTTP: the whole cycle, each refusal as problem+json,
ETags and idempotency keys on writes, pages of proposals, and members' notifications."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from projections.notification_projection import ProposalEvent, apply_proposal_events
from service.http.notification_store import mail_database_of
from tests.service.http.conftest import Api, Member

PROBLEM = "application/problem+json"


def _paid_book(api: Api) -> tuple[Member, Member, Member, Member]:
    """ann's story, bo's drawing of it, a published book of the drawing, 100 USD paid."""
    ann, bo, cy, curie = api.member("ann"), api.member("bo"), api.member("cy"), api.curator("curie")
    api.work(ann, "Story", external_id="s1")
    api.work(bo, "Drawing", external_id="d1", sources=[{"work": "s1", "relation": "illustration"}])
    created = api.post(
        "/api/productions", json={"title": "Book", "external_id": "book"}, headers=curie.auth
    )
    assert created.status_code == 201, created.text
    for path, body in (("works", {"works": ["d1"]}), ("publication", None)):
        done = api.post(f"/api/productions/book/{path}", json=body, headers=curie.auth)
        assert done.status_code == 200, done.text
    paid = api.post(
        "/api/productions/book/revenue",
        json={"amount": "100.00", "currency": "USD"},
        headers=curie.auth,
    )
    assert paid.status_code == 200, paid.text
    return ann, bo, cy, curie


def _draft(api: Api, curie: Member) -> str:
    drafted = api.post("/api/productions/book/proposals", json={"revenue": 1}, headers=curie.auth)
    assert drafted.status_code == 201, drafted.text
    assert drafted.headers["Location"] == f"/api/proposals/{drafted.json()['proposal_id']}"
    return str(drafted.json()["proposal_id"])


def _problem(response: Any, status: int, kind: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["type"] == f"urn:remix-ledger:problem:{kind}", response.json()


def _backdate_opening(api: Api, proposal_id: str, days: int = 20) -> None:
    """Open the window ``days`` ago, through the ledger (the API records the present)."""
    api.services.ledger.open_proposal(
        UUID(proposal_id),
        window_days=14,
        occurred_at=datetime.now(UTC) - timedelta(days=days),
    )


def _project_notifications(api: Api) -> None:
    """What the server's projector does: the log's Proposal events into the read model."""
    ledger = api.services.ledger
    found = ledger.recorder.select_notifications(1, 100_000)
    events = []
    for notification in found:
        if ":Proposal." not in notification.topic:
            continue
        event = ledger.mapper.to_domain_event(notification)
        name = notification.topic.rpartition(".")[2]
        payload = {k: v for k, v in vars(event).items() if not k.startswith("originator")}
        events.append(ProposalEvent(notification.id, name, event.originator_id, payload))
    apply_proposal_events(
        mail_database_of(api.client.app.state), events, through=found[-1].id, mail=False
    )


def test_a_proposal_goes_from_draft_to_final_over_http_with_every_step_readable(api: Api) -> None:
    ann, bo, cy, curie = _paid_book(api)
    proposal = _draft(api, curie)
    shown = api.get(f"/api/proposals/{proposal}").json()
    assert shown["state"] == "draft" and shown["version"] == 1
    assert {line["member_id"] for line in shown["lines"]} == {ann.member_id, bo.member_id}
    assert sum(line["amount_minor"] for line in shown["lines"]) == shown["pool_minor"]
    assert all(line["explanation"] for line in shown["lines"])

    credit = api.post(
        f"/api/proposals/{proposal}/revisions",
        json={
            "kind": "role_credit",
            "role": "Editors",
            "percent": "10",
            "members": ["cy"],
            "reason": "cy edited the book",
        },
        headers=curie.auth,
    )
    assert credit.status_code == 200, credit.text
    assert credit.json()["version"] == 2
    recompute = api.post(
        f"/api/proposals/{proposal}/revisions",
        json={"kind": "recompute", "reason": "pick up new citations"},
        headers=curie.auth,
    )
    assert recompute.status_code == 200, recompute.text

    opened = api.post(
        f"/api/proposals/{proposal}/opening", json={"window_days": 14}, headers=curie.auth
    )
    assert opened.status_code == 200 and opened.json()["state"] == "open"
    early = api.post(f"/api/proposals/{proposal}/finalization", headers=curie.auth)
    _problem(early, 409, "window-not-closed")
    api.post(
        f"/api/proposals/{proposal}/cancellation", json={"reason": "start over"}, headers=curie.auth
    )

    # The next attempt for the same payment, its window opened three weeks ago.
    second = _draft(api, curie)
    assert second != proposal
    api.post(
        f"/api/proposals/{second}/revisions",
        json={
            "kind": "role_credit",
            "role": "Editors",
            "percent": "10",
            "members": ["cy"],
            "reason": "cy edited the book",
        },
        headers=curie.auth,
    )
    _backdate_opening(api, second)
    said = api.post(
        f"/api/proposals/{second}/comments", json={"text": "Thanks all"}, headers=cy.auth
    )
    assert said.status_code == 200, said.text
    objected = api.post(
        f"/api/proposals/{second}/objections",
        json={"kind": "too_little", "text": "I drew most of it", "line": "bo"},
        headers=bo.auth,
    )
    assert objected.status_code == 200, objected.text
    objection = objected.json()["objection_id"]
    _problem(
        api.post(f"/api/proposals/{second}/finalization", headers=curie.auth),
        409,
        "unanswered-objection",
    )
    answered = api.post(
        f"/api/proposals/{second}/objections/{objection}/answer",
        json={"decision": "declined", "reason": "the policy weighs the story first"},
        headers=curie.auth,
    )
    assert answered.status_code == 200, answered.text
    final = api.post(f"/api/proposals/{second}/finalization", headers=curie.auth)
    assert final.status_code == 200 and final.json()["state"] == "final", final.text

    shown = api.get(f"/api/proposals/{second}").json()
    assert shown["final_version"] == 2 and shown["statement_position"] is not None
    assert [v["kind"] for v in shown["versions"]] == ["draft", "role_credit"]
    assert shown["versions"][1]["reason"] == "cy edited the book"
    assert shown["objections"][0]["answer"]["decision"] == "declined"
    assert shown["comments"][0]["text"] == "Thanks all"
    first_version = api.get(f"/api/proposals/{second}?version=1").json()
    assert {line["member_id"] for line in first_version["lines"]} == {ann.member_id, bo.member_id}
    assert api.get("/api/productions/book").json()["revenue"][0]["statement_issued"]

    listed = api.get("/api/productions/book/proposals").json()["proposals"]
    assert [(p["proposal_id"], p["state"]) for p in listed] == [
        (proposal, "cancelled"),
        (second, "final"),
    ]


def test_every_refusal_of_the_cycle_is_problem_json(api: Api) -> None:
    ann, _bo, cy, curie = _paid_book(api)
    _problem(
        api.post("/api/productions/book/proposals", json={"revenue": 1}, headers=ann.auth),
        403,
        "not-curator",
    )
    _problem(
        api.post("/api/productions/book/proposals", json={}, headers=curie.auth),
        422,
        "invalid-value",
    )
    _problem(
        api.post("/api/productions/book/proposals", json={"revenue": 9}, headers=curie.auth),
        422,
        "invalid-value",
    )
    _problem(api.post("/api/productions/book/proposals", json={"revenue": 1}), 401, "invalid-token")
    proposal = _draft(api, curie)
    _problem(
        api.post("/api/productions/book/proposals", json={"revenue": 1}, headers=curie.auth),
        409,
        "proposal-state",
    )
    _problem(api.get(f"/api/proposals/{UUID(int=7)}"), 404, "unknown-proposal")
    _problem(api.get("/api/proposals/not-an-id"), 404, "unknown-proposal")
    _problem(api.get(f"/api/proposals/{proposal}?version=5"), 422, "invalid-value")
    revise = f"/api/proposals/{proposal}/revisions"
    _problem(
        api.post(
            revise,
            json={"kind": "override", "member": "ann", "percent": "10", "reason": "x"},
            headers=ann.auth,
        ),
        403,
        "not-curator",
    )
    _problem(
        api.post(revise, json={"kind": "override", "reason": "x"}, headers=curie.auth),
        422,
        "invalid-value",
    )
    _problem(
        api.post(
            revise,
            json={"kind": "override", "member": "ann", "percent": "10", "reason": " "},
            headers=curie.auth,
        ),
        422,
        "text-too-long",
    )
    _problem(
        api.post(
            revise,
            json={"kind": "return_share", "member": "nobody", "reason": "x"},
            headers=curie.auth,
        ),
        404,
        "unknown-member",
    )
    _problem(
        api.post(
            revise,
            json={
                "kind": "role_credit",
                "role": "Eds",
                "percent": "100",
                "members": ["cy"],
                "reason": "x",
            },
            headers=curie.auth,
        ),
        422,
        "invalid-value",
    )
    _problem(
        api.post(revise, json={"kind": "other", "reason": "x"}, headers=curie.auth),
        422,
        "validation",
    )
    _problem(
        api.post(f"/api/proposals/{proposal}/comments", json={"text": "hi"}, headers=ann.auth),
        409,
        "proposal-state",
    )
    _problem(
        api.post(
            f"/api/proposals/{proposal}/opening", json={"window_days": 13}, headers=curie.auth
        ),
        422,
        "invalid-value",
    )
    _problem(
        api.post(f"/api/proposals/{proposal}/finalization", headers=curie.auth),
        409,
        "proposal-state",
    )
    assert (
        api.post(f"/api/proposals/{proposal}/opening", json={}, headers=curie.auth).status_code
        == 200
    )
    _problem(
        api.post(f"/api/proposals/{proposal}/opening", json={}, headers=curie.auth),
        409,
        "proposal-state",
    )
    _problem(
        api.post(
            f"/api/proposals/{proposal}/objections",
            json={"kind": "too_little", "text": "more"},
            headers=cy.auth,
        ),
        403,
        "permission-denied",
    )
    left_out = api.post(
        f"/api/proposals/{proposal}/objections",
        json={"kind": "left_out", "text": "I proofread"},
        headers=cy.auth,
    )
    assert left_out.status_code == 200
    answer = f"/api/proposals/{proposal}/objections/{left_out.json()['objection_id']}/answer"
    _problem(
        api.post(answer, json={"decision": "accepted", "reason": "yes"}, headers=cy.auth),
        403,
        "not-curator",
    )
    _problem(
        api.post(
            f"/api/proposals/{proposal}/objections/99/answer",
            json={"decision": "accepted", "reason": "yes"},
            headers=curie.auth,
        ),
        422,
        "invalid-value",
    )
    assert (
        api.post(
            answer, json={"decision": "accepted", "reason": "yes"}, headers=curie.auth
        ).status_code
        == 200
    )
    _problem(
        api.post(answer, json={"decision": "accepted", "reason": "again"}, headers=curie.auth),
        409,
        "proposal-state",
    )
    _problem(
        api.post(
            f"/api/proposals/{proposal}/cancellation", json={"reason": ""}, headers=curie.auth
        ),
        422,
        "validation",
    )
    _problem(
        api.post(
            "/api/productions/book/statements", json={"revenue_number": 1}, headers=curie.auth
        ),
        409,
        "proposal-state",
    )
    _problem(api.get("/api/proposals?cursor=bogus"), 422, "invalid-cursor")


def test_writes_answer_the_proposals_etag_and_a_stale_if_match_records_nothing(api: Api) -> None:
    _, _, _, curie = _paid_book(api)
    proposal = _draft(api, curie)
    read = api.get(f"/api/proposals/{proposal}")
    etag = read.headers["ETag"]
    assert api.get(f"/api/proposals/{proposal}", headers={"If-None-Match": etag}).status_code == 304
    body = {"kind": "override", "member": "ann", "percent": "60", "reason": "ann wrote it all"}
    revised = api.post(
        f"/api/proposals/{proposal}/revisions", json=body, headers={**curie.auth, "If-Match": etag}
    )
    assert revised.status_code == 200 and revised.headers["ETag"] != etag
    stale = api.post(
        f"/api/proposals/{proposal}/revisions", json=body, headers={**curie.auth, "If-Match": etag}
    )
    _problem(stale, 412, "precondition-failed")
    assert api.get(f"/api/proposals/{proposal}").json()["latest_version"] == 2


def test_a_retried_write_with_its_idempotency_key_happens_once(api: Api) -> None:
    _, _, _, curie = _paid_book(api)
    proposal = _draft(api, curie)
    headers = {**curie.auth, "Idempotency-Key": "revise-1"}
    body = {"kind": "return_share", "member": "bo", "reason": "bo asked"}
    first = api.post(f"/api/proposals/{proposal}/revisions", json=body, headers=headers)
    again = api.post(f"/api/proposals/{proposal}/revisions", json=body, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert api.get(f"/api/proposals/{proposal}").json()["latest_version"] == 2


def test_every_proposal_is_listed_a_page_at_a_time(api: Api) -> None:
    _, _, _, curie = _paid_book(api)
    for _ in range(3):
        proposal = _draft(api, curie)
        api.post(
            f"/api/proposals/{proposal}/cancellation", json={"reason": "again"}, headers=curie.auth
        )
    seen: list[str] = []
    page = api.get("/api/proposals?limit=2").json()
    seen += [p["proposal_id"] for p in page["proposals"]]
    while page["next"] is not None:
        page = api.get(f"/api/proposals?limit=2&cursor={page['next']}").json()
        seen += [p["proposal_id"] for p in page["proposals"]]
    listed = api.get("/api/productions/book/proposals?limit=1").json()
    assert len(seen) == len(set(seen)) == 3 and listed["next"] is not None
    rest = api.get(f"/api/productions/book/proposals?limit=5&cursor={listed['next']}").json()
    assert [p["proposal_id"] for p in listed["proposals"] + rest["proposals"]] == seen


def test_a_member_reads_their_notifications_newest_first_and_marks_them_read(api: Api) -> None:
    ann, bo, cy, curie = _paid_book(api)
    proposal = _draft(api, curie)
    _backdate_opening(api, proposal)
    objected = api.post(
        f"/api/proposals/{proposal}/objections",
        json={"kind": "too_much", "text": "give some to ann"},
        headers=bo.auth,
    )
    api.post(
        f"/api/proposals/{proposal}/objections/{objected.json()['objection_id']}/answer",
        json={"decision": "accepted", "reason": "done"},
        headers=curie.auth,
    )
    assert (
        api.post(f"/api/proposals/{proposal}/finalization", headers=curie.auth).status_code == 200
    )
    _project_notifications(api)

    mine = api.get("/api/notifications", headers=bo.auth).json()
    assert [n["kind"] for n in mine["notifications"]] == ["finalized", "answered", "opened"]
    assert mine["unread"] == 3
    assert [
        n["kind"] for n in api.get("/api/notifications", headers=cy.auth).json()["notifications"]
    ] == []
    newest = mine["notifications"][0]["notification_id"]
    marked = api.post(
        "/api/notifications/read", json={"notifications": [newest]}, headers=bo.auth
    ).json()
    assert marked["unread"] == 2 and marked["notifications"][0]["read_at"] is not None
    unread = api.get("/api/notifications?unread=true", headers=bo.auth).json()["notifications"]
    assert newest not in [n["notification_id"] for n in unread] and len(unread) == 2
    _problem(
        api.post("/api/notifications/read", json={"notifications": [newest]}, headers=ann.auth),
        404,
        "unknown-notification",
    )
    _problem(api.get("/api/notifications"), 401, "invalid-token")
    _problem(api.get("/api/notifications", headers=api.operator()), 403, "permission-denied")
