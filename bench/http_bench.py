"""HTTP benchmark: ``remix-ledger serve`` on SQLite against a bare FastAPI endpoint.

    .venv/bin/python -m bench.http_bench                 # 10 s per run, 2 rounds
    .venv/bin/python -m bench.http_bench --seconds 20 --rounds 3
    .venv/bin/python -m bench.http_bench --memory        # also: RSS on the 1M-work ledger

The load comes from wrk (Debian package ``wrk``) on loopback, in its own process,
16 connections over 2 threads. In the same run, interleaved round by round:

1. **bare**: a FastAPI app with one ``PUT /api/works/{work}/vote`` that validates
   the same body model (``VoteCast``) and writes nothing, under uvicorn with the
   same settings as ``serve``: the ceiling of this stack on this machine;
2. **votes**: ``PUT /api/works/{work}/vote`` on the real server, each request a
   member's bearer token (200 members, 50 works, round-robin) flipping that
   member's vote, so every request records an event (one SQLite transaction);
3. **credits**: ``GET /api/works/{work}/credits`` of a work with 100 ancestors
   (a chain), answered from the server's lineage graph.

Targets (issue 14): votes >= 50% of bare's rate with p99 < 50 ms; credits >= 50%
of bare's rate; with ``--memory``, the server's resident memory on the 1M-work
bench ledger (a copy of ``bench/.data/lineage-v2-1000000-10000.db``, never the
original) under 1.5 GiB. Prints PASS/FAIL per target; always exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import FastAPI

from service.http.schemas import VoteCast, VoteWritten

ROOT = Path(__file__).resolve().parents[1]
CONNECTIONS = 16
THREADS = 2
MEMBERS = 200
WORKS = 50
ANCESTORS = 100
MEMORY_LEDGER = ROOT / "bench" / ".data" / "lineage-v2-1000000-10000.db"


@dataclass
class Run:
    name: str
    rate: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


# ---------------------------------------------------------------- the bare app


def bare_app() -> FastAPI:
    """The baseline: validate the vote body as the API does, write nothing."""
    app = FastAPI()

    @app.put("/api/works/{work}/vote", response_model=VoteWritten)
    def vote(work: str, body: VoteCast) -> VoteWritten:
        return VoteWritten(vote_id=work, value=body.value, position=0)

    return app


# ---------------------------------------------------------------- set-up


def build_ledger(path: Path) -> tuple[list[str], list[str], str]:
    """Members with tokens, works to vote on, and the end of a 100-ancestor chain."""
    from ledger import Citation, Relation, open_ledger
    from ledger.application.tokens import issue_token

    ledger = open_ledger(str(path))
    try:
        author = ledger.register_member(handle="author").id
        works = [
            str(ledger.contribute(authors=[author], title=f"Work {n}").id) for n in range(WORKS)
        ]
        chain = ledger.contribute(authors=[author], title="Chain 0").id
        for n in range(1, ANCESTORS + 1):
            member = ledger.register_member(handle=f"chain-{n}").id
            chain = ledger.remix(
                authors=[member],
                title=f"Chain {n}",
                sources=[Citation(chain, Relation.REMIX)],
            ).id
        tokens = []
        for n in range(MEMBERS):
            member = ledger.register_member(handle=f"voter-{n}").id
            tokens.append(issue_token(ledger, member).secret)
        return tokens, works, str(chain)
    finally:
        ledger.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(
    command: list[str], url: str, log: Path, ready: str = "/healthz"
) -> subprocess.Popen[bytes]:
    out = log.open("wb")
    process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{command[3:]} exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(url + ready, timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not start: {log.read_text()[-2000:]}")


def serve_command(db: Path, port: int, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-c",
        "from service.cli.main import main; main()",
        "--db",
        str(db),
        "serve",
        "--port",
        str(port),
        "--log-level",
        "warning",  # as the bare app: no access log
        *extra,
    ]


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


# ---------------------------------------------------------------- load


VOTES_LUA = """
local tokens = {TOKENS}
local works = {WORKS}
local counter = 0
local values = {}
local threads = 0

