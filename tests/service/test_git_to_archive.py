"""Real git histories, turned into archives by ``scripts/git-to-archive``, work end to end.

Two real repositories: one made here with ``git`` (author dates out of order, a
merge, a commit dated years before its parent, a ``.mailmap``), and this
project's own clone (hundreds of commits and merges). On each: import, a
re-import that records nothing, ``verify``, signed tiles, credits equal to git's
own authors, PROV-JSON that ``prov`` reads (issue 20, "Done when").
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from prov.model import ProvDocument, ProvEntity

from tests.service.test_cli import Cli

ROOT = Path(__file__).resolve().parents[2]
CONVERTER = ROOT / "scripts" / "git-to-archive"
#: git, untouched by the machine's or the user's configuration.
GIT_ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_COMMITTER_NAME": "Committer",
    "GIT_COMMITTER_EMAIL": "committer@example.org",
}


def git(repo: Path, *args: str, **env: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        env={**GIT_ENV, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def commit(repo: Path, subject: str, author: tuple[str, str], date: str, *extra: str) -> str:
    name, email = author
    when = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    who = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email}
    if extra:  # a merge
        git(repo, "merge", "--no-ff", "-m", subject, *extra, **who, **when)
    else:
        git(repo, "commit", "--allow-empty", "-m", subject, **who, **when)
    return git(repo, "rev-parse", "HEAD").strip()


ADA = ("Ada Lovelace", "ada@example.org")
ADA_OLD = ("A. Lovelace", "ada@old.example")  # the .mailmap says: Ada, above
BOB = ("Bob Babbage", "bob@example.org")
CAROL = ("Carol Hopper", "carol@example.org")
# One email under two names, no .mailmap entry: git counts two authors.
DAVE, DAVE_Q = ("dave", "dave@example.org"), ("Dave Quill", "dave@example.org")
LONG_SUBJECT = "Tab\there, then " + "x" * 250


@pytest.fixture(scope="module")
def made_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small repository whose dates are out of order as real ones are."""
    repo = tmp_path_factory.mktemp("made") / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / ".mailmap").write_text("Ada Lovelace <ada@example.org> <ada@old.example>\n")
    git(repo, "add", ".mailmap")
    commit(repo, "Start", ADA, "2015-01-01T10:00:00+01:00")
    git(repo, "checkout", "-q", "-b", "topic")
    commit(repo, "Topic work", ADA_OLD, "2015-03-01T12:00:00-05:00")
    git(repo, "checkout", "-q", "main")
    commit(repo, "Main work", BOB, "2015-02-01T00:00:00Z")
    commit(repo, "Rebased: dated years before its parent", BOB, "2011-06-01T00:00:00Z")
    commit(repo, "Merge branch 'topic'", CAROL, "2015-04-01T00:00:00Z", "topic")
    commit(repo, "After the merge, dated before it", DAVE, "2015-03-15T00:00:00Z")
    commit(repo, "Same email, another name", DAVE_Q, "2015-05-01T00:00:00Z")
    commit(repo, LONG_SUBJECT, ADA, "2015-06-01T00:00:00+09:00")
    return repo


def this_project() -> Path:
    """This project's own clone, when it has a history worth the name."""
    done = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--show-toplevel"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip("this project is not a git clone here (no .git)")
    top = Path(done.stdout.strip())
    count = int(git(top, "rev-list", "--count", "HEAD").strip())
    if count < 50:
        pytest.skip(f"this clone holds {count} commits (a shallow clone?); 50 are needed")
    return top


@pytest.fixture(params=["made", "this project"])
def repo(request: pytest.FixtureRequest) -> Path:
    if request.param == "made":
        return request.getfixturevalue("made_repo")  # type: ignore[no-any-return]
    return this_project()


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(str(tmp_path / "git.db"), capsys)


