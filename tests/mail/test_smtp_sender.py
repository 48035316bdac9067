"""The mail sender against a real SMTP server (aiosmtpd) on SQLite and PostgreSQL outboxes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from projections.mail_store import MailDatabase, open_mail_database
from projections.outbox import OutboxMail, claim_due, enqueue, message_id_for, outbox_rows
from projections.smtp_sender import MailSender
from projections.smtp_url import parse_smtp_url
from tests.conftest import Databases
from tests.mail.smtp_server import Recorder, SmtpServer, free_port, self_signed_certificate

DOMAIN = "studio.test"


@pytest.fixture(params=["sqlite", "postgres"])
def ledger_db(request: pytest.FixtureRequest, databases: Databases) -> str:
    return databases.url(str(request.param))


@pytest.fixture
def outbox(ledger_db: str) -> Iterator[MailDatabase]:
    database = open_mail_database(ledger_db)
    yield database
    database.close()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def server(recorder: Recorder) -> Iterator[SmtpServer]:
    running = SmtpServer(recorder).start()
    yield running
    running.stop()


def address_of(member_id: uuid.UUID) -> str:
    return f"m-{member_id.hex[:8]}@members.test"


def add_mails(database: MailDatabase, count: int) -> list[uuid.UUID]:
    ids = [uuid.uuid4() for _ in range(count)]
    created = datetime.now(UTC)
    with database.transaction() as cursor:
        for number, notification_id in enumerate(ids):
            mail = OutboxMail(
                notification_id,
                uuid.uuid4(),
                f"Proposal opened ({number})",
                f"Mail number {number}.",
                created + timedelta(microseconds=number),
            )
            enqueue(database, cursor, mail, DOMAIN)
    return ids


def sender_for(database: MailDatabase, url: str, **options: object) -> MailSender:
    return MailSender(database, parse_smtp_url(url), address_of, **options)  # type: ignore[arg-type]


def states(database: MailDatabase) -> Counter[str]:
    return Counter(row.state for row in outbox_rows(database))


def test_a_pending_mail_is_sent_once_with_the_message_id_of_its_notification(
    outbox: MailDatabase, server: SmtpServer, recorder: Recorder
) -> None:
    [notification_id] = add_mails(outbox, 1)
    sender = sender_for(outbox, f"smtp://127.0.0.1:{server.port}?from=ledger@{DOMAIN}")

    assert sender.send_due() == 1
    assert sender.send_due() == 0

    [mail] = recorder.received
    assert mail["message_id"] == f"<notification-{notification_id.hex}@{DOMAIN}>"
    assert mail["message_id"] == message_id_for(notification_id, DOMAIN)
    assert mail["subject"] == "Proposal opened (0)"
    assert mail["tls"] is False
    assert states(outbox) == {"sent": 1}


def test_starttls_delivers_over_tls_to_a_server_trusted_through_the_cafile_option(
    outbox: MailDatabase, recorder: Recorder, tmp_path: Path
) -> None:
    cert, key = self_signed_certificate(tmp_path)
    server = SmtpServer(recorder, tls=(cert, key)).start()
    try:
        add_mails(outbox, 2)
        url = f"smtp+starttls://ann:secret@127.0.0.1:{server.port}?cafile={cert}&from=l@{DOMAIN}"
        # aiosmtpd without an authenticator refuses AUTH; log in only where offered.
        sender = sender_for(outbox, url.replace("ann:secret@", ""))
        assert sender.send_due() == 2
    finally:
        server.stop()
    assert [mail["tls"] for mail in recorder.received] == [True, True]
    assert states(outbox) == {"sent": 2}


def test_starttls_does_not_send_to_a_server_whose_certificate_it_does_not_trust(
    outbox: MailDatabase, recorder: Recorder, tmp_path: Path
) -> None:
    cert, key = self_signed_certificate(tmp_path)
    server = SmtpServer(recorder, tls=(cert, key)).start()
    try:
        add_mails(outbox, 1)
        sender = sender_for(outbox, f"smtp+starttls://127.0.0.1:{server.port}")
        assert sender.send_due() == 0
    finally:
        server.stop()
    assert recorder.received == []
    [row] = outbox_rows(outbox)
    assert row.state == "pending"
    assert "CERTIFICATE_VERIFY_FAILED" in (row.last_error or "")


def test_a_plain_sender_does_not_get_past_a_server_that_requires_starttls(
    outbox: MailDatabase, recorder: Recorder, tmp_path: Path
) -> None:
    server = SmtpServer(recorder, tls=self_signed_certificate(tmp_path)).start()
    try:
        add_mails(outbox, 1)
        assert sender_for(outbox, f"smtp://127.0.0.1:{server.port}").send_due() == 0
    finally:
        server.stop()
    assert recorder.received == []
    [row] = outbox_rows(outbox)
    assert row.state == "failed"  # 530: the server refuses, permanently, to take it in clear
    assert (row.last_error or "").startswith("530")


def test_a_5xx_refusal_marks_the_mail_failed_with_the_servers_answer(
    outbox: MailDatabase, server: SmtpServer, recorder: Recorder
) -> None:
    recorder.refuse_recipients = True
    add_mails(outbox, 1)
    sender = sender_for(outbox, f"smtp://127.0.0.1:{server.port}")

    assert sender.send_due() == 0
    [row] = outbox_rows(outbox)
    assert row.state == "failed"
    assert row.last_error == "550 5.1.1 no such mailbox"
    assert sender.send_due() == 0  # never tried again
    assert outbox_rows(outbox)[0].attempts == 1


def test_a_down_server_leaves_the_mails_pending_and_they_go_out_after_the_back_off(
    outbox: MailDatabase, recorder: Recorder
) -> None:
    port = free_port()
    now = [time.time()]
    sender = sender_for(outbox, f"smtp://127.0.0.1:{port}", backoff=(60.0,), clock=lambda: now[0])
    add_mails(outbox, 3)

    assert sender.send_due() == 0
    rows = outbox_rows(outbox)
    assert {row.state for row in rows} == {"pending"}
    assert all(row.next_attempt_at >= now[0] + 60 for row in rows)
    assert all("refused" in (row.last_error or "").lower() for row in rows)

    server = SmtpServer(recorder, port=port).start()
    try:
        assert sender.send_due() == 0  # not due yet: the back-off holds
        now[0] += 61
        assert sender.send_due() == 3
    finally:
        server.stop()
    assert len(set(recorder.message_ids())) == 3
    assert [row.attempts for row in outbox_rows(outbox)] == [2, 2, 2]


def test_a_mail_that_keeps_failing_is_given_up_after_the_last_attempt(outbox: MailDatabase) -> None:
    now = [time.time()]
    sender = sender_for(
        outbox,
        f"smtp://127.0.0.1:{free_port()}",
        backoff=(1.0,),
        max_attempts=3,
        clock=lambda: now[0],
    )
    add_mails(outbox, 1)
    for _ in range(3):
        sender.send_due()
        now[0] += 2
    [row] = outbox_rows(outbox)
    assert row.state == "failed"
    assert (row.last_error or "").startswith("gave up after 3 attempts")


def test_a_claim_whose_sender_vanished_is_claimed_again_once_its_lease_ends(
    outbox: MailDatabase, server: SmtpServer, recorder: Recorder
) -> None:
    add_mails(outbox, 2)
    now = time.time()
    abandoned = claim_due(outbox, now, lease=300, limit=10)  # a sender that then died
    assert len(abandoned) == 2
    assert claim_due(outbox, now + 299, lease=300, limit=10) == []  # still leased

    later = sender_for(outbox, f"smtp://127.0.0.1:{server.port}", clock=lambda: now + 301)
    assert later.send_due() == 2
    assert states(outbox) == {"sent": 2}
    assert len(recorder.received) == 2


def test_a_member_with_no_address_is_marked_failed_not_retried(
    outbox: MailDatabase, server: SmtpServer
) -> None:
    add_mails(outbox, 1)
    sender = MailSender(outbox, parse_smtp_url(f"smtp://127.0.0.1:{server.port}"), lambda _: None)
    assert sender.send_due() == 0
    assert outbox_rows(outbox)[0].last_error == "no email address on record for the member"


SENDER_PROCESS = """
import sys, threading
from projections.mail_store import open_mail_database
from projections.smtp_sender import MailSender
from projections.smtp_url import parse_smtp_url
database = open_mail_database(sys.argv[1])
sender = MailSender(database, parse_smtp_url(sys.argv[2]),
                    lambda member: f"m-{member.hex[:8]}@members.test", lease=1.0, batch_size=5)
