"""The server's handle on the notifications read model (``projections.mail_store``).

The one the server's projector fills (``Services.mail``); a server serving reads only
(its disk full) has none of its own, and opens it here once, on first use, for its
database setting. The routes only read it and set members' read flags, which are
outside the log.
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
    filled: MailDatabase | None = services.mail
    if filled is not None:
        return filled  # the one the server's projector fills
    with _opening:
        database = getattr(state, "mail_database", None)
        if not isinstance(database, MailDatabase):
            database = open_mail_database(services.setting)
            state.mail_database = database
        return database
