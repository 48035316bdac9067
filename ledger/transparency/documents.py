"""Proofs as JSON documents, and checking one offline. Pure: no database.

An inclusion proof says that the event at a position is leaf ``leaf_index`` of
the tree of ``tree_size`` leaves; a consistency proof that the tree of
``old_size`` leaves is a prefix of the tree of ``new_size``. Hashes are base64.
A document carries the signed checkpoints of its sizes when the ledger has them;
``check_document`` trusts only what a verifier key opens: the roots come from
signed checkpoints (the document's own, or ones the auditor brings), never from
the document's unsigned fields.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any

from ledger.domain.errors import LedgerError
from ledger.transparency.entries import EntryError, decode_entry
from ledger.transparency.merkle import leaf_hash
from ledger.transparency.notes import Checkpoint, Verifier, open_note, parse_checkpoint
from ledger.transparency.proofs import ProofError, verify_consistency, verify_inclusion

__all__ = [
    "ProofDocumentError",
    "check_document",
    "consistency_document",
    "inclusion_document",
]


class ProofDocumentError(LedgerError):
    """A proof document that is malformed or lacks what checking it needs."""


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def _unb64(document: dict[str, Any], key: str) -> bytes:
    try:
        return base64.b64decode(str(document[key]), validate=True)
    except KeyError:
        raise ProofDocumentError(f"the proof has no {key!r}") from None
    except (binascii.Error, ValueError):
        raise ProofDocumentError(f"the proof's {key!r} is not base64") from None


def _int(document: dict[str, Any], key: str) -> int:
    value = document.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ProofDocumentError(f"the proof's {key!r} is not a non-negative integer")
    return value


def inclusion_document(
    *,
    position: int,
    leaf_index: int,
    tree_size: int,
    entry: bytes,
    root: bytes,
    proof: Sequence[bytes],
    checkpoint: str | None,
) -> dict[str, Any]:
    return {
        "type": "inclusion",
        "position": position,
        "leaf_index": leaf_index,
        "tree_size": tree_size,
        "entry": _b64(entry),
        "leaf_hash": _b64(leaf_hash(entry)),
        "root": _b64(root),
        "proof": [_b64(node) for node in proof],
        "checkpoint": checkpoint,
    }


def consistency_document(
    *,
    old_size: int,
    new_size: int,
    old_root: bytes,
    new_root: bytes,
    proof: Sequence[bytes],
    old_checkpoint: str | None,
    checkpoint: str | None,
) -> dict[str, Any]:
    return {
        "type": "consistency",
        "old_size": old_size,
        "new_size": new_size,
        "old_root": _b64(old_root),
        "new_root": _b64(new_root),
        "proof": [_b64(node) for node in proof],
        "old_checkpoint": old_checkpoint,
        "checkpoint": checkpoint,
    }


def _signed(note: str | None, verifiers: Sequence[Verifier], size: int, what: str) -> Checkpoint:
    if not note:
        raise ProofDocumentError(
            f"no signed checkpoint of size {size} to check the {what} against"
            " (pass one, or sign one with `remix-ledger log checkpoint`)"
        )
    checkpoint = parse_checkpoint(open_note(note, verifiers))
    if checkpoint.size != size:
        raise ProofError(f"the {what} checkpoint is of size {checkpoint.size}, the proof of {size}")
    return checkpoint


def _path(document: dict[str, Any]) -> list[bytes]:
    nodes = document.get("proof")
    if not isinstance(nodes, list):
        raise ProofDocumentError("the proof's 'proof' is not a list")
    return [_unb64({"node": node}, "node") for node in nodes]


def check_document(
    document: dict[str, Any],
    verifiers: Sequence[Verifier],
    checkpoint: str | None = None,
    old_checkpoint: str | None = None,
) -> str:
    """Check a proof document; return what it proved, in one line, or raise.

    ``checkpoint`` and ``old_checkpoint`` (signed notes) replace the document's own.
    """
    kind = document.get("type")
    if kind == "inclusion":
        size, index = _int(document, "tree_size"), _int(document, "leaf_index")
        entry = _unb64(document, "entry")
        try:
            decoded = decode_entry(entry)
        except EntryError as error:
            raise ProofError(str(error)) from None
        if decoded.position != _int(document, "position"):
            raise ProofError(
                f"the entry is the event at position {decoded.position}, not {document['position']}"
            )
        signed = _signed(checkpoint or document.get("checkpoint"), verifiers, size, "signed")
        verify_inclusion(leaf_hash(entry), index, size, _path(document), signed.root)
        return (
            f"the event at position {decoded.position} ({decoded.topic}, version"
            f" {decoded.version} of {decoded.originator_id}) is leaf {index} of"
            f" {signed.origin}'s signed tree of {size}"
        )
    if kind == "consistency":
        old_size, new_size = _int(document, "old_size"), _int(document, "new_size")
        new = _signed(checkpoint or document.get("checkpoint"), verifiers, new_size, "new")
        old = _signed(old_checkpoint or document.get("old_checkpoint"), verifiers, old_size, "old")
        verify_consistency(old_size, new_size, old.root, new.root, _path(document))
        return f"{new.origin}'s signed tree of {new_size} extends its signed tree of {old_size}"
    raise ProofDocumentError(f"not a proof document (type {kind!r})")