sender.run(threading.Event(), interval=0.05)
"""


@pytest.mark.slow
def test_a_sender_killed_mid_batch_then_restarted_delivers_every_mail_with_one_message_id(
    ledger_db: str, outbox: MailDatabase, server: SmtpServer, recorder: Recorder
) -> None:
    """kill -9 while the server holds its reply to the 3rd mail of a batch of 5: that mail
    is the only one the server receives twice, both times with the same Message-ID."""
    ids = add_mails(outbox, 12)
    recorder.hold_after = 3
    command = [sys.executable, "-c", SENDER_PROCESS, ledger_db, f"smtp://127.0.0.1:{server.port}"]
    first = subprocess.Popen(command, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert recorder.held.wait(timeout=30), "the sender never reached the 3rd mail"
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    recorder.release.set()
    in_flight = recorder.message_ids()[2]

    second = subprocess.Popen(command)
    try:
        deadline = time.monotonic() + 60
        while states(outbox) != {"sent": 12}:
            assert time.monotonic() < deadline, f"not all sent: {states(outbox)}"
            time.sleep(0.1)
    finally:
        second.send_signal(signal.SIGKILL)
        second.wait(timeout=10)

    received = Counter(recorder.message_ids())
    assert set(received) == {message_id_for(i, DOMAIN) for i in ids}
    assert sum(received.values()) == 13
    assert [mid for mid, count in received.items() if count > 1] == [in_flight]
