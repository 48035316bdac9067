"""A ledger that cannot be written is audited, and never written, from the command line.

The tests run as root, where file permissions stop nothing; so the CLI runs in a
child process as the user ``nobody`` (``setpriv``), or inside a private mount
namespace where the ledger's folder is bind-mounted read-only (``unshare``).

``nobody`` must reach this checkout's interpreter, packages and sources. A clone in a
private folder (``mktemp -d`` makes it 0700) hides them: there ``nobody`` runs in a
private mount namespace where each folder it cannot enter is covered by an open
(0755) tmpfs holding only bind mounts of the paths it needs, at their own paths. So
the CLI that runs is the one installed here, nothing copied. Where that cannot be
set up, the tests skip with the reason.
"""

from __future__ import annotations

import os
import shlex
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from service.cli.views import IN_MEMORY_NOTE
from tests.service.test_cli import run_console

SCRIPT = Path(sys.executable).with_name("remix-ledger")


AS_NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
ROOT = Path(__file__).resolve().parents[2]


def _as_nobody() -> list[str]:
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("running as another user needs root and setpriv")
    prefix, problem = _nobody_prefix()
    if problem is not None:
        pytest.skip(problem)
    return prefix


def _needed_by_the_cli() -> list[Path]:
    """The folders the console script runs from: its venv, the interpreter, the sources."""
    places = {Path(sys.executable).parent, Path(os.path.realpath(sys.executable)).parent, ROOT}
    places.update(Path(path) for path in sysconfig.get_paths().values())
    return sorted(place for place in places if place.exists())


def _nobody_reaches(paths: list[Path]) -> list[Path]:
    """Those of ``paths`` that ``nobody`` cannot read, tried as ``nobody``."""
    test = 'for p; do [ -r "$p" ] && [ -x "$p" ] || echo "$p"; done'
    done = subprocess.run(
        [*AS_NOBODY, "sh", "-c", test, "sh", *map(str, paths)],
        capture_output=True,
        text=True,
        check=True,
    )
    return [Path(line) for line in done.stdout.splitlines()]


