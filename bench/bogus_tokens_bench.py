"""Made-up tokens do not slow the writes (issue 21, item 5): a real ``serve`` on SQLite.

    .venv/bin/python -m bench.bogus_tokens_bench                  # 200 000 bogus, 5 s votes
    .venv/bin/python -m bench.bogus_tokens_bench --bogus 50000 --seconds 3

1. the vote rate of the fresh server: ``PUT /api/works/{work}/vote`` with real
   members' tokens (the vote benchmark's ledger, ``bench.http_bench``), 16
   keep-alive connections;
2. ``--bogus`` writes, each with a new random token, over 32 keep-alive
   connections (at most 60 s): the server answers 401 until the address's failure
   bucket is empty, then 429 without reading the store;
3. the vote rate again. PASS when it is within 10% of the fresh server's.

The client is a minimal HTTP/1.1 one over asyncio streams (no wrk here, and
httpx's per-request cost would be the bottleneck of step 2). Always exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import secrets
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

from bench.http_bench import build_ledger, free_port, serve_command, start, stop

FLOOD_CONNECTIONS = 32
VOTE_CONNECTIONS = 16
FLOOD_SECONDS_AT_MOST = 60.0


async def _request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes) -> int:
    writer.write(raw)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


def _put(path: str, token: str, body: bytes) -> bytes:
    return (
        f"PUT {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def _load(
    port: int,
    connections: int,
    numbers: Iterator[int],
    until: float,
    make: Callable[[int], bytes],
) -> Counter[int]:
    """Send ``make(n)`` for each n of ``numbers`` until ``until``; count the statuses."""
    statuses: Counter[int] = Counter()

    async def one_connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.monotonic() < until:
                n = next(numbers, None)
                if n is None:
                    return
                status = await _request(reader, writer, make(n))
                statuses[status] += 1
        finally:
            writer.close()

    await asyncio.gather(*(one_connection() for _ in range(connections)))
    return statuses


def vote_rate(port: int, tokens: list[str], works: list[str], seconds: float) -> float:
    pairs = [(t, w) for t in tokens for w in works[:5]]

    def make(n: int) -> bytes:
        token, work = pairs[n % len(pairs)]
        value = 1 if (n // len(pairs)) % 2 == 0 else -1
        return _put(f"/api/works/{work}/vote", token, f'{{"value": {value}}}'.encode())

    started = time.monotonic()
    statuses = asyncio.run(
        _load(port, VOTE_CONNECTIONS, itertools.count(), started + seconds, make)
    )
    elapsed = time.monotonic() - started
    ok = sum(count for status, count in statuses.items() if status < 300)
    if ok != sum(statuses.values()):
        print(f"  vote statuses: {dict(statuses)}")
    return ok / elapsed


def flood(port: int, work: str, count: int) -> tuple[Counter[int], float]:
    def make(_: int) -> bytes:
        return _put(f"/api/works/{work}/vote", "rlt_" + secrets.token_urlsafe(32), b'{"value": 1}')

    started = time.monotonic()
    statuses = asyncio.run(
        _load(port, FLOOD_CONNECTIONS, iter(range(count)), started + FLOOD_SECONDS_AT_MOST, make)
    )
    return statuses, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bogus", type=int, default=200_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "ledger.db"
        tokens, works, _ = build_ledger(db)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = start(serve_command(db, port), url, Path(folder) / "serve.log", "/readyz")
        try:
            vote_rate(port, tokens, works, 1.0)  # warm up
            fresh = vote_rate(port, tokens, works, args.seconds)
            print(f"fresh server: {fresh:8.0f} votes/s")
            statuses, elapsed = flood(port, works[0], args.bogus)
            sent = sum(statuses.values())
            print(
                f"bogus tokens: {sent} requests in {elapsed:.1f} s"
                f" ({sent / elapsed:.0f}/s): {dict(sorted(statuses.items()))}"
            )
            time.sleep(1.5)  # the address's failure bucket refills (its votes carry tokens)
            after = vote_rate(port, tokens, works, args.seconds)
            ratio = after / fresh
            verdict = "PASS" if ratio >= 0.9 else "FAIL"
            print(f"after bogus:  {after:8.0f} votes/s ({ratio:.0%} of fresh) {verdict}")
        finally:
            stop(server)


if __name__ == "__main__":
    main()
