"""The 196 RFC 9162 proof vectors of transparency-dev/merkle give their expected answers.

The vectors live outside the repository, in ``shared/testdata/rfc9162`` beside the
clone (CI copies ``shared/`` there) or beside the folder of worktrees. Missing,
they skip locally with the reason and fail under CI=true.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest

from ledger.transparency.proofs import ProofError, verify_consistency, verify_inclusion

_ROOT = Path(__file__).resolve().parents[2]
_CANDIDATES = [_ROOT / ".." / "shared" / "testdata", _ROOT / ".." / ".." / "shared" / "testdata"]
VECTORS = next((c / "rfc9162" for c in _CANDIDATES if (c / "rfc9162").is_dir()), None)
EXPECTED_COUNT = 196


def _files() -> list[Path]:
    if VECTORS is None:
        return []
    return sorted(VECTORS.glob("*/**/*.json"))


def _missing() -> None:
    reason = f"RFC 9162 vectors not found in {', '.join(str(c) for c in _CANDIDATES)}"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value or "")


def _proof(vector: dict[str, Any]) -> list[bytes]:
    return [_b64(item) for item in vector["proof"] or []]


def _check(path: Path) -> None:
    vector = json.loads(path.read_text())
    if "leafIdx" in vector:
        verify_inclusion(
            _b64(vector["leafHash"]),
            vector["leafIdx"],
            vector["treeSize"],
            _proof(vector),
            _b64(vector["root"]),
        )
    else:
        verify_consistency(
            vector["size1"],
            vector["size2"],
            _b64(vector["root1"]),
            _b64(vector["root2"]),
            _proof(vector),
        )


def test_all_vectors_are_there() -> None:
    if VECTORS is None:
        _missing()
    assert len(_files()) == EXPECTED_COUNT


@pytest.mark.parametrize(
    "path", _files() or [None], ids=lambda p: str(p.relative_to(VECTORS)) if p else "missing"
)
def test_vector_gives_its_expected_answer(path: Path | None) -> None:
    if path is None:
        _missing()
        return
    want_error = json.loads(path.read_text())["wantErr"]
    if want_error:
        with pytest.raises(ProofError):
            _check(path)
    else:
        _check(path)