@cache
def _nobody_prefix() -> tuple[list[str], str | None]:
    """How to run a command as ``nobody`` so that it reaches this checkout (or why not)."""
    unreached = _nobody_reaches(_needed_by_the_cli())
    if not unreached:
        return AS_NOBODY, None
    # The folders others may not enter, shallowest first, with the children to keep.
    closed: dict[Path, set[str]] = {}
    for path in unreached:
        for folder, child in zip(path.parents, (path, *path.parents), strict=False):
            if not folder.stat().st_mode & stat.S_IXOTH:
                closed.setdefault(folder, set()).add(child.name)
    temp = Path(tempfile.gettempdir()).resolve()
    if not closed or any(folder in (temp, *temp.parents) for folder in closed):
        return [], f"nobody cannot reach {unreached[0]}, and no mount can open it"
    # Inside the namespace: hold each child, cover its folder with an open tmpfs, put
    # the child back at its own path; the holding folder is gone before "$@" runs.
    lines = ["set -e", 'hold=$(mktemp -d "${TMPDIR:-/tmp}/rl-nobody-XXXXXX")']
    for number, folder in enumerate(sorted(closed, key=lambda f: len(f.parts))):
        children = [shlex.quote(str(folder / child)) for child in sorted(closed[folder])]
        held = [f'"$hold/{number}-{index}"' for index in range(len(children))]
        for inside, kept in zip(children, held, strict=True):
            lines += [f"mkdir {kept}", f"mount --bind {inside} {kept}"]
        lines.append(f"mount -t tmpfs -o mode=0755 tmpfs {shlex.quote(str(folder))}")
        for inside, kept in zip(children, held, strict=True):
            lines += [f"mkdir {inside}", f"mount --bind {kept} {inside}"]
            lines += [f"umount {kept}", f"rmdir {kept}"]
    lines += ['rmdir "$hold"', 'exec "$@"']
    prefix = ["unshare", "--mount", "sh", "-c", "; ".join(lines), "sh", *AS_NOBODY]
    probe = subprocess.run(
        [*prefix, sys.executable, "-c", "import service.cli.main"],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        return [], f"nobody cannot reach {unreached[0]}: {probe.stderr.strip()[-300:]}"
    return prefix, None


def _run(prefix: list[str], folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "REMIX_LEDGER_DB"}
    return subprocess.run(
        [*prefix, str(SCRIPT), "--db", str(folder / "demo.db"), *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def _listing(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir()}


@pytest.fixture(scope="module")
def built() -> Iterator[Path]:
    """A demo ledger in a folder everyone may enter (pytest's own folder is private)."""
    folder = Path(tempfile.mkdtemp(prefix="rl-read-only-", dir="/tmp"))
    folder.chmod(0o755)
    done = run_console("--db", "demo.db", "demo", "--tree", "tree.dot", cwd=folder)
    assert done.returncode == 0, done.stderr
    yield folder
    shutil.rmtree(folder)


@pytest.fixture
def archived(built: Path, tmp_path: Path) -> Iterator[Path]:
    """A copy of the demo ledger, as an archive: files 0444 in a folder 0555."""
    folder = Path(tempfile.mkdtemp(prefix="rl-archived-", dir="/tmp"))
    for name in ("demo.db", "demo.views.db"):
        shutil.copy(built / name, folder / name)
        (folder / name).chmod(0o444)
    folder.chmod(0o555)
    yield folder
    folder.chmod(0o755)
    shutil.rmtree(folder)


QUERIES = [
    (["census"], "members      35 (2 curators)"),
    (["export"], '"type":"archive"'),
    (["history", "--work", "rec-0001"], "Spare Key"),
    (["credits", "rec-0109"], 'Credits for "The Lighthouse, Retold (book spread)"'),
    (["royalties", "tiny-book-vol-1"], "Revenue #1"),
    (["rankings"], "Spare Key"),
]


@pytest.mark.parametrize(("args", "shown"), QUERIES, ids=[" ".join(q[0]) for q in QUERIES])
def test_queries_answer_on_a_ledger_this_user_cannot_write(
    archived: Path, args: list[str], shown: str
) -> None:
    before = _listing(archived)
    done = _run(_as_nobody(), archived, *args)
    assert done.returncode == 0, done.stderr
    assert shown in done.stdout
    assert _listing(archived) == before


@pytest.mark.parametrize(
    "args",
    [
        ["member", "add", "zed"],
        ["import", "/dev/null"],
        ["demo", "--replace", "--tree", "/tmp/rl-never.dot"],
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_recording_into_a_ledger_this_user_cannot_write_is_one_line_and_exit_2(
    archived: Path, args: list[str]
) -> None:
    before = _listing(archived)
    done = _run(_as_nobody(), archived, *args)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("remix-ledger: error: cannot record:")
    assert "read-only" in done.stderr and done.stderr.count("\n") == 1
    assert _listing(archived) == before


def test_a_read_only_file_in_a_writable_folder_is_read_not_written(built: Path) -> None:
    """SQLite's mode=ro path: the folder can take the WAL index, the file is 0444."""
    folder = Path(tempfile.mkdtemp(prefix="rl-ro-file-", dir="/tmp"))
    try:
        shutil.copy(built / "demo.db", folder / "demo.db")
        (folder / "demo.db").chmod(0o444)
        folder.chmod(0o777)
        census = _run(_as_nobody(), folder, "census")
        assert census.returncode == 0, census.stderr
        assert "events       734" in census.stdout
        refused = _run(_as_nobody(), folder, "member", "add", "zed")
        assert refused.returncode == 2
        assert "'demo.db' is read-only" in refused.stderr or "demo.db' is read-only" in (
            refused.stderr
        )
    finally:
        shutil.rmtree(folder)


def _in_read_only_mount(folder: Path) -> list[str]:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("a private read-only mount needs root and unshare")
    probe = subprocess.run(
        ["unshare", "--mount", "sh", "-c", f"mount --bind -o ro {folder} {folder}"],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        pytest.skip(f"cannot make a read-only mount here: {probe.stderr.strip()}")
    script = 'mount --bind -o ro "$0" "$0" && exec "$@"'
    return ["unshare", "--mount", "sh", "-c", script, str(folder)]


def test_a_ledger_on_a_read_only_mount_is_audited_even_by_root(built: Path) -> None:
    folder = Path(tempfile.mkdtemp(prefix="rl-mount-", dir="/tmp"))
    try:
        shutil.copy(built / "demo.db", folder / "demo.db")
        prefix = _in_read_only_mount(folder)
        before = _listing(folder)
        census = _run(prefix, folder, "census")
        assert census.returncode == 0, census.stderr
        assert "events       734" in census.stdout
        credits = _run(prefix, folder, "credits", "rec-0109", "--format", "json")
        assert credits.returncode == 0, credits.stderr
        refused = _run(prefix, folder, "vote", "rec-0001", "--member", "lanternkeeper")
        assert refused.returncode == 2
        assert refused.stderr.startswith("remix-ledger: error: cannot record:")
        assert _listing(folder) == before
    finally:
        shutil.rmtree(folder)


@pytest.mark.parametrize("command", ["status", "rebuild"])
def test_projections_on_a_ledger_this_user_cannot_write_say_the_models_are_in_memory(
    archived: Path, command: str
) -> None:
    before = _listing(archived)
    done = _run(_as_nobody(), archived, "projections", command)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == IN_MEMORY_NOTE
    assert _listing(archived) == before
