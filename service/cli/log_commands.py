"""The tamper-evident log's commands: ``log keygen|checkpoint|checkpoints|prove|check-proof|
tiles|rebuild|status`` and ``verify``.

Each brings the tree up to the log's head first (with a progress bar when far
behind). A check that fails exits 1 (``SystemExit``: with typer's ``standalone_mode``
off, a ``typer.Exit`` code would be returned and lost); bad input exits 2. The
private key is read from ``--key`` / ``REMIX_LEDGER_LOG_KEY`` to sign and is never
printed, stored or logged; only its verifier key is.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from ledger.domain.errors import LedgerError
from service.cli.acts import emit_json_line
from service.cli.context import CliState, Format, emit_json, state_of
from service.cli.progress import progress_bar

# The log's modules load ``cryptography`` (Ed25519): each command imports them when it
# runs, so the other commands and ``--help`` never pay for them.
if TYPE_CHECKING:
    from ledger.transparency.notes import Verifier
    from ledger.transparency.store import TreeStore

__all__ = ["VKEY_ENV_VAR", "register"]

VKEY_ENV_VAR = "REMIX_LEDGER_LOG_VKEY"
#: ``ledger.transparency.checkpoints.KEY_ENV_VAR``, for the help text without importing it.
KEY_ENV_VAR = "REMIX_LEDGER_LOG_KEY"
_UNSIGNED = (
    "No signature was checked: no --vkey was given and no checkpoint is recorded."
    " Pass the log's published verifier key to check that its checkpoints are there."
)
_UNTRUSTED = (
    "No signature was checked against a key you trust: without --vkey the key recorded"
    " with the first checkpoint, which the database itself names, was used."
    " Pass the log's published verifier key."
)
_FAR_BEHIND = 5_000


def current_tree(state: CliState) -> TreeStore:
    """The ledger's tree, caught up with the log (a progress bar when far behind)."""
    from ledger.transparency.store import TreeStore

    store = TreeStore(state.ledger)
    _, last = store.head()
    behind = state.ledger.head - last
    if behind > _FAR_BEHIND:
        with progress_bar() as bar:
            task = bar.add_task("hashing the log", total=behind)
            store.catch_up(on_progress=lambda position: bar.update(task, completed=position - last))
    else:
        store.catch_up()
    return store


def _verifiers(vkeys: list[str] | None) -> list[Verifier]:
    """``--vkey`` values (a key, or a file holding one), else ``$REMIX_LEDGER_LOG_VKEY``."""
    from ledger.transparency.notes import parse_verifier_key

    given = list(vkeys or [])
    if not given and os.environ.get(VKEY_ENV_VAR):
        given = [os.environ[VKEY_ENV_VAR]]
    found = []
    for value in given:
        text = value
        if "+" not in value and Path(value).is_file():
            lines = (_read_note(Path(value)) or "").strip().splitlines()
            text = lines[-1] if lines else ""
        found.append(parse_verifier_key(text))
    return found


