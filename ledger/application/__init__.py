"""The application layer: the ``Ledger`` application and its commands, by use case.

Owns: the commands (``members``: members and tokens; ``works``: works and citations;
``comments``: comments and votes; ``productions``: productions and statements), each a
load, check, act, save; the unit of work and its retries (``unit_of_work``,
``operations``); the lookups; and the queries over the log (``census``, ``history``,
``log``, ``tokens``).
May import: the standard library, eventsourcing, ``ledger.domain`` and
``ledger.adapters``. This package's ``__init__`` imports nothing, so no module here
imports back through it.
"""
