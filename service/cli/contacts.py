"""``member contact``: a member's contact and payout addresses, kept outside the log.

``member contact M --email E --paypal E --wise E --wise-name N`` sets those given
(``""`` clears one); ``--erase`` deletes them all for good; with neither, the
operator is shown them. Nothing here is recorded as an event (see
``ledger.application.contacts``), so ``export`` never holds them.
"""

from __future__ import annotations

import typer

from ledger.adapters.contacts import ContactStore, open_contacts
from ledger.application.contacts import contact_of, erase_contact, set_contact
from ledger.domain.contact import CONTACT_FIELDS, Contact
from ledger.domain.errors import InvalidValueError, ReadOnlyLedgerError
from service.cli.acts import AS_HELP, FormatOption
from service.cli.context import CliState, Format, emit_json, state_of

__all__ = ["register"]

_LABELS = {
    "email": "email",
    "paypal_email": "PayPal",
    "wise_email": "Wise",
    "wise_name": "Wise account holder",
}


def register(app: typer.Typer) -> None:
    """Add ``contact`` to the ``member`` group ``records.register`` made on ``app``."""
    member = next(
        group.typer_instance
        for group in app.registered_groups
        if group.name == "member" and group.typer_instance is not None
    )
    member.command("contact")(member_contact)


def member_contact(
    ctx: typer.Context,
    member_ref: str = typer.Argument(..., metavar="MEMBER"),
    email: str | None = typer.Option(None, "--email", help='Contact email ("" clears it).'),
    paypal: str | None = typer.Option(None, "--paypal", help='PayPal email ("" clears it).'),
    wise: str | None = typer.Option(None, "--wise", help='Wise email ("" clears it).'),
    wise_name: str | None = typer.Option(
        None, "--wise-name", help="The Wise account holder's name (default: the member's name)."
    ),
    erase: bool = typer.Option(False, "--erase", help="Delete the member's contact for good."),
    acting: str | None = typer.Option(None, "--as", help=AS_HELP),
    output_format: FormatOption = Format.text,
) -> None:
    """Set, show (the operator only) or erase a member's contact and payout addresses."""
    state = state_of(ctx)
    changes = {"email": email, "paypal_email": paypal, "wise_email": wise, "wise_name": wise_name}
    changing = any(value is not None for value in changes.values())
    if erase and changing:
        raise InvalidValueError("give --erase alone, or the addresses to set, not both")
    ledger = state.ledger
    store = _store(state, writes=erase or changing)
    try:
        member_id = ledger.find_member(member_ref)
        actor_id = None if acting is None else ledger.find_member(acting)
        if erase:
            erased = erase_contact(store, member_id, actor_id=actor_id)
            if output_format is Format.json:
                emit_json({"erased": erased, "id": str(member_id)})
            else:
                typer.echo(f"{'erased' if erased else 'no'} contact of {member_id}")
            return
        if changing:
            contact = set_contact(store, member_id, changes, actor_id=actor_id)
            _show(contact, "set contact of", output_format)
            return
        shown = contact_of(store, member_id, actor_id=actor_id)
        _show(shown or Contact(str(member_id)), "contact of", output_format)
    finally:
        store.close()


def _store(state: CliState, *, writes: bool) -> ContactStore:
    if writes and state.refusal is not None:
        # The same reason the ledger gives: memory:// ends with this process, and a
        # ledger this user cannot write is not one to keep addresses beside.
        raise ReadOnlyLedgerError(state.refusal)
    return open_contacts(state.setting)


def _show(contact: Contact, what: str, output_format: Format) -> None:
    if output_format is Format.json:
        emit_json(contact.as_dict())
        return
    typer.echo(f"{what} {contact.member_id}")
    for field in CONTACT_FIELDS:
        typer.echo(f"  {_LABELS[field]}: {getattr(contact, field) or '-'}")
