"""The ``--smtp URL`` setting: where and how notification mails are sent.

Forms::

    smtp://host[:port][?from=ADDRESS]                  plain SMTP (port 25), no login
    smtp+starttls://[user:password@]host[:port][?from=ADDRESS&cafile=PATH&timeout=SECONDS]
                                                        STARTTLS required (port 587)

- ``from``: the sender address (default ``remix-ledger@HOST``); its domain is the
  right-hand side of every Message-ID;
- ``cafile``: a PEM file of CAs to trust for the server's certificate instead of the
  system's (a private relay, a test server); the host name is checked either way;
- ``timeout``: seconds for connecting and for each reply (default 30).

A login needs STARTTLS: ``smtp://user:password@...`` is refused rather than sending a
password in the clear. ``smtp+starttls`` never falls back to plain text when the server
does not offer STARTTLS: the mails wait and are retried. User and password are
percent-decoded (write ``@`` as ``%40``).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from ledger.domain.errors import InvalidValueError

__all__ = ["SmtpSetting", "SmtpSettingError", "parse_smtp_url"]

_FORMS = "smtp://HOST[:PORT] or smtp+starttls://[USER:PASSWORD@]HOST[:PORT]"
_OPTIONS = frozenset({"from", "cafile", "timeout"})


class SmtpSettingError(InvalidValueError):
    """The SMTP URL cannot be used as given."""


@dataclass(frozen=True)
class SmtpSetting:
    """A parsed SMTP URL."""

    host: str
    port: int
    starttls: bool
    sender: str
    user: str | None = None
    password: str | None = None
    cafile: str | None = None
    timeout: float = 30.0

    @property
    def domain(self) -> str:
        """The sender address's domain: the right-hand side of every Message-ID."""
        return self.sender.rpartition("@")[2]

    @property
    def redacted(self) -> str:
        login = f"{self.user}:***@" if self.user else ""
        scheme = "smtp+starttls" if self.starttls else "smtp"
        return f"{scheme}://{login}{self.host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpSetting:
    """Parse an SMTP URL (the module docstring gives its forms)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise SmtpSettingError(f"--smtp {url!r}: {error}; expected {_FORMS}") from None
    if parts.scheme not in ("smtp", "smtp+starttls"):
        raise SmtpSettingError(f"--smtp: unknown scheme {parts.scheme!r}; expected {_FORMS}")
    if not parts.hostname:
        raise SmtpSettingError(f"--smtp: no host; expected {_FORMS}")
    if parts.path not in ("", "/"):
        raise SmtpSettingError(f"--smtp: unexpected path {parts.path!r}; expected {_FORMS}")
    starttls = parts.scheme == "smtp+starttls"
    if parts.username and not starttls:
        raise SmtpSettingError(
            "--smtp: a login needs smtp+starttls:// (the password would cross in the clear)"
        )
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - _OPTIONS)
    if unknown:
        raise SmtpSettingError(
            f"--smtp: unknown option {unknown[0]!r}; known: cafile, from, timeout"
        )
    option = {name: values[-1] for name, values in query.items()}
    sender = option.get("from") or f"remix-ledger@{parts.hostname}"
    if "@" not in sender or not sender.rpartition("@")[2]:
        raise SmtpSettingError(f"--smtp: from={sender!r} is not an address")
    try:
        timeout = float(option.get("timeout", "30"))
    except ValueError:
        raise SmtpSettingError(f"--smtp: timeout={option['timeout']!r} is not a number") from None
    if not timeout > 0:
        raise SmtpSettingError("--smtp: timeout must be positive")
    return SmtpSetting(
        host=parts.hostname,
        port=port or (587 if starttls else 25),
        starttls=starttls,
        sender=sender,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        cafile=option.get("cafile") or None,
        timeout=timeout,
    )
