"""The domain: the aggregates (member, work, comment, vote, production, API token),
their events, values, rules, errors, id derivations, bounded numbers and the
royalty-stack rules.

Owns: every rule a command checks and every state an event applies.
May import: the standard library and ``eventsourcing.domain`` only; never the
application layer, the adapters, or any framework (``tests/ledger/test_layout.py``
walks the imports).

Every aggregate and event class names its topic (``TOPIC``): the module path it was
recorded under before issue 24 moved it here, which stored events, exports and the
transparency log's leaves carry (docs/event-evolution.md).
"""
