"""The probe's write: a title holding NUL is refused with a problem, not recorded with 201."""

from __future__ import annotations

from tests.service.http.conftest import ApiFactory


def test_a_title_holding_nul_is_refused_and_nothing_is_recorded(make_api: ApiFactory) -> None:
    api = make_api("postgres")
    ana = api.member("ana")
    head = api.services.ledger.head
    response = api.post("/api/works", json={"title": "nul\u0000title"}, headers=ana.auth)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "title holds a control character (U+0000)" in response.json()["detail"]
    assert api.services.ledger.head == head
    assert api.get("/readyz").status_code == 200
