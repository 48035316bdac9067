"""The log over HTTP (tlog-tiles), from a real uvicorn process: checkpoint, tiles, entry
bundles, proofs, cache headers and problem details."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from ledger import Ledger
from ledger.transparency.checkpoints import sign_checkpoint
from ledger.transparency.documents import check_document
from ledger.transparency.merkle import leaf_hash
from ledger.transparency.notes import Verifier, generate_key, open_note, parse_checkpoint
from ledger.transparency.store import TreeStore
from tests.transparency.server import serving


@pytest.fixture
def signed(sample_ledger: Ledger) -> tuple[TreeStore, Verifier]:
    signer, verifier = generate_key("studio.example/log")
    store = TreeStore(sample_ledger)
    sign_checkpoint(store, signer)
    return store, verifier


@pytest.fixture
def server(sample_url: str, signed: tuple[TreeStore, Verifier]) -> Iterator[str]:
    with serving(sample_url) as base:
        yield base


def test_the_checkpoint_opens_with_the_verifier_key(
    server: str, signed: tuple[TreeStore, Verifier]
) -> None:
    store, verifier = signed
    response = httpx.get(f"{server}/log/checkpoint")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert "immutable" not in response.headers["cache-control"]
    checkpoint = parse_checkpoint(open_note(response.text, [verifier]))
    assert (checkpoint.size, checkpoint.root) == (store.size, store.root())


def test_tiles_and_bundles_are_served_with_their_cache_headers(
    server: str, signed: tuple[TreeStore, Verifier]
) -> None:
    store, _ = signed
    size = store.size
    full = httpx.get(f"{server}/log/tile/0/000")
    assert full.status_code == 200
    assert full.headers["content-type"] == "application/octet-stream"
    assert full.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert full.content == store.tile(0, 0)
    partial = httpx.get(f"{server}/log/tile/0/{size // 256:03d}.p/{size % 256}")
    assert partial.status_code == 200 and len(partial.content) == 32 * (size % 256)
    assert "immutable" not in partial.headers["cache-control"]
    upper = httpx.get(f"{server}/log/tile/1/000.p/{size // 256}")
    assert upper.content == store.tile(1, 0, size // 256)
    bundle = httpx.get(f"{server}/log/tile/entries/001").content
    length = int.from_bytes(bundle[:2], "big")
    assert leaf_hash(bundle[2 : 2 + length]) == store.tile(0, 1)[:32]


BAD_REQUESTS = [
    ("tile/0/999", 404),
    ("tile/0/000.p/300", 400),
    ("tile/0/x000/001", 400),
    ("tile/64/000", 400),
    ("tile/0/1", 400),
    ("tile/entries/999", 404),
    ("proof/inclusion?position=999999", 404),
    ("proof/consistency?from=5&to=999999", 404),
]


def test_bad_requests_get_problem_details(server: str) -> None:
    # One server for every case: starting one costs more than all the requests.
    for path, status in BAD_REQUESTS:
        response = httpx.get(f"{server}/log/{path}")
        assert response.status_code == status, path
        assert response.headers["content-type"] == "application/problem+json", path
        assert response.json()["status"] == status, path


def test_proofs_over_http_check_against_the_signed_checkpoint(
    server: str, signed: tuple[TreeStore, Verifier]
) -> None:
    _, verifier = signed
    inclusion = httpx.get(f"{server}/log/proof/inclusion", params={"position": 300}).json()
    assert "leaf 299" in check_document(inclusion, [verifier])
    consistency = httpx.get(f"{server}/log/proof/consistency", params={"from": 10}).json()
    assert consistency["old_checkpoint"] is None
    assert consistency["new_size"] > 10
