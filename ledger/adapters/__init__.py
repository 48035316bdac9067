"""The adapters: where the ledger meets its storage.

Owns: the database setting, the recorders and storage-error translation, bulk and
read-only reads, the citation lock, the existence check, the transcodings, the
PostgreSQL connection helpers, and the log scans that find derived works and paying
productions without loading aggregates.
May import: the standard library, eventsourcing, psycopg (lazily) and
``ledger.domain``; ``read_only`` alone builds a ``Ledger`` over read-only recorders,
so it imports ``ledger.application.ledger``. Nothing in ``ledger.application``
imports ``read_only``.
"""
