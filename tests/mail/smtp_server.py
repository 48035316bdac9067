"""A real SMTP server for the tests (aiosmtpd), recording what it receives.

It answers as told: accept, refuse a recipient with a 5xx, or hold the reply to a
mail's DATA (after recording it) until released, which is the moment a sender can
die after the server has the mail and before the sender knows it.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import socket
import ssl
import threading
from email import message_from_bytes
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Recorder:
    """The aiosmtpd handler: keeps every mail's Message-ID, recipients and body."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.refuse_recipients = False
        self.hold_after: int | None = None  # hold the reply to the mail numbered this (1-based)
        self.held = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.refuse_recipients:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.original_content or envelope.content)
        with self._lock:
            self.received.append(
                {
                    "message_id": message["Message-ID"],
                    "to": list(envelope.rcpt_tos),
                    "subject": message["Subject"],
                    "body": message.get_payload(),
                    "tls": session.ssl is not None,
                }
            )
            count = len(self.received)
        if self.hold_after is not None and count == self.hold_after:
            self.held.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        return "250 OK"

    def message_ids(self) -> list[str]:
        with self._lock:
            return [mail["message_id"] for mail in self.received]


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files (the certificate is its own CA)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "remix-ledger test SMTP")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = folder / "smtp-cert.pem"
    key_path = folder / "smtp-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class SmtpServer:
    """An aiosmtpd server on 127.0.0.1, plain or requiring STARTTLS."""

    def __init__(
        self, recorder: Recorder, *, tls: tuple[Path, Path] | None = None, port: int | None = None
    ) -> None:
        self.recorder = recorder
        self.port = port or free_port()
        kwargs: dict[str, Any] = {}
        if tls is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(tls[0]), str(tls[1]))
            kwargs = {"tls_context": context, "require_starttls": True}
        self.controller = Controller(recorder, hostname="127.0.0.1", port=self.port, **kwargs)

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.recorder.release.set()
        self.controller.stop()
