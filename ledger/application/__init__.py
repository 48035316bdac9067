"""The application layer: the ``Ledger`` application and its commands, by use case.

Owns: the commands (``members``: members and tokens; ``works``: works and citations;
``comments``: comments and votes; ``productions``: productions and statements; next,
``proposals``), each a mixin of load, check, act, save that ``ledger.Ledger`` is composed
of; what they share (``base``: running a command, the lookups; ``new_records``: the ids
of created records; ``royalty_stacks``: the ``absolute``-policy checks;
``version_check``); the unit of work and its retries (``unit_of_work``,
``operations``); and the queries over the log (``census``, ``history``, ``log``,
``tokens``).
May import: the standard library, eventsourcing, ``ledger.domain`` and
``ledger.adapters``. This package's ``__init__`` imports nothing, so no module here
imports back through it.
"""