-- thread:set makes a global in that thread's Lua state: no local of the same name
-- may shadow it, or every thread would take the first half of the members.
function setup(thread)
  thread:set("thread_number", threads)
  threads = threads + 1
end

function request()
  -- Each wrk thread takes its own half of the members, so no two threads flip
  -- the same vote; within a thread the pairs come round every 5 000 requests.
  local half = math.floor(#tokens / 2)
  local member = thread_number * half + (counter % half) + 1
  local work = math.floor(counter / half) % #works + 1
  counter = counter + 1
  local key = member .. ":" .. work
  local value = values[key] or -1
  value = -value
  values[key] = value
  return wrk.format("PUT", "/api/works/" .. works[work] .. "/vote",
    {["Authorization"] = "Bearer " .. tokens[member],
     ["Content-Type"] = "application/json"},
    '{"value": ' .. value .. '}')
end
"""


def lua_list(items: list[str]) -> str:
    return "{" + ", ".join(json.dumps(item) for item in items) + "}"


def wrk(name: str, url: str, seconds: int, script: Path | None) -> Run:
    command = ["wrk", "-t", str(THREADS), "-c", str(CONNECTIONS), "-d", f"{seconds}s", "--latency"]
    if script is not None:
        command += ["-s", str(script)]
    done = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 60
    )
    if done.stderr.strip():  # a Lua error: wrk would go on with plain GETs
        raise SystemExit(f"wrk: {done.stderr.strip()}")
    output = done.stdout
    return Run(
        name,
        rate=float(_find(r"Requests/sec:\s+([\d.]+)", output)),
        p50_ms=_ms(_find(r"\s50%\s+([\d.]+\w+)", output)),
        p99_ms=_ms(_find(r"\s99%\s+([\d.]+\w+)", output)),
        requests=int(_find(r"(\d+) requests in", output)),
        errors=int(_find(r"Non-2xx or 3xx responses: (\d+)", output, "0"))
        + sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output)),
    )


def _find(pattern: str, text: str, default: str | None = None) -> str:
    found = re.search(pattern, text)
    if found is None:
        if default is not None:
            return default
        raise SystemExit(f"wrk said something unexpected:\n{text}")
    return found.group(1)


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its children (uvicorn runs the app in-process)."""
    total = 0
    for process in [pid, *_children(pid)]:
        status = Path(f"/proc/{process}/status").read_text()
        total += int(_find(r"VmRSS:\s+(\d+) kB", status))
    return total / 1024


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(line) for line in found.split()]


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--memory", action="store_true", help="also measure the 1M-work ledger")
    parser.add_argument("--bare", type=int, help=argparse.SUPPRESS)  # run the bare app on PORT
    args = parser.parse_args()
    if args.bare is not None:
        import uvicorn

        uvicorn.run(bare_app(), host="127.0.0.1", port=args.bare, log_level="warning")
        return
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")

    from bench.import_bench import machine

    print(machine())
    folder = Path(tempfile.mkdtemp(prefix="rl-http-bench-"))
    try:
        run_bench(folder, args.seconds, args.rounds)
        if args.memory:
            measure_memory(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_bench(folder: Path, seconds: int, rounds: int) -> None:
    db = folder / "ledger.db"
    started = time.perf_counter()
    tokens, works, chain = build_ledger(db)
    print(
        f"ledger: {MEMBERS} voters, {WORKS} works, a {ANCESTORS}-ancestor chain"
        f" ({time.perf_counter() - started:.1f}s to build)"
    )
    script = folder / "votes.lua"
    script.write_text(
        VOTES_LUA.replace("{TOKENS}", lua_list(tokens)).replace("{WORKS}", lua_list(works))
    )
    server_port, bare_port = free_port(), free_port()
    server_url, bare_url = f"http://127.0.0.1:{server_port}", f"http://127.0.0.1:{bare_port}"
    server = start(serve_command(db, server_port), server_url, folder / "serve.log", "/readyz")
    bare = start(
        [sys.executable, "-m", "bench.http_bench", "--bare", str(bare_port)],
        bare_url,
        folder / "bare.log",
        "/docs",
    )
    results: dict[str, list[Run]] = {"bare": [], "votes": [], "credits": []}
    try:
        # Warm both (the first requests import and compile), then interleave.
        wrk("warm-up", bare_url, 2, script)
        wrk("warm-up", server_url, 2, script)
        for round_number in range(1, rounds + 1):
            for run in (
                wrk("bare", bare_url, seconds, script),
                wrk("votes", server_url, seconds, script),
                wrk("credits", f"{server_url}/api/works/{chain}/credits", seconds, None),
            ):
                results[run.name].append(run)
                print(
                    f"round {round_number} {run.name:<8} {run.rate:8.0f} req/s"
                    f"  p50 {run.p50_ms:6.2f} ms  p99 {run.p99_ms:7.2f} ms"
                    f"  ({run.requests} requests, {run.errors} errors)"
                )
        server_rss = rss_mib(server.pid)
        head = httpx.get(f"{server_url}/api/log?limit=1", timeout=10).json()["head"]
    finally:
        stop(server)
        stop(bare)
    report(results, server_rss, head)


def report(results: dict[str, list[Run]], server_rss: float, head: int) -> None:
    def median(name: str, field: str) -> float:
        return statistics.median(getattr(run, field) for run in results[name])

    bare, votes, credits = (median(name, "rate") for name in ("bare", "votes", "credits"))
    print()
    print("| endpoint | req/s (median of rounds) | p50 | p99 | vs bare |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, rate in (("bare", bare), ("votes", votes), ("credits", credits)):
        print(
            f"| {name} | {rate:.0f} | {median(name, 'p50_ms'):.2f} ms"
            f" | {median(name, 'p99_ms'):.2f} ms | {rate / bare:.0%} |"
        )
    errors = sum(run.errors for runs in results.values() for run in runs)
    print(f"\nserver RSS after the runs: {server_rss:.0f} MiB; log head {head}; errors {errors}")
    votes_p99 = median("votes", "p99_ms")
    verdict = "PASS" if votes >= bare / 2 else "FAIL"
    print(f"{verdict}: vote writes >= 50% of bare ({votes / bare:.0%})")
    print(f"{'PASS' if votes_p99 < 50 else 'FAIL'}: vote writes p99 < 50 ms ({votes_p99:.1f} ms)")
    verdict = "PASS" if credits >= bare / 2 else "FAIL"
    print(f"{verdict}: credits >= 50% of bare ({credits / bare:.0%})")


def measure_memory(folder: Path) -> None:
    """RSS of ``serve`` on a copy of the 1M-work bench ledger (its read models not
    projected: ``--projector external``; the lineage graph is what takes memory)."""
    if not MEMORY_LEDGER.exists():
        print(f"SKIP memory: {MEMORY_LEDGER} is not there (bench/.data, see COMMON notes)")
        return
    copy = folder / "million.db"
    shutil.copyfile(MEMORY_LEDGER, copy)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    env = dict(os.environ, REMIX_LEDGER_LINEAGE_CACHE="off")
    os.environ.update(env)
    server = start(
        serve_command(copy, port, "--projector", "external"), url, folder / "million.log"
    )
    try:
        ready = time.perf_counter() - started
        idle = rss_mib(server.pid)
        log = httpx.get(f"{url}/api/log?limit=1", timeout=30).json()
        last = httpx.get(f"{url}/api/works?limit=1", timeout=60).json()["works"][0]
        credits = httpx.get(f"{url}/api/works/{last['work_id']}/credits", timeout=120)
        after = rss_mib(server.pid)
    finally:
        stop(server)
    print(
        f"1M-work ledger (head {log['head']}): ready in {ready:.0f}s, RSS {idle:.0f} MiB;"
        f" after a credits request ({credits.status_code}) {after:.0f} MiB"
    )
    peak = max(idle, after)
    print(
        f"{'PASS' if peak < 1536 else 'FAIL'}: server memory on the 1M-work ledger < 1.5 GiB"
        f" ({peak:.0f} MiB)"
    )


if __name__ == "__main__":
    main()
