"""Entry point of ``remix-ledger``: global options, sub-commands, and error handling.

Every user error (a broken rule, bad input, a bad database setting) ends as one
line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path

import typer

from ledger.adapters.storage import storage_error
from ledger.domain.errors import LedgerError
from service.cli import (
    archive,
    contacts,
    demo,
    lineage_commands,
    log_commands,
    notifications,
    proposals,
    queries,
    records,
    serve,
    views,
)
from service.cli.context import CliState

__all__ = ["app", "main"]

app = typer.Typer(
    name="remix-ledger",
    help="An event-sourced collaboration ledger: credits, royalties and remix family trees.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _show_version(asked: bool) -> None:
    if asked:
        typer.echo(f"remix-ledger {version('remix-ledger')}")
        raise typer.Exit(0)


@app.callback()
def _global_options(
    ctx: typer.Context,
    _version: bool = typer.Option(
        False,
        "--version",
        callback=_show_version,
        is_eager=True,
        help="Print the version and exit.",
    ),
    db: str | None = typer.Option(
        None,
        "--db",
        envvar="REMIX_LEDGER_DB",
        help="Where the ledger lives: a file path (default ./remix-ledger.db);"
        " sqlite:///relative/path or sqlite:////absolute/path (SQLAlchemy's rule);"
        " memory:// (nothing kept: recording commands are refused); or"
        " postgresql://USER:PASSWORD@HOST:PORT/DBNAME[?schema=NAME].",
        show_default=False,
    ),
) -> None:
    ctx.obj = CliState(db)


production_app = records.register(app)
contacts.register(app)
lineage_commands.register(app, production_app)
proposals.register(app, production_app)
notifications.register(app)
archive.register(app)
demo.register(app)
queries.register(app)
views.register(app)
log_commands.register(app)
serve.register(app)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the CLI; exit 2 with one line on stderr for any user error."""
    stdout = sys.stdout
    try:
        app(args=list(argv) if argv is not None else None, standalone_mode=False)
        # Flush here, not at interpreter exit, so that a reader gone away (``| head -1``)
        # is a BrokenPipeError caught below rather than a failure after main returns.
        sys.stdout.flush()
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except typer.Abort:
        _fail("interrupted", 130)
    except typer.TyperException as error:
        if type(error).__name__ == "NoArgsIsHelpError":
            # A bare command group: click has shown its help, which is the answer.
            sys.exit(0)
        # Usage errors (unknown command, bad option value) from typer's own click.
        format_message = getattr(error, "format_message", None)
        _fail(format_message() if format_message else str(error), 2)
    except LedgerError as error:
        _fail(str(error), 2)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except BrokenPipeError:
        _stdout_gone()
    except SystemExit:
        # Click meets a closed stdout (EPIPE) itself: it wraps stdout to silence
        # the flush at exit, then exits 1. Its replaced stdout tells that apart.
        if sys.stdout is not stdout:
            _stdout_gone()
        raise
    except Exception as error:
        # A busy or full database that escaped the adapters: the cause, not a crash.
        busy_or_full = storage_error(error, _sqlite_file())
        if busy_or_full is not None:
            _fail(str(busy_or_full), 2)
        if os.environ.get("REMIX_LEDGER_DEBUG"):
            raise
        _fail(
            f"internal error: {type(error).__name__}: {error}"
            " (set REMIX_LEDGER_DEBUG=1 for a traceback)",
            1,
        )
    finally:
        state = _current_state()
        if state is not None:
            state.close()
    sys.exit(0)


def _stdout_gone() -> None:
    """End quietly when the reader of stdout has gone: its work is done.

    What is still buffered would fail again when Python flushes stdout at exit, so
    stdout is pointed at /dev/null first (Python's documentation, "Note on SIGPIPE").
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    sys.exit(0)


def _sqlite_file() -> Path | None:
    state = _current_state()
    try:
        return None if state is None else state.setting.sqlite_path
    except LedgerError:
        return None


def _current_state() -> CliState | None:
    return CliState.current


def _fail(message: str, code: int) -> None:
    first_line = message.strip().splitlines()[0] if message.strip() else "failed"
    print(f"remix-ledger: error: {first_line}", file=sys.stderr)
    sys.exit(code)
