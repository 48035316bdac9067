"""The rate limiters stay bounded whatever the traffic, and failed authentications
are throttled by client address."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any
from uuid import uuid4

from service.http.auth_throttle import FAILURE_BURST
from service.http.ratelimit import RateLimiter
from tests.service.http.conftest import Api


class _CountingBuckets(OrderedDict[Any, Any]):
    """Buckets that count every walk over them (a take must never walk them)."""

    walks = 0

    def __iter__(self) -> Any:
        type(self).walks += 1
        return super().__iter__()

    def items(self) -> Any:
        type(self).walks += 1
        return super().items()

    def values(self) -> Any:
        type(self).walks += 1
        return super().values()


def test_made_up_keys_never_grow_the_limiter_past_its_cap_nor_make_a_take_walk_the_buckets() -> (
    None
):
    limiter = RateLimiter(20.0, 100, max_buckets=1_000)
    limiter._buckets = _CountingBuckets()
    for _ in range(60_000):
        limiter.take(uuid4())
        limiter.take(uuid4())  # twice each: the old limiter kept buckets used twice
    assert len(limiter) == 1_000
    assert _CountingBuckets.walks == 0


def test_the_limiter_forgets_the_key_unused_longest_and_keeps_an_active_one() -> None:
    limiter = RateLimiter(0.001, 2, max_buckets=10)
    active = uuid4()
    assert limiter.take(active) == 0.0
    assert limiter.take(active) == 0.0
    for _ in range(100):
        limiter.take(uuid4())
        assert limiter.wait(active) > 0  # still drained: it was used recently
        limiter.take(active)
    assert limiter.take(active) > 0


def test_an_address_that_keeps_sending_made_up_tokens_is_refused_before_any_route_runs(
    api: Api,
) -> None:
    ana = api.member("ana")
    api.work(ana, "Before")
    statuses = [
        api.post(
            "/api/works", json={"title": "T"}, headers={"Authorization": f"Bearer rlt_{n}"}
        ).status_code
        for n in range(FAILURE_BURST + 5)
    ]
    assert statuses[:FAILURE_BURST] == [401] * FAILURE_BURST
    assert set(statuses[FAILURE_BURST:]) == {429}
    refused = api.get("/api/members/ana", headers={"Authorization": "Bearer rlt_guess"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["type"].endswith(":rate-limited")
    # Reads without a token, and a token this server has seen work, still go.
    assert api.get("/api/members/ana").status_code == 200
    assert api.post("/api/works", json={"title": "Mine"}, headers=ana.auth).status_code == 201
