"""C2SP signed notes with Ed25519, and the tlog-checkpoint text they sign. Pure: no database.

- a note is text ending in a newline, a blank line, then signature lines
  ``— <key name> <base64(key id || signature)>`` (an em dash, U+2014);
- the key id is the first 4 bytes of SHA-256(key name || 0x0A || 0x01 || public key);
- a verifier key reads ``<name>+<hex key id>+<base64(0x01 || public key)>``;
- a signer key (the private key file) is Go's ``golang.org/x/mod/sumdb/note`` form,
  ``PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 || seed)>``, so either tool can use it;
- a checkpoint is the note text ``<origin>\\n<size>\\n<base64 root>\\n``.

>>> signer, verifier = generate_key("example.com/log")
>>> note = sign_note(format_checkpoint("example.com/log", 3, bytes(32)), signer)
>>> parse_checkpoint(open_note(note, [verifier])).size
3
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ledger.domain.errors import LedgerError

__all__ = [
    "Checkpoint",
    "NoteError",
    "Signer",
    "Verifier",
    "format_checkpoint",
    "generate_key",
    "key_id",
    "open_note",
    "parse_checkpoint",
    "parse_signer_key",
    "parse_verifier_key",
    "sign_note",
    "signatures_of",
]

ED25519 = 0x01
_DASH = "\u2014"
_MAX_SIGNATURES = 100


class NoteError(LedgerError):
    """A note, a key or a checkpoint that is malformed or does not verify."""


def key_id(name: str, public_key: bytes) -> bytes:
    """SHA-256(name || 0x0A || 0x01 || public key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + public_key).digest()[:4]


def _check_name(name: str) -> str:
    if not name or "+" in name or any(c.isspace() for c in name) or not name.isprintable():
        raise NoteError(f"a key name must be non-empty, without spaces or '+': {name!r}")
    return name


def _b64decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError(f"{what} is not base64") from None


@dataclass(frozen=True)
class Verifier:
    """A public key that checks notes: its name, key id and Ed25519 key."""

    name: str
    id: bytes
    public_key: bytes

    @property
    def vkey(self) -> str:
        encoded = base64.b64encode(bytes([ED25519]) + self.public_key).decode()
        return f"{self.name}+{self.id.hex()}+{encoded}"

    def verifies(self, text: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, text)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class Signer:
    """A private key that signs notes. Its ``repr`` never shows the key."""

    name: str
    id: bytes
    seed: bytes

    def __repr__(self) -> str:
        return f"Signer(name={self.name!r}, id={self.id.hex()!r})"

    @property
    def verifier(self) -> Verifier:
        public = (
            Ed25519PrivateKey.from_private_bytes(self.seed)
            .public_key()
            .public_bytes(Encoding.Raw, PublicFormat.Raw)
        )
        return Verifier(self.name, self.id, public)

    @property
    def skey(self) -> str:
        """The private key file's text (keep it secret)."""
        encoded = base64.b64encode(bytes([ED25519]) + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.id.hex()}+{encoded}"

    def sign(self, text: bytes) -> bytes:
        return Ed25519PrivateKey.from_private_bytes(self.seed).sign(text)


def generate_key(name: str) -> tuple[Signer, Verifier]:
    """A fresh Ed25519 key named ``name``."""
    _check_name(name)
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    seed = private.private_bytes_raw()
    signer = Signer(name, key_id(name, public), seed)
    return signer, signer.verifier


def _key_parts(text: str, prefix: str, what: str) -> tuple[str, bytes, bytes]:
    if not text.startswith(prefix):
        raise NoteError(f"{what} must look like {prefix}NAME+KEYID+KEY")
    # The key is base64, which may hold "+" itself.
    parts = text[len(prefix) :].split("+", 2)
    if len(parts) != 3:
        raise NoteError(f"{what} must look like {prefix}NAME+KEYID+KEY")
    name, hex_id, encoded = parts
    _check_name(name)
    try:
        claimed = bytes.fromhex(hex_id)
    except ValueError:
        raise NoteError(f"{what}: the key id {hex_id!r} is not hex") from None
    raw = _b64decode(encoded, f"{what}'s key")
    if len(claimed) != 4 or len(raw) != 33 or raw[0] != ED25519:
        raise NoteError(f"{what} is not an Ed25519 key")
    return name, claimed, raw[1:]


