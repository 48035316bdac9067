"""`serve --smtp`: a real server mails the notifications of a whole proposal cycle to
the payees' contact addresses, through a real SMTP server (aiosmtpd) the test starts."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.mail.smtp_server import Recorder, SmtpServer
from tests.service.http.servers import ROOT, Server
from tests.service.test_cli import Cli
from tests.service.test_cli_proposal_payouts import BOOK, demo  # noqa: F401 (fixture)


def _ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


def _cycle(cli: Cli) -> None:
    """Draft, open three weeks ago (the window has closed), an objection, its answer
    an hour ago, final now."""
    drafted = json.loads(cli("proposal", "draft", BOOK, "--revenue", "2", "--format", "json"))
    p = str(drafted["id"])
    cli("proposal", "open", p, "--at", _ago(days=21))
    cli(
        "proposal", "object", p, "--kind", "too-little", "--text", "more please", "--as", "quietfox"
    )
    cli("proposal", "answer", p, "1", "--decline", "--reason", "fair", "--at", _ago(hours=1))
    cli("proposal", "finalize", p)


def test_serve_mails_a_cycles_notifications_to_the_payees_contact_addresses(
    demo: Cli,  # noqa: F811
    tmp_path: Path,
) -> None:
    _cycle(demo)
    demo("member", "contact", "quietfox", "--email", "fox@example.org")
    demo("member", "contact", "paper-moth", "--email", "moth@example.org")
    recorder = Recorder()
    smtp = SmtpServer(recorder).start()
    server = Server(
        demo.db,
        "--smtp",
        f"smtp://127.0.0.1:{smtp.port}?from=studio@example.org",
        log=tmp_path / "serve.log",
    )
    try:
        server.start()
        deadline = time.monotonic() + 30
        wanted = {"fox@example.org", "moth@example.org"}
        while time.monotonic() < deadline:
            delivered = {to for mail in recorder.received for to in mail["to"]}
            if wanted <= delivered and len(recorder.received) >= 3:
                break
            time.sleep(0.2)
    finally:
        server.stop()
        smtp.stop()
    to_fox = [m for m in recorder.received if m["to"] == ["fox@example.org"]]
    to_moth = [m for m in recorder.received if m["to"] == ["moth@example.org"]]
    # quietfox objected: the answer and the final decision; paper-moth: the final
    # decision. The opening, dated three weeks ago, is older than the sender mails
    # (a week: old news is kept as a notification, not mailed).
    subjects = sorted(m["subject"] for m in to_fox)
    assert len(to_fox) == 2 and "Final Community Payments are posted" in subjects, subjects
    assert [m["subject"] for m in to_moth] == ["Final Community Payments are posted"]
    ids = recorder.message_ids()
    assert len(ids) == len(set(ids))  # every notification mailed once
    assert all(m["tls"] is False for m in recorder.received)


def test_serve_refuses_an_smtp_url_it_cannot_use_in_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from service.cli.main import main; main()",
            "--db",
            str(tmp_path / "l.db"),
            "serve",
            "--smtp",
            "smtp://user:secret@mail.example.org",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1, done.stderr
    assert "smtp+starttls" in done.stderr
    assert "secret" not in done.stderr
