"""Tamper evidence: the ledger's log as an RFC 9162 transparency log.

Owns: the Merkle tree over the stored events (``merkle``, ``entries``), checking
proofs (``proofs``), the tree kept in the ledger's database (``store``), signed
checkpoints in the C2SP formats (``notes``, ``checkpoints``), tiles (``tiles``)
and re-checking everything from the stored rows (``audit``, with ``findings``,
``stored_leaves`` and ``checkpoint_audit``).
May import: the standard library, eventsourcing, the ``cryptography`` package
(Ed25519), and ``ledger``'s leaf modules; never ``projections`` or anything above.
The checking modules (``merkle``, ``proofs``, ``notes``) touch no database.
"""
