"""docs/event-evolution.md's worked example, run as written: two releases, one ledger file.

Release 1 of ``notes.py`` records notes in a SQLite ledger in one process; release 2
(a versioned event with an upcaster, a renamed event class with its old topic
registered, a tightened rule) reads the same file in another, as an upgraded
installation would.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from contextlib import closing
from enum import StrEnum
from pathlib import Path
from typing import Any

from ledger.domain.values import CreditMode, Kind, Relation, Role

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "event-evolution.md"

RELEASE_1 = """
import json, sys
from ledger import open_ledger
from notes import Note

ledger = open_ledger(sys.argv[1])
kept, retracted = Note.write("kept"), Note.write("gone")
retracted.retract(actor_id=None)
ledger.save(kept, retracted)
ledger.close()
print(json.dumps({"kept": kept.id.hex, "retracted": retracted.id.hex}))
"""

RELEASE_2 = """
import json, sys
from uuid import UUID
from ledger import open_ledger
from notes import Note

ledger = open_ledger(sys.argv[1])
ids = json.loads(sys.argv[2])
old, kept = (ledger.repository.get(UUID(ids[name])) for name in ("retracted", "kept"))
new = Note.write("new")
new.retract(actor_id=None, reason="a typo")
ledger.save(new)
reloaded = ledger.repository.get(new.id)
try:
    Note.write("too long")
    refused = None
except ValueError as error:
    refused = str(error)
ledger.close()
print(json.dumps({
    "old": [type(old).__name__, old.text, old.retracted, old.retraction_reason],
    "kept": [kept.text, kept.retracted, kept.retraction_reason],
    "new": [reloaded.text, reloaded.retracted, reloaded.retraction_reason],
    "refused": refused,
}))
"""


def release_of_notes(number: int) -> str:
    """The guide's ``notes.py`` of a release: the python block that names it."""
    text = GUIDE.read_text(encoding="utf-8")
    blocks: list[str] = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    (source,) = [block for block in blocks if block.startswith(f"# notes.py, release {number}\n")]
    return source


def run_release(number: int, folder: Path, *args: str) -> Any:
    """Run a driver against release ``number`` of notes.py in its own process."""
    release = folder / f"release-{number}"
    release.mkdir()
    (release / "notes.py").write_text(release_of_notes(number), encoding="utf-8")
    driver = RELEASE_1 if number == 1 else RELEASE_2
    done = subprocess.run(
        [sys.executable, "-c", driver, *args],
        cwd=release,
        env={"PYTHONPATH": str(release), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def stored_rows(db: Path) -> list[tuple[str, dict[str, Any], bytes]]:
    with closing(sqlite3.connect(db)) as connection:
        rows = connection.execute(
            "SELECT topic, state FROM stored_events ORDER BY rowid"
        ).fetchall()
    return [(topic, json.loads(state), bytes(state)) for topic, state in rows]


def test_events_of_release_1_load_in_release_2_with_the_upcast_default(tmp_path: Path) -> None:
    db = tmp_path / "notes.db"
    ids = run_release(1, tmp_path, str(db))
    recorded = stored_rows(db)
    assert [topic for topic, _, _ in recorded] == [
        "notes:Note.Written",
        "notes:Note.Written",
        "notes:Note.Retracted",
    ]
    assert "class_version" not in recorded[2][1]

    seen = run_release(2, tmp_path, str(db), json.dumps(ids))

    # The old note: found through its old topic, its retraction upcast to "no reason",
    # and its text (longer than release 2 allows) still read as recorded.
    assert seen["old"] == ["Note", "gone", True, None]
    assert seen["kept"] == ["kept", False, None]
    assert seen["new"] == ["new", True, "a typo"]
    assert seen["refused"] == "a note is at most 3 characters"
    after = stored_rows(db)
    assert after[:3] == recorded  # reading never rewrites what was stored
    (_, posted, _), (_, retracted, _) = after[3:]
    assert [topic for topic, _, _ in after[3:]] == ["notes:Note.Posted", "notes:Note.Retracted"]
    assert retracted["class_version"] == 2
    assert retracted["reason"] == "a typo"
    assert "class_version" not in posted


# Every value of these enumerations that a stored event may hold. An apply (or the
# citation transcoding) converts the recorded string back: remove one of these and
# the events that recorded it no longer load (see docs/event-evolution.md).
RECORDED_VOCABULARIES: dict[type[StrEnum], set[str]] = {
    Kind: {"text", "image", "audio", "video", "other"},
    Relation: {
        "remix",
        "illustration",
        "adaptation",
        "translation",
        "audio",
        "edit",
        "inspiration",
    },
    Role: {"curator"},
    CreditMode: {"name", "pseudonym", "none"},
}


def test_the_values_recorded_events_hold_stay_in_their_enumerations() -> None:
    for enum, recorded in RECORDED_VOCABULARIES.items():
        assert recorded <= {member.value for member in enum}, enum.__name__
