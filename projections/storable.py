"""Text as the read models can store it, whatever an old ledger holds.

Commands refuse control characters now (``ledger.values.refused_character``),
but a ledger recorded before that rule may hold a title with NUL, which a
PostgreSQL text column cannot store, or a lone surrogate, which neither SQLite
nor PostgreSQL can encode. One such event used to stop the projector for good.
Here each such character becomes U+FFFD (the replacement character) in the read
model only, with one warning naming the event; the log keeps the text as recorded.
"""

from __future__ import annotations

import logging
import re

__all__ = ["REPLACEMENT", "storable_text"]

REPLACEMENT = "\ufffd"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_log = logging.getLogger("remix_ledger.projections")


def storable_text(text: str, what: str, position: int) -> str:
    """``text`` with NUL and lone surrogates replaced by U+FFFD (a search in C: the
    common case costs a scan and no copy)."""
    if _UNSTORABLE.search(text) is None:
        return text
    _log.warning(
        "the %s recorded at position %d holds NUL or a lone surrogate, which the read"
        " models cannot store; they show it with U+FFFD in its place",
        what,
        position,
    )
    return _UNSTORABLE.sub(REPLACEMENT, text)