def parse_verifier_key(vkey: str) -> Verifier:
    """A verifier from its ``name+keyid+key`` text; ``NoteError`` if it is not one."""
    name, claimed, public = _key_parts(vkey.strip(), "", "a verifier key")
    if key_id(name, public) != claimed:
        raise NoteError("the verifier key's id does not match its name and key")
    return Verifier(name, claimed, public)


def parse_signer_key(skey: str) -> Signer:
    """A signer from its ``PRIVATE+KEY+name+keyid+key`` text (a key file's content)."""
    name, claimed, seed = _key_parts(skey.strip(), "PRIVATE+KEY+", "a private key")
    signer = Signer(name, claimed, seed)
    if key_id(name, signer.verifier.public_key) != claimed:
        raise NoteError("the private key's id does not match its name and key")
    return signer


def sign_note(text: str, signer: Signer) -> str:
    """The signed note of ``text`` (which must end in a newline)."""
    _check_text(text)
    signature = base64.b64encode(signer.id + signer.sign(text.encode())).decode()
    return f"{text}\n{_DASH} {signer.name} {signature}\n"


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("a note's text must end in a newline")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise NoteError("a note must hold no control characters but newlines")


def signatures_of(note: str) -> tuple[str, list[tuple[str, bytes, bytes]]]:
    """A note's text and its signatures as (key name, key id, signature bytes)."""
    _check_text(note)
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("the note has no signatures (no blank line before them)")
    text, lines = note[: split + 1], note[split + 2 :].splitlines()
    if not lines or len(lines) > _MAX_SIGNATURES:
        raise NoteError("the note has no signature lines, or too many")
    signatures = []
    for line in lines:
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != _DASH:
            raise NoteError(f"not a signature line: {line[:60]!r}")
        raw = _b64decode(parts[2], "a signature")
        if len(raw) < 5:
            raise NoteError("a signature is too short")
        signatures.append((_check_name(parts[1]), raw[:4], raw[4:]))
    return text, signatures


def open_note(note: str, verifiers: Sequence[Verifier]) -> str:
    """The note's text if a known key signed it; ``NoteError`` otherwise.

    As the spec says: signatures by unknown keys are ignored, one by a known key
    that fails rejects the note, and at least one known key must have signed.
    """
    text, signatures = signatures_of(note)
    known = {(v.name, v.id): v for v in verifiers}
    verified = False
    for name, claimed, signature in signatures:
        verifier = known.get((name, claimed))
        if verifier is None:
            continue
        if not verifier.verifies(text.encode(), signature):
            raise NoteError(f"the signature by {name} does not verify")
        verified = True
    if not verified:
        raise NoteError("the note is not signed by a known key")
    return text


@dataclass(frozen=True)
class Checkpoint:
    """A tlog-checkpoint: the log's origin, its size and its root hash."""

    origin: str
    size: int
    root: bytes


def format_checkpoint(origin: str, size: int, root: bytes) -> str:
    """The checkpoint's note text: origin, size and base64 root, one a line."""
    if not origin or "\n" in origin:
        raise NoteError("a checkpoint's origin must be one non-empty line")
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


def parse_checkpoint(text: str) -> Checkpoint:
    """The checkpoint a note's text holds (extension lines are ignored)."""
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "" or not all(lines[:-1]):
        raise NoteError("a checkpoint has an origin, a size and a root, one a line")
    origin, size_text, root_text = lines[:3]
    if not size_text.isdigit() or (size_text.startswith("0") and size_text != "0"):
        raise NoteError(f"the checkpoint's size {size_text!r} is not a decimal number")
    root = _b64decode(root_text, "the checkpoint's root")
    if len(root) != 32:
        raise NoteError("the checkpoint's root is not a SHA-256 hash")
    return Checkpoint(origin, int(size_text), root)
