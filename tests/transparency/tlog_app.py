"""A minimal app serving only the log's router, over the ledger ``$REMIX_LEDGER_DB`` names
(what ``service.http.create_app`` includes among its routers)."""

from __future__ import annotations

import os

from fastapi import FastAPI

from ledger import open_ledger
from service.http.routes.tlog import router


def create() -> FastAPI:
    app = FastAPI()
    app.state.ledger = open_ledger(os.environ["REMIX_LEDGER_DB"])
    app.include_router(router)
    return app
