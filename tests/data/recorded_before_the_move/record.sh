#!/usr/bin/env bash
# How ledger.db was recorded (by the code before issue 24 moved the ledger modules):
#   bash tests/data/recorded_before_the_move/record.sh DIR
# writes DIR/ledger.db. Every act carries --at, so only token secrets and the
# demo's default times differ from one recording to the next.
set -euo pipefail
dir=$1
R=${REMIX_LEDGER:-remix-ledger}
db="$dir/ledger.db"
L() { (cd "$dir" && "$R" --db "$db" "$@"); }
L demo >/dev/null
L member add quill --name "Quill Q" --external-id mem-900 --curator --at 2024-01-02T00:00:00Z
L member add plain --name "Plain P" --external-id mem-901 --at 2024-01-02T00:01:00Z
L member grant plain curator --at 2024-01-02T00:01:30Z
L member credit mem-900 pseudonym --pseudonym "Q." --at 2024-01-02T00:03:00Z
L member credit mem-901 none --at 2024-01-02T00:04:00Z
L contribute --title "Quill's Seed" --author quill --kind text --external-id rec-9001 --at 2024-01-03T00:00:00Z
L remix --title "Quill's Sprout" --author plain --source rec-9001:remix:30 --external-id rec-9002 --at 2024-01-03T01:00:00Z
L cite rec-9002 rec-0001:inspiration --as plain --at 2024-01-03T02:00:00Z
L comment rec-9001 "A seed worth planting." --author plain --external-id cm-9001 --at 2024-01-03T03:00:00Z
L comment rec-9002 "To be withdrawn." --author quill --external-id cm-9002 --at 2024-01-03T03:30:00Z
L vote rec-9001 --member plain --at 2024-01-03T04:00:00Z
L vote rec-9001 --member plain --down --at 2024-01-03T05:00:00Z
L vote rec-9002 --member quill --at 2024-01-03T05:30:00Z
L vote rec-9002 --member quill --withdraw --at 2024-01-03T06:00:00Z
L retract rec-0002 --reason "Asked by its author" --at 2024-01-03T07:00:00Z
L production create "Quill Anthology" --curator quill --external-id prod-900 --at 2024-01-04T00:00:00Z
L production include prod-900 rec-9001 rec-9002 rec-0001 rec-0003 --as quill --at 2024-01-04T01:00:00Z
L production exclude prod-900 rec-0003 --as quill --at 2024-01-04T02:00:00Z
L production policy prod-900 relative --pool-percent 40 --weight rec-9001=2 --weight rec-9002=1 --weight rec-0001=1 --as quill --at 2024-01-04T03:00:00Z
L production publish prod-900 --as quill --at 2024-01-04T04:00:00Z
L production waive prod-900 --member plain --as plain --at 2024-01-04T05:00:00Z
L production revenue prod-900 1000.00 --currency EUR --external-id rev-900-1 --as quill --at 2024-01-04T06:00:00Z
L royalties prod-900 --issue --as quill >/dev/null
L royalties tiny-book-vol-1 --issue >/dev/null
token=$(L token issue --member quill --label "recorded" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
L token issue --label "operator's" >/dev/null
L token revoke "$token" >/dev/null
# No CLI command renames a member or retracts a comment: the application does.
PYTHON=${PYTHON:-python3}
"$PYTHON" - "$db" <<'PY'
import sys
from datetime import UTC, datetime

from ledger import open_ledger

led = open_ledger(sys.argv[1])
try:
    quill = led.find_member("quill")
    led.rename_member(quill, name="Quill Quinlan", occurred_at=datetime(2024, 1, 5, tzinfo=UTC))
    led.retract_comment(
        led.find_comment("cm-9002"), actor_id=quill, occurred_at=datetime(2024, 1, 5, 1, tzinfo=UTC)
    )
finally:
    led.close()
PY
# The file as checked in: the WAL folded in, the free pages dropped, no read models.
"$PYTHON" - "$db" <<'PY'
import sqlite3
import sys

connection = sqlite3.connect(sys.argv[1])
connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
connection.execute("PRAGMA journal_mode=DELETE")
connection.execute("VACUUM")
connection.close()
PY
rm -f "$dir"/ledger.views.db* "$dir"/ledger.db.citations.lock "$dir"/*.svg
