"""Members' contacts: an erasable store outside the log, on every backend."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import pytest

from ledger.adapters.contacts import SQLiteContacts, contacts_path, open_contacts
from ledger.application.contacts import contact_of, erase_contact, set_contact
from ledger.domain.contact import Contact, check_email
from ledger.domain.errors import InvalidValueError, PermissionDeniedError


def test_a_contact_is_set_in_parts_read_back_and_erased_on_every_backend(ledger_url: str) -> None:
    store = open_contacts(ledger_url)
    member = uuid.uuid4()
    try:
        assert store.get(member) is None
        store.set(member, {"email": "ann@example.org"})
        store.set(member, {"paypal_email": "pay@example.org", "email": None})
        assert store.get(member) == Contact(
            str(member), email="ann@example.org", paypal_email="pay@example.org"
        )
        store.set(member, {"email": ""})
        assert store.all() == {str(member): Contact(str(member), paypal_email="pay@example.org")}
        assert store.erase(member) is True
        assert store.get(member) is None
        assert store.erase(member) is False
    finally:
        store.close()


def test_clearing_every_field_leaves_no_row(ledger_url: str) -> None:
    store = open_contacts(ledger_url)
    member = uuid.uuid4()
    try:
        store.set(member, {"wise_email": "w@example.org", "wise_name": "Ann  Example"})
        assert store.get(member) == Contact(
            str(member), wise_email="w@example.org", wise_name="Ann Example"
        )
        store.set(member, {"wise_email": "", "wise_name": ""})
        assert store.all() == {}
    finally:
        store.close()


def test_a_postgres_contact_outlives_its_connection_and_stays_out_of_the_events_table(
    databases: object,
) -> None:
    url = databases.url("postgres")  # type: ignore[attr-defined]
    member = uuid.uuid4()
    first = open_contacts(url)
    first.set(member, {"email": "ann@example.org"})
    first.close()
    second = open_contacts(url)
    try:
        assert second.get(member) == Contact(str(member), email="ann@example.org")
    finally:
        second.close()


def test_sqlite_contacts_live_in_a_file_of_their_own_beside_the_ledger(tmp_path: Path) -> None:
    ledger_file = tmp_path / "studio.db"
    assert contacts_path(ledger_file) == tmp_path / "studio.contacts.db"
    store = open_contacts(str(ledger_file))
    store.set(uuid.uuid4(), {"email": "ann@example.org"})
    store.close()
    assert (tmp_path / "studio.contacts.db").exists()
    assert not ledger_file.exists()


def test_an_erased_or_replaced_address_leaves_no_bytes_in_the_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "l.contacts.db"
    store = SQLiteContacts(path)
    member, other = uuid.uuid4(), uuid.uuid4()
    store.set(member, {"paypal_email": "first-address@example.org"})
    store.set(member, {"paypal_email": "second-address@example.org"})
    store.set(other, {"email": "stays@example.org"})
    raw = path.read_bytes()
    assert b"first-address" not in raw
    assert b"second-address" in raw
    store.erase(member)
    store.close()
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != path.name]
    assert leftovers == []  # no journal or write-ahead log keeps an older page
    raw = path.read_bytes()
    assert b"second-address" not in raw
    assert b"stays@example.org" in raw


def test_two_threads_setting_different_fields_of_one_member_both_land(tmp_path: Path) -> None:
    store = SQLiteContacts(tmp_path / "l.contacts.db")
    member = uuid.uuid4()
    fields = ["email", "paypal_email", "wise_email"]
    threads = [
        threading.Thread(target=store.set, args=(member, {f: f"{f}@example.org"})) for f in fields
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    contact = store.get(member)
    store.close()
    assert contact is not None
    assert [getattr(contact, f) for f in fields] == [f"{f}@example.org" for f in fields]


@pytest.mark.parametrize(
    "address",
    [
        "ann",
        "ann@",
        "@example.org",
        "ann@localhost",
        "a b@example.org",
        "ann@exa\nmple.org",
        "ann\x00@example.org",
        "a@b@example.org",
        "ann@example..org",
        "x" * 65 + "@example.org",
        "ann@" + "d" * 250 + ".org",
        "ann\u202e@example.org",
        "=cmd@example.org",
    ],
)
def test_an_address_that_is_not_a_plain_email_is_refused(address: str) -> None:
    with pytest.raises(InvalidValueError):
        check_email(address)


def test_a_holder_name_with_a_control_character_is_refused() -> None:
    with pytest.raises(InvalidValueError):
        Contact("m").updated({"wise_name": "Ann\x1b[31m"})


def test_only_the_member_or_the_operator_sets_or_erases_and_only_the_operator_reads() -> None:
    store = open_contacts("memory://")
    member, someone = uuid.uuid4(), uuid.uuid4()
    set_contact(store, member, {"email": "ann@example.org"}, actor_id=member)
    with pytest.raises(PermissionDeniedError):
        set_contact(store, member, {"email": "evil@example.org"}, actor_id=someone)
    with pytest.raises(PermissionDeniedError):
        erase_contact(store, member, actor_id=someone)
    with pytest.raises(PermissionDeniedError):
        contact_of(store, member, actor_id=member)
    assert contact_of(store, member) == Contact(str(member), email="ann@example.org")
    assert erase_contact(store, member, actor_id=member) is True