def _read_json(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(Path(path).read_text())
    except OSError as error:
        raise LedgerError(f"cannot read {path}: {error.strerror}") from None
    except ValueError as error:
        raise LedgerError(f"{path} is not JSON: {error}") from None
    if not isinstance(document, dict):
        raise LedgerError(f"{path} is not a proof document (a JSON object)")
    return document


def _read_note(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise LedgerError(f"cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise LedgerError(f"{path} is not text") from None


def register(app: typer.Typer) -> None:
    log = typer.Typer(
        help="The tamper-evident log: keys, signed checkpoints, proofs and tiles.",
        no_args_is_help=True,
    )
    app.add_typer(log, name="log")

    @log.command()
    def keygen(
        output: Path = typer.Option(..., "-o", "--output", help="The private key file to write."),
        origin: str | None = typer.Option(
            None, "--origin", help="The log's name (default: HOST/remix-ledger)."
        ),
    ) -> None:
        """Make a signing key: the private key goes to FILE (mode 0600); the verifier key,
        for anyone who checks the log, is the last line printed."""
        from ledger.transparency.checkpoints import default_origin, write_new_key

        signer = write_new_key(output, origin or default_origin())
        typer.echo(f"Wrote the private key of {signer.name} to {output} (mode 0600).")
        typer.echo("The verifier key (publish it; it checks the log's checkpoints):")
        typer.echo(signer.verifier.vkey)

    @log.command()
    def checkpoint(
        ctx: typer.Context,
        key: Path | None = typer.Option(
            None, "--key", help=f"The private key file (default: ${KEY_ENV_VAR})."
        ),
        output_format: Format = typer.Option(Format.text, "--format", help="text or json."),
    ) -> None:
        """Sign the log's current head and record the checkpoint; print it. The key's
        state file (KEY.last-checkpoint, beside it) keeps the last checkpoint it signed:
        a head that does not extend that one is refused."""
        from ledger.transparency.checkpoints import read_log_key, sign_checkpoint

        log_key = read_log_key(key)
        state = state_of(ctx)
        state.recording()
        store = current_tree(state)
        signed = sign_checkpoint(store, log_key.signer, log_key.state)
        if output_format is Format.json:
            # A checkpoint is no event of the log: its size (the log position it
            # signs) says where it stands, as in `log checkpoints --format json`.
            line = {
                "recorded": "checkpoint",
                "size": signed.size,
                "recorded_at": signed.recorded_at,
                "vkey": signed.vkey,
                "note": signed.note,
            }
            emit_json_line(line)
            return
        typer.echo(signed.note, nl=False)

    @log.command()
    def checkpoints(
        ctx: typer.Context,
        output_format: Format = typer.Option(Format.text, "--format"),
    ) -> None:
        """Every recorded checkpoint, oldest first."""
        from ledger.transparency.store import TreeStore

        store = TreeStore(state_of(ctx).ledger)
        found = store.checkpoints()
        if output_format is Format.json:
            emit_json(
                [
                    {"size": c.size, "recorded_at": c.recorded_at, "vkey": c.vkey, "note": c.note}
                    for c in found
                ]
            )
            return
        if not found:
            typer.echo("No checkpoints yet (remix-ledger log checkpoint --key FILE).")
        for c in found:
            typer.echo(f"{c.recorded_at}  size {c.size}  signed by {c.vkey.split('+')[0]}")

    @log.command()
    def status(ctx: typer.Context) -> None:
        """The tree's size, the log's head and the latest checkpoint."""
        state = state_of(ctx)
        store = current_tree(state)
        latest = store.latest_checkpoint()
        typer.echo(f"tree size {store.size}; log head position {state.ledger.head}")
        typer.echo(
            "no checkpoint yet" if latest is None else f"latest checkpoint: size {latest.size}"
        )

    @log.command()
    def rebuild(ctx: typer.Context) -> None:
        """Throw the stored tree away and hash the whole log again (checkpoints are kept)."""
        from ledger.transparency.store import TreeStore

        state = state_of(ctx)
        store = TreeStore(state.ledger)
        head = state.ledger.head
        with progress_bar() as bar:
            task = bar.add_task("hashing the log", total=head)
            size = store.rebuild(on_progress=lambda position: bar.update(task, completed=position))
        typer.echo(f"Rebuilt the tree: {size} leaves.")

    @log.command()
    def prove(
        ctx: typer.Context,
        position: int | None = typer.Option(
            None, "--position", help="Prove that the event at this position is in the log."
        ),
        size: int | None = typer.Option(
            None, "--size", help="In the tree of this size (default: the latest checkpoint's)."
        ),
        old: int | None = typer.Option(
            None, "--from", help="Prove the tree of this size is a prefix of ..."
        ),
        new: int | None = typer.Option(
            None, "--to", help="... the tree of this size (default: the latest checkpoint's)."
        ),
    ) -> None:
        """An inclusion proof (--position P [--size N]) or a consistency proof
        (--from N [--to M]), as JSON with base64 hashes."""
        from ledger.transparency.proving import prove_consistency, prove_inclusion

        if (position is None) == (old is None):
            raise LedgerError("give either --position P [--size N] or --from N [--to M]")
        if position is not None and new is not None:
            raise LedgerError("--to goes with --from; an inclusion proof takes --size")
        if old is not None and size is not None:
            raise LedgerError("--size goes with --position; a consistency proof takes --to")
        store = current_tree(state_of(ctx))
        if position is not None:
            emit_json(prove_inclusion(store, position, size))
        else:
            assert old is not None
            emit_json(prove_consistency(store, old, new))

    @log.command("check-proof")
    def check_proof(
        proof: Path = typer.Argument(..., help="The proof (JSON from `log prove`)."),
        vkey: list[str] = typer.Option(
            None, "--vkey", help=f"The log's verifier key, or a file holding it (${VKEY_ENV_VAR})."
        ),
        checkpoint_file: Path | None = typer.Option(
            None,
            "--checkpoint",
            help="A signed checkpoint to check against (default: the proof's).",
        ),
        old_checkpoint_file: Path | None = typer.Option(
            None, "--old-checkpoint", help="The older signed checkpoint, for a consistency proof."
        ),
    ) -> None:
        """Check a proof offline, against signed checkpoints and the verifier key only.
        Exit 0 if it holds, 1 if it does not."""
        from ledger.transparency.documents import check_document
        from ledger.transparency.notes import NoteError
        from ledger.transparency.proofs import ProofError

        verifiers = _verifiers(vkey)
        if not verifiers:
            raise LedgerError(f"no verifier key: pass --vkey KEY or set {VKEY_ENV_VAR}")
        document = _read_json(proof)
        try:
            said = check_document(
                document,
                verifiers,
                _read_note(checkpoint_file),
                _read_note(old_checkpoint_file),
            )
        except (ProofError, NoteError) as error:
            typer.echo(f"remix-ledger: the proof does not hold: {error}", err=True)
            raise SystemExit(1) from None
        typer.echo(f"OK: {said}")

    @log.command()
    def tiles(
        ctx: typer.Context,
        output: Path = typer.Option(..., "-o", "--output", help="The folder to write."),
    ) -> None:
        """Write the latest signed checkpoint and its tiles and entry bundles (C2SP
        tlog-tiles) under DIR, for any static host or mirror."""
        from ledger.transparency.tiles import tile_path, tiles_for_size

        store = current_tree(state_of(ctx))
        latest = store.latest_checkpoint()
        if latest is None:
            raise LedgerError("no signed checkpoint yet: run `remix-ledger log checkpoint` first")
        written = 0
        with progress_bar() as bar:
            task = bar.add_task("writing tiles", total=None)
            for level, index, width in tiles_for_size(latest.size):
                path = output / tile_path(level, index, width)
                if width is None and path.exists():
                    continue  # a full tile never changes
                data = (
                    store.entry_bundle(index, width)
                    if level == "entries"
                    else store.tile(int(level), index, width)
                )
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
                written += 1
                bar.advance(task)
        output.mkdir(parents=True, exist_ok=True)
        (output / "checkpoint").write_text(latest.note)
        typer.echo(f"Wrote the checkpoint of size {latest.size} and {written} tiles to {output}.")

    @app.command()
    def verify(
        ctx: typer.Context,
        vkey: list[str] = typer.Option(
            None,
            "--vkey",
            help=f"The log's verifier key, or a file holding it (${VKEY_ENV_VAR});"
            " default: the key of the first checkpoint.",
        ),
        key_state: Path | None = typer.Option(
            None,
            "--key-state",
            help="The signing key's state file (KEY.last-checkpoint): report the checkpoint"
            " it signed last if the database lost it. Needs --vkey.",
        ),
        output_format: Format = typer.Option(Format.text, "--format"),
    ) -> None:
        """Re-read the whole log, recompute the tree, and check it against the stored tree
        and every signed checkpoint. Exit 0 if all holds; 1 at the first mismatch (and
        when a key is given but no checkpoint it signed is recorded)."""
        from ledger.transparency.audit import audit
        from ledger.transparency.signer_state import read_last_signed
        from ledger.transparency.store import TreeStore

        state = state_of(ctx)
        verifiers = _verifiers(vkey)
        last_signed = None
        if key_state is not None:
            if not verifiers:
                raise LedgerError("--key-state needs the key's verifier key: pass --vkey KEY")
            last_signed = read_last_signed(key_state, verifiers)
            if last_signed is None:
                raise LedgerError(f"{key_state} does not exist: the key has no state file yet")
        store = TreeStore(state.ledger)
        head = state.ledger.head
        with progress_bar() as bar:
            task = bar.add_task("verifying", total=head)
            report = audit(
                store,
                verifiers,
                on_progress=lambda position: bar.update(task, completed=position),
                last_signed=last_signed,
            )
        if output_format is Format.json:
            emit_json(
                {
                    "ok": report.ok,
                    "events": report.events,
                    "leaves": report.leaves,
                    "not_yet_in_tree": report.untracked,
                    "checkpoints": report.checkpoints,
                    "checkpoints_verified": report.verified,
                    "trusted_key": report.trusted_key,
                    "key_given": report.key_given,
                    "findings": [
                        {"kind": str(f.kind), "position": f.position, "message": f.message}
                        for f in report.findings
                    ],
                }
            )
        elif report.ok:
            typer.echo(
                f"OK: {report.events} events, {report.leaves} in the tree"
                f" ({report.untracked} not yet), {report.verified} checkpoints verified"
                + (f" with {report.trusted_key}" if report.trusted_key else "")
            )
            if not report.key_given:
                typer.echo(_UNTRUSTED if report.trusted_key else _UNSIGNED)
        else:
            for finding in report.findings:
                typer.echo(f"MISMATCH at {finding}", err=True)
        if not report.ok:
            raise SystemExit(1)
