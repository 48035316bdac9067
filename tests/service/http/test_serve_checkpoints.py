"""``serve --log-key`` signs the transparency log's head on its own when the log grows."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from ledger.transparency.notes import open_note, parse_checkpoint, parse_verifier_key
from tests.service.http.servers import Server, cli


def test_serve_signs_a_checkpoint_of_the_grown_log_with_its_key(tmp_path: Path) -> None:
    db = str(tmp_path / "ledger.db")
    key = tmp_path / "log.key"
    verifier = parse_verifier_key(
        cli(db, "log", "keygen", "-o", str(key), "--origin", "studio.example/log")
        .strip()
        .splitlines()[-1]
    )
    server = Server(
        db, "--log-key", str(key), "--checkpoint-every", "0.2", log=tmp_path / "serve.log"
    ).start()
    try:
        registered = httpx.post(f"{server.url}/api/members", json={"handle": "ana"}, timeout=10)
        assert registered.status_code == 201, registered.text
        position = registered.json()["position"]
        deadline = time.monotonic() + 30
        size = 0
        while time.monotonic() < deadline:
            answer = httpx.get(f"{server.url}/log/checkpoint", timeout=10)
            if answer.status_code == 200:
                checkpoint = parse_checkpoint(open_note(answer.text, [verifier]))
                size = checkpoint.size
                if size >= position:
                    break
            time.sleep(0.2)
        assert size >= position, f"no signed checkpoint covers position {position}"
        assert checkpoint.origin == "studio.example/log"
    finally:
        server.stop()


def test_serve_refuses_a_key_file_it_cannot_read(tmp_path: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from service.cli.main import main; main()",
            "--db",
            str(tmp_path / "ledger.db"),
            "serve",
            "--log-key",
            str(tmp_path / "missing.key"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