def convert(repo: Path, archive: Path) -> str:
    """Run the converter as a user does; return what it says on stderr."""
    done = subprocess.run(
        [sys.executable, str(CONVERTER), str(repo), "-o", str(archive)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stderr


def out_of_order(repo: Path) -> int:
    """How many commits git itself dates (author date) before one of their parents."""
    dates, parents = {}, {}
    for line in git(repo, "log", "--format=%H %at %P", "HEAD").splitlines():
        sha, date, *its_parents = line.split()
        dates[sha], parents[sha] = int(date), its_parents
    return sum(any(dates[sha] < dates[p] for p in parents[sha]) for sha in dates)


def authors(repo: Path, sha: str, form: str) -> set[str]:
    """git's own authors of ``sha``'s ancestry, after the .mailmap."""
    return set(git(repo, "log", "--use-mailmap", f"--format={form}", sha).splitlines())


def test_a_real_git_history_imports_once_verifies_and_credits_git_s_authors(
    repo: Path, cli: Cli, tmp_path: Path
) -> None:
    archive = tmp_path / "git.jsonl"
    convert(repo, archive)
    commits = git(repo, "rev-list", "--topo-order", "HEAD").split()
    members = len(authors(repo, "HEAD", "%aN <%aE>"))
    assert len(archive.read_text().splitlines()) == 1 + members + len(commits)

    report = json.loads(cli("import", str(archive), "--format", "json"))
    assert report["errors"] == []
    assert report["applied"] == members + len(commits)
    assert report["out_of_order"] == out_of_order(repo)
    assert report["events"] == 2 * members + len(commits)
    again = cli("import", str(archive))
    assert f"recorded 0, {members + len(commits)} already present" in again

    key = tmp_path / "log.key"
    vkey = cli("log", "keygen", "-o", str(key), "--origin", "git.example/log").split()[-1]
    note = cli("log", "checkpoint", "--key", str(key))
    assert cli("verify", "--vkey", vkey).startswith(f"OK: {report['events']} events")
    site = tmp_path / "site"
    cli("log", "tiles", "-o", str(site))
    assert (site / "checkpoint").read_text() == note
    size, root = int(note.splitlines()[1]), base64.b64decode(note.splitlines()[2])
    assert size == report["events"]
    assert tiled_root(site, size) == root

    # Credits of the last commit, of the first merge, and of the first commit.
    merges = git(repo, "rev-list", "--merges", "--topo-order", "HEAD").split()
    for sha in {commits[0], commits[-1], *merges[-1:]}:
        credits = json.loads(cli("credits", sha, "--policy", "equal", "--format", "json"))
        credited = credits["credits"]
        assert {c["credited_as"] for c in credited} == authors(repo, sha, "%aN"), sha
        assert {c["external_id"] for c in credited} == authors(repo, sha, "%aN <%aE>"), sha
        assert sum(c["share"]["fraction"] != "0" for c in credited) == len(credited)

    head = commits[0]
    document = tmp_path / "prov.json"
    assert "wrote PROV-JSON" in cli("provenance", head, "-o", str(document))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        prov = ProvDocument.deserialize(content=document.read_text(), format="json")
    works = [r for r in prov.get_records() if isinstance(r, ProvEntity)]
    assert len(works) >= len(commits)  # every ancestor commit is an entity


def test_the_converter_keeps_git_s_dates_merges_and_mailmap(made_repo: Path, cli: Cli) -> None:
    archive = made_repo.parent / "made.jsonl"
    said = convert(made_repo, archive)
    assert "8 commits (1 merges) by 5 authors" in said
    lines = [json.loads(line) for line in archive.read_text().splitlines()]
    assert lines[0] == {"type": "archive", "format": "remix-ledger-archive", "version": 2}
    members = {line["id"]: line for line in lines if line["type"] == "member"}
    assert set(members) == {
        "Ada Lovelace <ada@example.org>",  # and A. Lovelace, mapped by the .mailmap
        "Bob Babbage <bob@example.org>",
        "Carol Hopper <carol@example.org>",
        "dave <dave@example.org>",
        "Dave Quill <dave@example.org>",
    }
    assert members["Ada Lovelace <ada@example.org>"]["joined_at"] == "2015-01-01T09:00:00Z"
    assert len({m["handle"] for m in members.values()}) == 5
    works = {line["title"]: line for line in lines if line["type"] == "work"}
    rebased = works["Rebased: dated years before its parent"]
    assert rebased["created_at"] == "2011-06-01T00:00:00Z"
    assert rebased["sources"] == [{"id": works["Main work"]["id"], "relation": "edit"}]
    merge = works["Merge branch 'topic'"]
    assert [s["id"] for s in merge["sources"]] == [rebased["id"], works["Topic work"]["id"]]
    assert works["Topic work"]["authors"] == ["Ada Lovelace <ada@example.org>"]
    assert works["Topic work"]["created_at"] == "2015-03-01T17:00:00Z"
    (long,) = [title for title in works if title.startswith("Tab")]
    assert len(long) == 200 and "\t" not in long

    out = cli("import", str(archive)).splitlines()
    assert out[1].startswith("2 acts recorded out of order")
    line_of = {line.get("id"): number for number, line in enumerate(lines, 1)}
    assert f"{archive}:{line_of[rebased['id']]}" in out[1]

    # New commits, converted again: only they are recorded.
    clone = made_repo.parent / "clone"
    git(made_repo.parent, "clone", "-q", str(made_repo), str(clone))
    commit(clone, "Later", ("Eve New", "eve@example.org"), "2016-01-01T00:00:00Z")
    convert(clone, archive)
    assert "recorded 2, 13 already present; 3 events" in cli("import", str(archive))


def test_an_import_of_a_real_history_killed_midway_completes_when_run_again(
    tmp_path: Path,
) -> None:
    """SIGKILL during the import of this project's history; the re-run records the rest."""
    archive = tmp_path / "own.jsonl"
    convert(this_project(), archive)
    lines = archive.read_text().splitlines()
    db = tmp_path / "killed.db"
    script = Path(sys.executable).with_name("remix-ledger")
    env = {k: v for k, v in os.environ.items() if k != "REMIX_LEDGER_DB"}
    command = [str(script), "--db", str(db), "import", str(archive), "--batch-lines", "1"]
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while _head(db) < 10:
            assert child.poll() is None, "the import ended before it could be killed"
            assert time.monotonic() < deadline, "the import did not start"
            time.sleep(0.005)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    killed_at = _head(db)
    rerun = subprocess.run(
        command[:-2], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert rerun.returncode == 0, rerun.stderr
    members = sum('"type":"member"' in line for line in lines)
    expected = 2 * members + len(lines) - 1 - members
    assert killed_at < expected
    assert f"{expected - killed_at} events" in rerun.stdout
    assert _head(db) == expected
    verified = subprocess.run(
        [str(script), "--db", str(db), "verify"], env=env, capture_output=True, text=True
    )
    assert verified.stdout.startswith(f"OK: {expected} events"), verified.stderr


def tiled_root(site: Path, size: int) -> bytes:
    """The RFC 6962 root of the level-0 tiles, each leaf checked against its entry."""
    hashes = b"".join(_tiles(site / "tile" / "0", size))
    leaves = [hashes[i : i + 32] for i in range(0, len(hashes), 32)]
    entries = b"".join(_tiles(site / "tile" / "entries", size))
    index = 0
    while entries:
        length = int.from_bytes(entries[:2], "big")
        entry, entries = entries[2 : 2 + length], entries[2 + length :]
        assert hashlib.sha256(b"\x00" + entry).digest() == leaves[index]
        index += 1
    assert index == len(leaves) == size
    return _root(leaves)


def _tiles(folder: Path, size: int) -> Iterator[bytes]:
    for number in range(size // 256):
        yield (folder / _tile_path(number)).read_bytes()
    if size % 256:
        yield (folder / f"{_tile_path(size // 256)}.p" / str(size % 256)).read_bytes()


def _tile_path(number: int) -> str:
    """C2SP tlog-tiles: 1234567 is x001/x234/567."""
    parts: list[str] = []
    while True:
        parts.insert(0, f"{number % 1000:03d}")
        number //= 1000
        if not number:
            break
    return "/".join([*(f"x{p}" for p in parts[:-1]), parts[-1]])


def _root(leaves: list[bytes]) -> bytes:
    if len(leaves) == 1:
        return leaves[0]
    split = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + _root(leaves[:split]) + _root(leaves[split:])).digest()


def _head(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as connection:
            (head,) = connection.execute("SELECT count(*) FROM stored_events").fetchone()
    except sqlite3.OperationalError:
        return 0  # the tables are being made
    return int(head or 0)
