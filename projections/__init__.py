"""Read models derived from the ledger's log: rankings, histories, the lineage edge store.

Owns: projections that follow the notification log exactly once and can be
rebuilt from position 0. May import: ledger, eventsourcing, the standard library.
Never imports service or lineage.
"""
