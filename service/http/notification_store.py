"""The server's handle on the notifications read model (``projections.mail_store``).

Opened once per app, on first use, for the server's own database setting (SQLite:
``ledger.notifications.db`` beside the ledger; PostgreSQL: its ``rl_notifications``).
The projector that fills it is started with the server's other parts; the routes
only read it and set members' read flags, which are outside the log.
"""

from __future__ import annotations

import threading
from typing import Any

from projections.mail_store import MailDatabase, open_mail_database

__all__ = ["mail_database_of"]

_opening = threading.Lock()


def mail_database_of(state: Any) -> MailDatabase:
    """The app's notifications database (``state``: the app's state, with ``services``)."""
    services = state.services
    shared = getattr(services, "mail_database", None)
    if isinstance(shared, MailDatabase):
        return shared  # the server's own, when its projector opened one
    with _opening:
        database = getattr(state, "mail_database", None)
        if not isinstance(database, MailDatabase):
            database = open_mail_database(services.setting)
            state.mail_database = database
        return database
