"""How a follower of the log (the projector, the lineage graph) waits out a failure.

A full disk or a locked database can last minutes or hours. Logging a
traceback every second for all that time hides everything else in the log, and
retrying every second gains nothing; stopping would leave the read models behind
for good. So a follower says once that it failed and why (a temporary storage
failure in one line, anything else with its traceback), then at most once a
minute that it still fails, retries after a pause that doubles up to 30 s, and
says when it has resumed.
"""

from __future__ import annotations

import logging
import time

from ledger.adapters.storage import storage_error

__all__ = ["Outage"]

_log = logging.getLogger("remix_ledger.http")
_FIRST_PAUSE = 1.0
_LONGEST_PAUSE = 30.0
_REMIND_EVERY = 60.0


class Outage:
    """The failures of one follower since it last made progress."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.failures = 0
        self._pause = _FIRST_PAUSE
        self._since = 0.0
        self._reminded = 0.0

    def failed(self, error: Exception) -> float:
        """Record a failure (logging it if it is time to); the seconds to wait before retrying."""
        now = time.monotonic()
        named = storage_error(error)
        if self.failures == 0:
            self._since = self._reminded = now
            if named is not None:
                _log.error("following the log for %s failed: %s; retrying", self.what, named)
            else:
                _log.exception("following the log for %s failed; retrying", self.what)
        elif now - self._reminded >= _REMIND_EVERY:
            self._reminded = now
            _log.error(
                "following the log for %s still fails (%d times in %.0fs): %s",
                self.what,
                self.failures + 1,
                now - self._since,
                named if named is not None else f"{type(error).__name__}: {error}",
            )
        self.failures += 1
        pause = self._pause
        self._pause = min(self._pause * 2, _LONGEST_PAUSE)
        return pause

    def progressed(self) -> None:
        """The follower made progress: if it had been failing, say it has resumed."""
        if self.failures:
            _log.warning(
                "following the log for %s resumed after %d failures in %.0fs",
                self.what,
                self.failures,
                time.monotonic() - self._since,
            )
        self.failures = 0
        self._pause = _FIRST_PAUSE
