"""Use cases over members' contacts: set, show and erase, with who may do each.

The member ids come from ``Ledger.find_member``, which refuses an unknown member.

Contacts are personal data kept outside the log (``ledger.adapters.contacts``).
A member, or the operator (``actor_id`` None), sets or erases the member's own;
only the operator reads them back, since they exist to pay people.

No event is recorded for a change, not even one without the values ("contact
updated"): the log cannot be erased, and when and how often a member changed
their payout address is itself personal data tied to their id forever. What
the audit needs is already there: each payout's outcome is an event with the
provider's reference, and the file it went out in names its stable payout id.
"""

from __future__ import annotations

from uuid import UUID

from ledger.adapters.contacts import ContactStore
from ledger.domain.contact import Contact
from ledger.domain.errors import PermissionDeniedError

__all__ = ["contact_of", "erase_contact", "set_contact"]


def _check_self_or_operator(actor_id: UUID | None, member_id: UUID, act: str) -> None:
    if actor_id is not None and actor_id != member_id:
        raise PermissionDeniedError(f"only the member themself (or the operator) may {act}")


def set_contact(
    store: ContactStore,
    member_id: UUID,
    changes: dict[str, str | None],
    *,
    actor_id: UUID | None = None,
) -> Contact:
    """Set some of a member's contact fields (``""`` clears one); return what is stored."""
    _check_self_or_operator(actor_id, member_id, "set a member's contact")
    return store.set(member_id, changes)


def erase_contact(store: ContactStore, member_id: UUID, *, actor_id: UUID | None = None) -> bool:
    """Erase a member's contact for good; True if there was one."""
    _check_self_or_operator(actor_id, member_id, "erase a member's contact")
    return store.erase(member_id)


def contact_of(
    store: ContactStore, member_id: UUID, *, actor_id: UUID | None = None
) -> Contact | None:
    """A member's contact, for the operator only: contacts are personal data."""
    if actor_id is not None:
        raise PermissionDeniedError("only the operator may show a member's contact")
    return store.get(member_id)
