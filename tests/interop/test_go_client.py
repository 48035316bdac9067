"""Go's own transparency-log client (golang.org/x/mod/sumdb/note and tlog, which this
project did not write) checks a running server: it opens the signed checkpoint with the
verifier key, recomputes the root from tiles read over HTTP, and checks inclusion and
consistency proofs, its own and the server's.

Needs ``go`` and Debian's ``golang-golang-x-mod-dev`` (its source under
/usr/share/gocode, or ``$REMIX_LEDGER_GOPATH``): built offline in GOPATH mode.
Without them the test skips with the reason, and fails under CI=true.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ledger import Ledger
from ledger.transparency.checkpoints import sign_checkpoint
from ledger.transparency.notes import generate_key
from ledger.transparency.store import TreeStore
from tests.transparency.server import serving

CLIENT = Path(__file__).resolve().parent / "tlogclient"
GOPATH = os.environ.get("REMIX_LEDGER_GOPATH", "/usr/share/gocode")


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Path:
    go = shutil.which("go")
    if go is None:
        _missing("`go` is not installed (apt-get install golang-go golang-golang-x-mod-dev)")
    assert go is not None
    if not (Path(GOPATH) / "src/golang.org/x/mod/sumdb/tlog").is_dir():
        _missing(f"golang.org/x/mod is not in {GOPATH} (apt-get install golang-golang-x-mod-dev)")
    folder = tmp_path_factory.mktemp("go")
    binary = folder / "tlogclient"
    env = {
        **os.environ,
        "GO111MODULE": "off",  # GOPATH mode: the Debian source, no module download
        "GOPATH": GOPATH,
        "GOCACHE": str(folder / "cache"),
        "GOPROXY": "off",
        "GOFLAGS": "",
    }
    built = subprocess.run(
        [go, "build", "-o", str(binary), "."],
        cwd=CLIENT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    return binary


@pytest.mark.slow
def test_gos_client_checks_the_checkpoint_tiles_and_proofs(
    client: Path, sample_ledger: Ledger, sample_url: str, tmp_path: Path
) -> None:
    signer, verifier = generate_key("studio.example/log")
    store = TreeStore(sample_ledger)
    old = tmp_path / "old-checkpoint"
    old.write_text(sign_checkpoint(store, signer).note)
    for n in range(300):  # past another full tile, so new tiles at two levels
        sample_ledger.register_member(handle=f"newcomer{n}")
    sign_checkpoint(store, signer)

    with serving(sample_url) as base:
        run = subprocess.run(
            [str(client), "-url", base, "-vkey", verifier.vkey, "-old", str(old)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stderr
        assert f"size {store.size} verified" in run.stdout
        assert "7 inclusion proofs checked" in run.stdout
        assert "consistency from size" in run.stdout

        _, stranger = generate_key("studio.example/log")
        refused = subprocess.run(
            [str(client), "-url", base, "-vkey", stranger.vkey],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert refused.returncode == 1
        assert "opening the checkpoint" in refused.stderr
