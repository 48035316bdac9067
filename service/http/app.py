"""``create_app(settings)``: the FastAPI application, wired in one place.

When the server starts it opens the ledger, the read models, the lineage graph
and the idempotency store (``Services``) and starts what follows the log; when
it stops it closes them all. ``app.state.services`` holds them; ``app.state.ledger`` is the
ledger, for routers that need nothing else.
"""

from __future__ import annotations

import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI

from ledger import Ledger
from ledger.transparency.checkpoints import read_log_key, run_checkpoints
from ledger.transparency.store import TreeStore
from ledger.transparency.tables import TransparencyUnavailableError
from service.http.auth_throttle import AuthFailureThrottle
from service.http.docs_pages import router as docs_pages
from service.http.failures import FailureAnswers
from service.http.headers import NoSniff
from service.http.idempotent_writes import IdempotentWrites
from service.http.limits import RequestLimits
from service.http.problems import install_problem_handlers
from service.http.routes import ROUTERS
from service.http.schemas import PROBLEM_RESPONSES
from service.http.services import Services
from service.http.settings import ServerSettings
from service.web import router as web_pages

__all__ = ["SETTINGS_ENV", "app_from_environment", "create_app"]

#: How ``remix-ledger serve`` hands its settings to worker processes (JSON).
SETTINGS_ENV = "REMIX_LEDGER_SERVER_SETTINGS"


def create_app(settings: ServerSettings | None = None) -> FastAPI:
    """The API over the ledger ``settings.db`` names.

    Its parts are opened when the server starts (the ASGI lifespan) and closed
    when it stops, so a server that is started again opens them again.
    """
    settings = settings or ServerSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = await to_thread.run_sync(Services.open, settings)
        app.state.services = services
        app.state.ledger = services.ledger
        app.state.tree_store = _tree_store(services.ledger)
        checkpoints = CheckpointSigner(app.state.tree_store, settings)
        checkpoints.start()
        try:
            yield
        finally:
            checkpoints.stop()
            app.state.tree_store = None
            await to_thread.run_sync(services.close)

    app = FastAPI(
        title="Remix Ledger",
        summary="An event-sourced collaboration ledger: credits, royalties and remix family trees.",
        version="1",
        lifespan=lifespan,
        responses=PROBLEM_RESPONSES,
        docs_url=None,  # service.http.docs_pages serves them, without a CDN
        redoc_url=None,
    )
    install_problem_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(docs_pages)
    app.include_router(web_pages)  # the web pages: /, /works/..., /members/..., /audit
    # Outermost last: an address that keeps failing to authenticate is refused first,
    # then limits see every request, then idempotency reads the body.
    app.add_middleware(IdempotentWrites, state=app.state)
    app.add_middleware(
        RequestLimits,
        max_body_bytes=settings.max_body_bytes,
        body_read_seconds=settings.body_read_seconds,
    )
    app.add_middleware(AuthFailureThrottle)
    app.add_middleware(NoSniff)
    app.add_middleware(FailureAnswers)  # outermost: an error it meets is answered, not re-raised
    return app


def _tree_store(ledger: Ledger) -> TreeStore | None:
    """The transparency log's tree; None for an in-memory ledger, which has no tables."""
    try:
        return TreeStore(ledger)
    except TransparencyUnavailableError:
        return None


class CheckpointSigner:
    """The thread that keeps the transparency log's tree current and, with a key,
    signs a checkpoint when the log has grown, at most every ``checkpoint_interval``."""

    def __init__(self, store: TreeStore | None, settings: ServerSettings) -> None:
        # Read now, so a bad key file stops the server at start, not in the thread.
        key = None if settings.log_key is None else read_log_key(settings.log_key)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if store is None:
            return
        self._thread = threading.Thread(
            target=run_checkpoints,
            args=(
                store,
                None if key is None else key.signer,
                settings.checkpoint_interval,
                self._stop,
                None if key is None else key.state,
            ),
            name="remix-ledger-checkpoints",
            daemon=True,
        )

    def start(self) -> None:
        if self._thread is not None:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)


def app_from_environment() -> FastAPI:
    """The app as ``serve`` configured it (an import string for uvicorn's workers)."""
    import json

    return create_app(ServerSettings(**json.loads(os.environ.get(SETTINGS_ENV, "{}"))))
