"""The API keeps the live rule: no remix or citation dated before its source (issue 20)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from tests.service.http.conftest import Api


def test_a_remix_or_citation_dated_before_its_source_is_refused_with_a_problem(api: Api) -> None:
    """A source dated a little ahead (clock skew allows 5 minutes) is younger than "now"."""
    ana, ben = api.member("ana"), api.member("ben")
    api.services.ledger.contribute(
        authors=[UUID(ana.member_id)],
        title="Soon",
        external_id="soon",
        occurred_at=datetime.now(UTC) + timedelta(minutes=4),
    )
    remix = api.post(
        "/api/works", json={"title": "Early", "sources": [{"work": "soon"}]}, headers=ben.auth
    )
    assert remix.status_code == 422, remix.text
    assert remix.headers["content-type"] == "application/problem+json"
    assert "before its source 'Soon' was contributed" in remix.json()["detail"]
    api.work(ben, "Mine", external_id="mine")
    cite = api.post("/api/works/mine/sources", json={"work": "soon"}, headers=ben.auth)
    assert cite.status_code == 422, cite.text
    assert "before its source 'Soon' was contributed" in cite.json()["detail"]
