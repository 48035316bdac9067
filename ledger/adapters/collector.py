"""Pausing Python's cyclic garbage collector around work that makes no reference cycles.

Reference counting frees everything such work drops; the cyclic collector only
adds cost, and a lot of it when the work allocates tens of thousands of objects
while many others are alive: every collection of the older generations walks
them all again. The collector is switched back on (if it was on) however the
work ends. The switch is process-wide: another thread's garbage cycles made
meanwhile are collected once it is back on.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
