"""An idempotency claim belongs to one start of a server process, not to a pid: a
server restarted with the same pid (PID 1 in a container) takes over its dead
predecessor's claims once their lease has run out."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from uuid import uuid4

import pytest

from service.http.idempotency import PostgresIdempotencyStore, SQLiteIdempotencyStore
from tests.conftest import Databases


def _abandoned_claim(path: Path, owner: str, lease_expires: float | None) -> None:
    """What a server killed mid-request leaves: a claim with no answer, and its lease."""
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO rl_idempotency (scope, key, request, owner, created)"
            " VALUES ('ana', 'k', 'req', ?, ?)",
            (owner, time.time()),
        )
        if lease_expires is not None:
            db.execute(
                "INSERT INTO rl_idempotency_owners (owner, expires) VALUES (?, ?)",
                (owner, lease_expires),
            )


def test_a_claim_of_an_earlier_start_with_the_same_pid_is_free_once_its_lease_ran_out(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ledger.db"
    store = SQLiteIdempotencyStore(str(path), ttl_seconds=3600)
    try:
        earlier_start = f"{os.getpid()}-{uuid4().hex}"  # same pid, another start
        _abandoned_claim(path, earlier_start, lease_expires=time.time() - 1)
        assert store.claim("ana", "k", "req").outcome == "new"
    finally:
        store.close()


def test_a_live_owner_with_the_same_pid_still_holds_its_claim_until_its_lease_runs_out(
    tmp_path: Path,
) -> None:
    path = str(tmp_path / "ledger.db")
    owner = SQLiteIdempotencyStore(path, ttl_seconds=3600, lease_seconds=0.6)
    retry = SQLiteIdempotencyStore(path, ttl_seconds=3600, lease_seconds=0.6)
    try:
        assert owner.claim("ana", "k", "req").outcome == "new"
        time.sleep(1.0)  # longer than the lease: the owner renews it while it lives
        assert retry.claim("ana", "k", "req").outcome == "running"
        owner._stop_renewing.set()  # the owner hangs or dies: it renews no more
        owner._renewer.join()
        deadline = time.monotonic() + 10
        while (outcome := retry.claim("ana", "k", "req").outcome) == "running":
            assert time.monotonic() < deadline, "the claim stayed taken after its lease ran out"
            time.sleep(0.1)
        assert outcome == "new"
    finally:
        retry.close()
        owner.close()


def test_a_claim_from_before_leases_with_a_live_pid_is_free(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    store = SQLiteIdempotencyStore(str(path), ttl_seconds=3600)
    try:
        _abandoned_claim(path, f"{os.getpid()}-{uuid4().hex}", lease_expires=None)
        assert store.claim("ana", "k", "req").outcome == "new"
    finally:
        store.close()


@pytest.mark.postgres
def test_on_postgresql_a_claim_of_an_earlier_start_with_the_same_pid_is_free(
    databases: Databases,
) -> None:
    from ledger.adapters.settings import resolve_db_setting

    env = resolve_db_setting(databases.url("postgres")).env
    store = PostgresIdempotencyStore(env, ttl_seconds=3600)
    try:
        earlier_start = f"{os.getpid()}-{uuid4().hex}"
        connection = store._connection()
        connection.execute(
            f"INSERT INTO {store._table()} (scope, key, request, owner, created)"
            " VALUES ('ana', 'k', 'req', %s, %s)",
            (earlier_start, time.time()),
        )
        assert store.claim("ana", "k", "req").outcome == "new"
        assert store.claim("ana", "k", "req").outcome == "running"  # its own, live claim
    finally:
        store.close()
