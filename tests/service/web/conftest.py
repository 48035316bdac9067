"""The pages' tests use the API's fixtures: an app on a fresh ledger, members with tokens."""

from __future__ import annotations

from tests.service.http.conftest import Api, ApiFactory, Member, api, make_api

__all__ = ["Api", "ApiFactory", "Member", "api", "make_api"]
