"""``remix-ledger serve``: the HTTP API under uvicorn (and the operators' token commands).

On SQLite (the default) one server process serves: the ledger has one writer,
and the read models follow in a thread of it. On PostgreSQL, ``--workers N``
processes (and more on other machines) share the ledger; one of them, elected by
an advisory lock, projects the read models, unless ``--projector external`` says
a separate ``remix-ledger projections run`` does (docs/deployment.md).
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict
from pathlib import Path

import typer

from ledger import open_ledger
from ledger.adapters.settings import resolve_db_setting
from ledger.domain.errors import InvalidValueError, StorageFullError
from service.cli import tokens
from service.cli.context import state_of

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    tokens.register(app)

    @app.command()
    def serve(
        ctx: typer.Context,
        host: str = typer.Option("127.0.0.1", "--host", help="The address to listen on."),
        port: int = typer.Option(8000, "--port", min=0, max=65535),
        workers: int = typer.Option(
            1, "--workers", min=1, max=64, help="Server processes (PostgreSQL only beyond 1)."
        ),
        closed_registration: bool = typer.Option(
            False, "--closed-registration", help="Registering members needs the operator token."
        ),
        projector: str | None = typer.Option(
            None,
            "--projector",
            help="Who projects the read models: thread (SQLite default), elected"
            " (PostgreSQL default) or external (a separate `projections run`).",
        ),
        max_body_bytes: int = typer.Option(1 << 20, "--max-body-bytes", min=1024),
        log_key: str | None = typer.Option(
            None,
            "--log-key",
            envvar="REMIX_LEDGER_LOG_KEY",
            help="The transparency log's signing key (log keygen): sign a checkpoint"
            " when the log has grown.",
        ),
        checkpoint_every: float = typer.Option(
            60.0,
            "--checkpoint-every",
            min=0.1,
            help="Seconds between checkpoints, at most one each (with --log-key).",
        ),
        lineage_budget: float = typer.Option(
            10.0,
            "--lineage-budget",
            min=0.01,
            help="Seconds a request's credits, statements, tree or provenance may take;"
            " past them it is answered 503 with Retry-After.",
        ),
        lineage_workers: int = typer.Option(
            2,
            "--lineage-workers",
            min=1,
            max=64,
            help="Lineage computations at once (as many more may wait; beyond, 503).",
        ),
        smtp: str | None = typer.Option(
            None,
            "--smtp",
            envvar="REMIX_LEDGER_SMTP",
            help="Mail notifications through this server: smtp://HOST[:PORT] or"
            " smtp+starttls://[USER:PASSWORD@]HOST[:PORT][?from=ADDRESS&cafile=FILE]"
            " (docs/payments.md).",
        ),
        log_level: str = typer.Option(
            "info", "--log-level", help="uvicorn's: warning drops the access log."
        ),
    ) -> None:
        """Serve the HTTP API (OpenAPI at /openapi.json, interactive docs at /docs)."""
        import uvicorn

        from service.http.app import SETTINGS_ENV
        from service.http.settings import ServerSettings

        db = state_of(ctx).db
        setting = resolve_db_setting(db)
        if workers > 1 and setting.backend != "postgres":
            raise InvalidValueError(
                f"--workers {workers} needs PostgreSQL; an {setting.backend} ledger has one"
                " writer process (see docs/deployment.md)"
            )
        if projector not in (None, "thread", "elected", "external"):
            raise InvalidValueError(f"--projector {projector!r} is not thread, elected or external")
        if projector == "elected" and setting.backend != "postgres":
            raise InvalidValueError("--projector elected needs PostgreSQL")
        # A bad --db fails here, in one line, not in each worker. A full disk is not a
        # bad setting: the server starts, serving reads only, and says why.
        with contextlib.suppress(StorageFullError):
            open_ledger(db).close()
        if log_key is not None:
            from ledger.transparency.checkpoints import read_signer

            read_signer(log_key)  # and so does a bad key file
        if smtp is not None:
            from projections.smtp_url import parse_smtp_url

            parse_smtp_url(smtp)  # a bad URL fails here, in one line
        if log_key is not None and workers > 1:
            raise InvalidValueError(
                "--log-key with --workers: every worker would sign; run one signing server"
                " (or `remix-ledger log checkpoint` on a timer) beside the others"
            )
        settings = ServerSettings(
            db=setting.url,
            closed_registration=closed_registration,
            projector=projector,
            max_body_bytes=max_body_bytes,
            log_key=None if log_key is None else str(Path(log_key).resolve()),
            checkpoint_interval=checkpoint_every,
            lineage_budget_seconds=lineage_budget,
            lineage_workers=lineage_workers,
            smtp_url=smtp,
        )
        os.environ[SETTINGS_ENV] = json.dumps(asdict(settings))
        uvicorn.run(
            "service.http.app:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            proxy_headers=False,
            server_header=False,
            log_level=log_level,
        )
