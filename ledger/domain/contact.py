"""A member's contact and payout addresses: personal data, kept outside the log.

A leaf value (it imports only the errors). ``Contact`` is what ``ContactStore``
(``ledger.adapters.contacts``) keeps per member; nothing here is ever an event,
because the log is immutable and a member must be able to have these erased.

The checks are deliberately simple: an address is something a payout provider
will try, not something proved to exist. They bound the length and refuse
control characters and whitespace, so no stored value can break a CSV line,
a terminal or a mail header.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace

from ledger.domain.errors import InvalidValueError

__all__ = ["CONTACT_FIELDS", "Contact", "check_email", "check_holder_name"]

#: RFC 5321's limits: a path of at most 254 characters, a local part of at most 64.
MAX_EMAIL = 254
MAX_LOCAL_PART = 64
#: Wise takes an account holder's full name; 140 is the SEPA name field's length.
MAX_HOLDER_NAME = 140
#: The fields a contact has, in the order they are shown.
CONTACT_FIELDS = ("email", "paypal_email", "wise_email", "wise_name")


def _has_control(text: str) -> bool:
    return any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in text)


def check_email(value: str, what: str = "email") -> str:
    """Return ``value`` stripped if it reads as an email address, else refuse it.

    >>> check_email(" ann@example.org ")
    'ann@example.org'
    """
    text = value.strip()
    if len(text) > MAX_EMAIL:
        raise InvalidValueError(f"{what} is longer than {MAX_EMAIL} characters")
    if _has_control(text) or any(char.isspace() for char in text):
        raise InvalidValueError(f"{what} {text!r} holds a space or a control character")
    local, at, domain = text.rpartition("@")
    if not at or not local or "@" in local or len(local) > MAX_LOCAL_PART:
        raise InvalidValueError(f"{what} {text!r} is not an address such as ann@example.org")
    if local.startswith(("=", "+", "-")):
        # Written into payout spreadsheets, where a leading = + - starts a formula.
        raise InvalidValueError(f"{what} {text!r} starts like a spreadsheet formula")
    labels = domain.split(".")
    if len(labels) < 2 or not all(labels) or domain.startswith("-"):
        raise InvalidValueError(f"{what} {text!r} is not an address such as ann@example.org")
    return text


def check_holder_name(value: str) -> str:
    """Return an account holder's name stripped, 1-140 characters with no control ones."""
    text = " ".join(value.split())
    if not text:
        raise InvalidValueError("--wise-name is empty")
    if len(text) > MAX_HOLDER_NAME:
        raise InvalidValueError(f"--wise-name is longer than {MAX_HOLDER_NAME} characters")
    if _has_control(text):
        raise InvalidValueError(f"--wise-name {text!r} holds a control character")
    return text


@dataclass(frozen=True, slots=True)
class Contact:
    """What a member gave to be reached and paid; ``None`` where they gave nothing."""

    member_id: str
    email: str | None = None
    paypal_email: str | None = None
    wise_email: str | None = None
    wise_name: str | None = None

    @property
    def is_empty(self) -> bool:
        return all(getattr(self, field) is None for field in CONTACT_FIELDS)

    def updated(self, changes: dict[str, str | None]) -> Contact:
        """This contact with ``changes`` applied: a value sets a field, ``""`` clears it.

        Fields not named in ``changes`` stay as they were (a partial update).
        """
        unknown = set(changes) - set(CONTACT_FIELDS)
        if unknown:
            raise InvalidValueError(f"unknown contact field(s): {', '.join(sorted(unknown))}")
        checked: dict[str, str | None] = {}
        for field, value in changes.items():
            if value is None:
                continue
            if value.strip() == "":
                checked[field] = None
            elif field == "wise_name":
                checked[field] = check_holder_name(value)
            else:
                checked[field] = check_email(value, _OPTION[field])
        return replace(self, **checked)  # type: ignore[arg-type]

    def as_dict(self) -> dict[str, str | None]:
        return {"id": self.member_id, **{field: getattr(self, field) for field in CONTACT_FIELDS}}


# How each field is named on the command line, for messages.
_OPTION = {"email": "--email", "paypal_email": "--paypal", "wise_email": "--wise"}
