"""Signed notes and checkpoints match the C2SP spec's and Go's reference examples byte for
byte, and a note that was changed, or signed by another key, does not open."""

from __future__ import annotations

import pytest

from ledger.transparency.notes import (
    NoteError,
    format_checkpoint,
    generate_key,
    key_id,
    open_note,
    parse_checkpoint,
    parse_signer_key,
    parse_verifier_key,
    sign_note,
)

# From golang.org/x/mod/sumdb/note's documentation: Ed25519 signs deterministically.
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1"
    "FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
# From C2SP signed-note, "Verifier keys", Example.
SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = (
    "This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfX"
    "ppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)


def test_signing_gives_gos_reference_note_byte_for_byte() -> None:
    signer = parse_signer_key(GO_SKEY)
    assert signer.verifier.vkey == GO_VKEY
    assert signer.skey == GO_SKEY
    assert sign_note(GO_TEXT, signer) == GO_NOTE
    assert key_id("PeterNeumann", signer.verifier.public_key).hex() == "c74f20a3"


def test_the_specs_example_note_opens_with_its_verifier_key() -> None:
    assert open_note(SPEC_NOTE, [parse_verifier_key(SPEC_VKEY)]) == "This is an example message.\n"
    assert open_note(GO_NOTE, [parse_verifier_key(GO_VKEY)]) == GO_TEXT


def test_a_changed_note_or_another_key_does_not_open() -> None:
    verifier = parse_verifier_key(GO_VKEY)
    with pytest.raises(NoteError, match="does not verify"):
        open_note(GO_NOTE.replace("problem,", "problem;"), [verifier])
    _, other = generate_key("PeterNeumann")
    with pytest.raises(NoteError, match="not signed by a known key"):
        open_note(GO_NOTE, [other])
    with pytest.raises(NoteError):
        open_note(GO_TEXT, [verifier])


def test_the_private_key_never_shows_in_its_repr() -> None:
    signer = parse_signer_key(GO_SKEY)
    assert "AYEKFALV" not in repr(signer)
    assert signer.seed.hex() not in repr(signer)


@pytest.mark.parametrize(
    "vkey",
    [
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # wrong id
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+AhpcAA==",
        "PeterNeumann+c74f20a3",
        "",
    ],
)
def test_a_malformed_verifier_key_is_refused(vkey: str) -> None:
    with pytest.raises(NoteError):
        parse_verifier_key(vkey)


def test_a_checkpoint_round_trips_through_a_signed_note() -> None:
    signer, verifier = generate_key("studio.example/log")
    text = format_checkpoint("studio.example/log", 12, bytes(range(32)))
    assert text == "studio.example/log\n12\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
    checkpoint = parse_checkpoint(open_note(sign_note(text, signer), [verifier]))
    assert (checkpoint.origin, checkpoint.size, checkpoint.root) == (
        "studio.example/log",
        12,
        bytes(range(32)),
    )


@pytest.mark.parametrize(
    "text",
    ["origin\n012\nAAAA\n", "origin\n12\n", "origin\nten\nAAAA\n", "\n1\nAAAA\n", "o\n1\nAAAA\n"],
)
def test_a_malformed_checkpoint_is_refused(text: str) -> None:
    with pytest.raises(NoteError):
        parse_checkpoint(text)
