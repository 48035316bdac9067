"""The mail sender: claims due mails from the outbox, sends them over SMTP, marks them.

What a crash can and cannot do (the order is: claim, send, mark, each its own
transaction):

- a mail is never lost: until it is marked, it stays ``sending`` under a lease, and once
  the lease ends any sender claims it again;
- a mail is never two different mails: every attempt carries the same Message-ID
  (derived from the notification id) and Date, so a receiver that dedupes on Message-ID
  (most mailbox stores and clients) shows it once;
- it can be *transmitted* twice, and SMTP offers no way around that: if the sender dies
  after the server accepted the mail (its 250 reply to DATA) and before the mark
  commits, or a send outlives its lease while another sender claims it, the server
  receives it again. At most the mails in flight at the crash (one per sender
  connection) are so repeated; a crash at any other moment repeats nothing.

A 4xx reply or a failed connection is temporary: the mail is retried with exponential
back-off. A 5xx reply is permanent: the mail is marked failed with the server's answer.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from uuid import UUID

from projections.mail_store import MailDatabase
from projections.outbox import ClaimedMail, claim_due, mark_failed, mark_retry, mark_sent
from projections.smtp_url import SmtpSetting

__all__ = ["DEFAULT_BACKOFF", "MailSender", "build_message"]

log = logging.getLogger(__name__)

#: Seconds to wait before each retry (the last repeats until ``max_attempts``).
DEFAULT_BACKOFF: tuple[float, ...] = (30.0, 120.0, 600.0, 1800.0, 7200.0)


class _Temporary(Exception):
    """The connection or the server failed in a way worth retrying."""


def build_message(mail: ClaimedMail, sender: str, recipient: str) -> EmailMessage:
    """The mail, the same for every attempt (Message-ID and Date come from the outbox)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = mail.subject
    message["Message-ID"] = mail.message_id
    message["Date"] = format_datetime(mail.created_at.astimezone(UTC))
    message.set_content(mail.body)
    return message


class MailSender:
    """Sends the outbox's due mails, one SMTP connection per pass."""

    def __init__(
        self,
        database: MailDatabase,
        setting: SmtpSetting,
        recipients: Callable[[UUID], str | None],
        *,
        lease: float = 300.0,
        batch_size: int = 50,
        backoff: Sequence[float] = DEFAULT_BACKOFF,
        max_attempts: int = 10,
        max_age: timedelta = timedelta(days=7),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.database = database
        self.setting = setting
        self.recipients = recipients
        self.lease = lease
        self.batch_size = batch_size
        self.backoff = tuple(backoff)
        self.max_attempts = max_attempts
        self.max_age = max_age
        self.clock = clock

    def send_due(self) -> int:
        """One pass: claim what is due and send it. Returns how many mails were sent."""
        mails = claim_due(self.database, self.clock(), self.lease, self.batch_size)
        if not mails:
            return 0
        sendable: list[tuple[ClaimedMail, str]] = []
        oldest = datetime.now(UTC) - self.max_age
        for mail in mails:
            address = self.recipients(mail.member_id)
            if address is None:
                mark_failed(self.database, mail, "no email address on record for the member")
            elif mail.created_at < oldest:
                # A rebuilt or long-unsent outbox must not mail old news.
                mark_failed(self.database, mail, f"expired: older than {self.max_age}")
            else:
                sendable.append((mail, address))
        if not sendable:
            return 0
        try:
            connection = self._connect()
        except _Temporary as error:
            for mail, _ in sendable:
                self._retry(mail, str(error))
            return 0
        sent = 0
        try:
            for index, (mail, address) in enumerate(sendable):
                try:
                    accepted = self._send(connection, mail, address)
                except _Temporary as error:
                    # The connection is gone: this mail and the rest wait for a retry.
                    for waiting, _ in sendable[index:]:
                        self._retry(waiting, str(error))
                    break
                sent += accepted
        finally:
            try:
                connection.quit()
            except (smtplib.SMTPException, OSError):
                connection.close()
        return sent

    def run(self, stop: threading.Event, interval: float = 5.0) -> None:
        """Send due mails until ``stop`` is set, pausing ``interval`` when none are due."""
        while not stop.is_set():
            try:
                busy = self.send_due() > 0
            except Exception:
                # The outbox's database failed (a restart, a lock): try again later.
                log.exception("sending notification mails failed; retrying")
                busy = False
            if not busy:
                stop.wait(interval)

    # ------------------------------------------------------------------ SMTP

    def _connect(self) -> smtplib.SMTP:
        setting = self.setting
        try:
            connection = smtplib.SMTP(setting.host, setting.port, timeout=setting.timeout)
            connection.ehlo()
            if setting.starttls:
                if not connection.has_extn("starttls"):
                    connection.close()
                    raise _Temporary(f"{setting.redacted} does not offer STARTTLS")
                context = ssl.create_default_context(cafile=setting.cafile)
                connection.starttls(context=context)
                connection.ehlo()
            if setting.user is not None:
                connection.login(setting.user, setting.password or "")
        except smtplib.SMTPResponseException as error:
            raise _Temporary(f"{setting.redacted}: {error.smtp_code} {_text(error)}") from None
        except (smtplib.SMTPException, OSError) as error:
            raise _Temporary(f"{setting.redacted}: {error}") from None
        return connection

    def _send(self, connection: smtplib.SMTP, mail: ClaimedMail, address: str) -> bool:
        """Send one mail; True when the server accepted it."""
        message = build_message(mail, self.setting.sender, address)
        try:
            refused = connection.send_message(message, self.setting.sender, [address])
        except smtplib.SMTPRecipientsRefused as error:
            code, text = next(iter(error.recipients.values()))
            self._answer(mail, code, text.decode("utf-8", "replace"))
            return False
        except smtplib.SMTPResponseException as error:
            if isinstance(error, smtplib.SMTPServerDisconnected) or error.smtp_code < 400:
                raise _Temporary(str(error)) from None
            self._answer(mail, error.smtp_code, _text(error))
            # After a refused MAIL or DATA the session may be mid-transaction.
            try:
                connection.rset()
            except (smtplib.SMTPException, OSError) as reset_error:
                raise _Temporary(str(reset_error)) from None
            return False
        except (smtplib.SMTPException, OSError) as error:
            raise _Temporary(str(error)) from None
        if refused:  # only one recipient: send_message raises when all are refused
            code, text = next(iter(refused.values()))
            self._answer(mail, code, text.decode("utf-8", "replace"))
            return False
        mark_sent(self.database, mail, datetime.now(UTC))
        return True

    def _answer(self, mail: ClaimedMail, code: int, text: str) -> None:
        if code >= 500:
            mark_failed(self.database, mail, f"{code} {text}")
        else:
            self._retry(mail, f"{code} {text}")

    def _retry(self, mail: ClaimedMail, error: str) -> None:
        if mail.attempts >= self.max_attempts:
            mark_failed(self.database, mail, f"gave up after {mail.attempts} attempts: {error}")
            return
        delay = self.backoff[min(mail.attempts, len(self.backoff)) - 1] if self.backoff else 0.0
        mark_retry(self.database, mail, error, self.clock() + delay)


def _text(error: smtplib.SMTPResponseException) -> str:
    raw = error.smtp_error
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
