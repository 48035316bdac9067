"""The tamper-evident log over HTTP, as C2SP tlog-tiles, plus proofs as JSON.

- ``GET /log/checkpoint``: the latest signed checkpoint (text/plain; cached a few seconds);
- ``GET /log/tile/<L>/<N>[.p/<W>]``: a tile of hashes; full tiles are immutable;
- ``GET /log/tile/entries/<N>[.p/<W>]``: an entry bundle (uint16-length-prefixed entries);
- ``GET /log/proof/inclusion?position=P[&size=N]``,
  ``GET /log/proof/consistency?from=N[&to=M]``: proof documents (base64 hashes).

The ledger is ``request.app.state.ledger``; the tree over it is opened once per
app and kept on ``app.state.tree_store``. Errors are RFC 9457 problem details.
"""

from __future__ import annotations

import threading
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from ledger.transparency.proving import ProofRequestError, prove_consistency, prove_inclusion
from ledger.transparency.store import EntryTooLargeError, TileNotFoundError, TreeStore
from ledger.transparency.tiles import TilePathError, parse_tile_path

__all__ = ["IMMUTABLE", "router", "tree_store_of"]

router = APIRouter(prefix="/log", tags=["log"])

IMMUTABLE = "public, max-age=31536000, immutable"
# A partial tile's bytes never change either, but it may be dropped once full.
PARTIAL = "public, max-age=60"
CHECKPOINT = "public, max-age=2"
_opening = threading.Lock()


def tree_store_of(request: Request) -> TreeStore:
    """The app's tree store, opened on first use over ``app.state.ledger``."""
    state = request.app.state
    store: TreeStore | None = getattr(state, "tree_store", None)
    if store is None or store.ledger is not state.ledger:  # none yet, or a closed one's
        with _opening:
            store = getattr(state, "tree_store", None)
            if store is None or store.ledger is not state.ledger:
                store = TreeStore(state.ledger)
                state.tree_store = store
    return store


def _problem(status: int, kind: str, title: str, detail: str) -> JSONResponse:
    return JSONResponse(
        {
            "type": f"urn:remix-ledger:problem:{kind}",
            "title": title,
            "status": status,
            "detail": detail,
        },
        status_code=status,
        media_type="application/problem+json",
    )


@router.get("/checkpoint", response_class=PlainTextResponse)
def checkpoint(request: Request) -> Response:
    """The latest signed checkpoint (a C2SP signed note)."""
    latest = tree_store_of(request).latest_checkpoint()
    if latest is None:
        return _problem(
            404, "no-checkpoint", "No checkpoint yet", "the log has not signed a checkpoint yet"
        )
    return PlainTextResponse(
        latest.note,
        media_type="text/plain; charset=utf-8",
        headers={"Cache-Control": CHECKPOINT},
    )


@router.get("/tile/{path:path}")
def tile(request: Request, path: str) -> Response:
    """A tile (``<L>/<N>[.p/<W>]``) or an entry bundle (``entries/<N>[.p/<W>]``)."""
    try:
        level, index, width = parse_tile_path(f"tile/{path}")
    except TilePathError as error:
        return _problem(400, "tile-path", "Not a tile path", str(error))
    store = tree_store_of(request)
    try:
        if level == "entries":
            data = store.entry_bundle(index, width)
        else:
            data = store.tile(int(level), index, width)
    except TileNotFoundError as error:
        return _problem(404, "tile-not-found", "No such tile", str(error))
    except EntryTooLargeError as error:
        # tlog-tiles has no form for it; the proof endpoints still serve the entry.
        return _problem(501, "entry-too-large", "Entry too large for a bundle", str(error))
    return Response(
        data,
        media_type="application/octet-stream",
        headers={"Cache-Control": IMMUTABLE if width is None else PARTIAL},
    )


@router.get("/proof/inclusion")
def inclusion(
    request: Request,
    position: Annotated[int, Query(ge=0, description="The event's position.")],
    size: Annotated[int | None, Query(ge=1, description="The tree size.")] = None,
) -> Any:
    """Proof that the event at ``position`` is in the tree of ``size`` leaves (default:
    the latest checkpoint's size)."""
    try:
        return prove_inclusion(tree_store_of(request), position, size)
    except ProofRequestError as error:
        return _problem(404, "proof-request", "Cannot prove that", str(error))


@router.get("/proof/consistency")
def consistency(
    request: Request,
    old: Annotated[int, Query(alias="from", ge=1, description="The older tree size.")],
    new: Annotated[int | None, Query(alias="to", ge=1, description="The newer tree size.")] = None,
) -> Any:
    """Proof that the tree of ``from`` leaves is a prefix of the tree of ``to`` leaves."""
    try:
        return prove_consistency(tree_store_of(request), old, new)
    except ProofRequestError as error:
        return _problem(404, "proof-request", "Cannot prove that", str(error))
