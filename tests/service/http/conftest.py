"""An API on a fresh ledger (TestClient, in this process), and members with tokens."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from ledger.application.operations import register_curator
from ledger.application.tokens import issue_token
from service.http import ServerSettings, create_app
from tests.conftest import Databases

with warnings.catch_warnings():
    # starlette's test client asks for httpx2; httpx (a test dependency) still works.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@dataclass
class Member:
    member_id: str
    handle: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Api:
    """A client of one app, with helpers to make members and works."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.stopped = False
        self.services = client.app.state.services  # type: ignore[attr-defined]

    def stop(self) -> None:
        """Stop the server (its lifespan ends: everything it opened is closed)."""
        self.client.__exit__(None, None, None)
        self.stopped = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    def member(self, handle: str) -> Member:
        response = self.client.post("/api/members", json={"handle": handle})
        assert response.status_code == 201, response.text
        body = response.json()
        return Member(body["member_id"], handle, body["token"])

    def curator(self, handle: str) -> Member:
        ledger = self.services.ledger
        member_id = register_curator(ledger, handle=handle).id
        token = issue_token(ledger, member_id).secret
        return Member(str(member_id), handle, token)

    def operator(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(self.services.ledger, None).secret}"}

    def work(self, author: Member, title: str = "A story", **fields: Any) -> dict[str, Any]:
        response = self.client.post(
            "/api/works", json={"title": title, **fields}, headers=author.auth
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body


ApiFactory = Callable[..., Api]


@pytest.fixture
def make_api(databases: Databases) -> Iterator[ApiFactory]:
    """Open an API on a database URL (or a fresh one of a backend); closed at the end."""
    apis: list[Api] = []

    def make(backend_or_url: str = "memory", **settings: Any) -> Api:
        url = (
            databases.url(backend_or_url)
            if backend_or_url in ("memory", "sqlite", "postgres")
            else backend_or_url
        )
        client = TestClient(create_app(ServerSettings(db=url, **settings)))
        client.__enter__()
        apis.append(Api(client))
        return apis[-1]

    yield make
    for api in reversed(apis):
        if not api.stopped:
            api.stop()


@pytest.fixture
def api(make_api: ApiFactory) -> Api:
    return make_api("memory")
