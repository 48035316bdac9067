"""The Ledger application: the one object the entry points use, composed of the
commands by theme, and ``open_ledger``, which opens it from a database URL.

Each theme's commands are a mixin over ``LedgerBase`` (``ledger.application.base``:
running a command in a unit of work, lookups, loading) in a module of its own:

- ``members``: members and their roles and credit preferences;
- ``works``: works and citations;
- ``comments``: comments and votes;
- ``productions``: productions, revenue, royalty policies and statements;
- (next) ``proposals``: a ``ProposalCommands(LedgerBase)`` in ``proposals.py``,
  added to ``Ledger``'s bases.

``royalty_stacks`` holds the ``absolute``-policy checks that works and productions
share. Each command is a load, check, act, save; every public method keeps its name
and signature, so callers need not know which theme a command lives in.
"""

from __future__ import annotations

import sqlite3
from contextlib import nullcontext

from eventsourcing.persistence import PersistenceError

from ledger.adapters.postgres import postgres_connect, postgres_setup_lock, psycopg_error
from ledger.adapters.settings import ENV_VAR, check_sqlite_location, resolve_db_setting
from ledger.adapters.storage import storage_error
from ledger.application.base import ConcurrencyError, Recorded
from ledger.application.comments import EngagementCommands
from ledger.application.members import MemberCommands
from ledger.application.new_records import IdempotencyKeyReusedError
from ledger.application.productions import PolicyCheck, ProductionCommands
from ledger.application.proposals import ProposalCommands
from ledger.application.version_check import VersionCheck
from ledger.application.works import WorkCommands
from ledger.domain.errors import DatabaseSettingError, StorageFullError

# postgres_connect and postgres_setup_lock live in ledger.adapters.postgres; they are
# imported here too because projections, service and tests import them from here.
__all__ = [
    "ConcurrencyError",
    "IdempotencyKeyReusedError",
    "Ledger",
    "PolicyCheck",
    "Recorded",
    "VersionCheck",
    "open_ledger",
    "postgres_connect",
    "postgres_setup_lock",
]


class Ledger(
    MemberCommands, WorkCommands, EngagementCommands, ProductionCommands, ProposalCommands
):
    """The studio's ledger: members, works, comments, votes and productions."""

    name = "RemixLedger"


def open_ledger(url: str | None = None) -> Ledger:
    """Open the ledger named by a database URL (see ``ledger.settings``).

    A malformed or unreachable setting raises ``DatabaseSettingError`` with one
    line that names the setting, never a driver's traceback; a ledger that cannot
    be opened for writing because its disk is full, ``StorageFullError``.
    """
    setting = resolve_db_setting(url)
    check_sqlite_location(setting)
    try:
        with postgres_setup_lock(setting.env) if setting.backend == "postgres" else nullcontext():
            ledger = Ledger(env=setting.env)
        ledger.recorder.max_notification_id()
    except (PersistenceError, OSError, ImportError, sqlite3.Error, psycopg_error()) as error:
        full = storage_error(error, setting.sqlite_path)
        if isinstance(full, StorageFullError):
            # Not a bad setting: the ledger is there, and can be read (``open_full_ledger``).
            raise full from None
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise DatabaseSettingError(
            f"{ENV_VAR} / --db {setting.redacted_url!r}: cannot open the ledger: {reason}"
        ) from None
    return ledger
