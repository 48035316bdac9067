"""A deterministic synthetic archive for the import benchmark.

Members, works (originals and remixes), comments and votes, in the order a
community would produce them. A remix picks 1-3 distinct earlier works as its
sources, each with probability proportional to 1 + the number of times that work
was already used as a source (preferential attachment), so a few works become
hubs of the family tree. Votes are one per (member, work) pair and never on the
member's own work.

``generate(events=N)`` returns the archive's lines and how many ledger events an
import into an empty ledger records for them: 3 per member line
(``Member.Registered`` and two ``HandleClaim.Claimed``: its handle's, and the
name its external id ``m<n>`` reads as), 1 per work, comment and vote line.
The archive holds exactly N events.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

__all__ = ["EVENTS_PER_LINE", "Archive", "generate", "write_archive"]

FORMAT_NAME = "remix-ledger-archive"
FORMAT_VERSION = 1

# Ledger events recorded by one line of each type, imported into an empty ledger.
EVENTS_PER_LINE = {"archive": 0, "member": 3, "work": 1, "comment": 1, "vote": 1}

# Share of the lines of each type once the community is under way.
_WEIGHTS = {"member": 0.04, "work": 0.26, "comment": 0.30, "vote": 0.40}
_REMIX_SHARE = 0.7  # of the works, once there are earlier works to remix
_CO_AUTHORED_SHARE = 0.1
_KINDS = ("text", "text", "text", "image", "audio", "video")
_RELATIONS = ("remix", "illustration", "adaptation", "translation", "audio", "edit", "inspiration")
_LICENSES = ("CC-BY-4.0", "CC-BY-SA-4.0", "CC0-1.0", None)
_WORDS = [
    "river",
    "lantern",
    "paper",
    "echo",
    "garden",
    "signal",
    "velvet",
    "orbit",
    "chalk",
    "meadow",
    "copper",
    "whisper",
    "tide",
    "harbor",
    "ember",
    "quartz",
    "willow",
    "canvas",
    "thread",
    "mirror",
    "static",
    "bloom",
    "cinder",
    "drift",
    "fable",
    "glyph",
]
_START = datetime(2021, 3, 1, tzinfo=UTC)


@dataclass
class Archive:
    """The generated lines (header first) and what importing them records."""

    lines: list[str]
    events: int
    counts: dict[str, int] = field(default_factory=dict)
    remixes: int = 0
    max_source_uses: int = 0

    def events_per_batch(self, batch_lines: int) -> list[int]:
        """Ledger events in each import batch of ``batch_lines`` lines (the header counts)."""
        sizes: list[int] = []
        for start in range(0, len(self.lines), batch_lines):
            chunk = self.lines[start : start + batch_lines]
            n = sum(EVENTS_PER_LINE[json.loads(text)["type"]] for text in chunk)
            if n:
                sizes.append(n)
        return sizes


def _dumps(line: dict[str, Any]) -> str:
    # The exporter's style: compact, no nulls.
    return json.dumps(
        {k: v for k, v in line.items() if v is not None}, ensure_ascii=False, separators=(",", ":")
    )


def _time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _phrase(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(low, high)))


def generate(events: int = 200_000, *, seed: int = 20261126) -> Archive:
    """An archive whose import into an empty ledger records exactly ``events`` events."""
    if events < 4:
        raise ValueError("ask for at least 4 events")
    rng = random.Random(seed)
    lines = [_dumps({"type": "archive", "format": FORMAT_NAME, "version": FORMAT_VERSION})]
    counts = {"member": 0, "work": 0, "comment": 0, "vote": 0}
    authors_of: list[tuple[int, ...]] = []  # work index -> member indexes
    source_pool: list[int] = []  # each work once, plus once per use as a source
    uses: list[int] = []
    # Each work's stacked royalty claim under the absolute policy, in percent: the
    # ledger refuses a remix that takes it over 100 (ledger.royalty_stack).
    claims: list[Fraction] = []
    votes: set[tuple[int, int]] = set()
    members = 0
    recorded = 0
    remixes = 0
    clock = _START
    types = list(_WEIGHTS)
    weights = list(_WEIGHTS.values())

    def add_member() -> str:
        nonlocal members
        members += 1
        return _dumps(
            {
                "type": "member",
                "id": f"m{members}",
                "handle": f"member_{members:06d}",
                "name": f"{rng.choice(_WORDS).title()} {rng.choice(_WORDS).title()} {members}",
                "joined_at": _time(clock),
            }
        )

    def add_work() -> str:
        nonlocal remixes
        index = len(authors_of)
        n_authors = 2 if members >= 2 and rng.random() < _CO_AUTHORED_SHARE else 1
        authors = tuple(rng.sample(range(1, members + 1), n_authors))
        sources: list[dict[str, Any]] = []
        if authors_of and rng.random() < _REMIX_SHARE:
            remixes += 1
            wanted = min(rng.randint(1, 3), len(authors_of))
            chosen: list[int] = []
            claim = Fraction(0)
            while len(chosen) < wanted:
                pick = rng.choice(source_pool)  # P(work) ~ 1 + uses(work)
                if pick in chosen:
                    continue
                if claim + claims[pick] > 100:
                    wanted -= 1  # a second source would take the claims over 100%
                    continue
                chosen.append(pick)
                claim += claims[pick]
            for pick in chosen:
                uses[pick] += 1
                source_pool.append(pick)
                source: dict[str, Any] = {"id": f"w{pick}", "relation": rng.choice(_RELATIONS)}
                if rng.random() < 0.3:
                    percent = rng.choice((5, 10, 12.5, 20, 25))
                    if claim + Fraction(percent) <= 100:
                        source["royalty_percent"] = str(percent)
                        claim += Fraction(percent)
                sources.append(source)
            claims.append(claim)
        else:
            claims.append(Fraction(0))
        authors_of.append(authors)
        uses.append(0)
        source_pool.append(index)
        return _dumps(
            {
                "type": "work",
                "id": f"w{index}",
                "authors": [f"m{a}" for a in authors],
                "title": _phrase(rng, 2, 5).title(),
                "kind": rng.choice(_KINDS),
                "created_at": _time(clock),
                "body": _phrase(rng, 8, 30),
                "license": rng.choice(_LICENSES),
                "sources": sources or None,
            }
        )

    def add_comment() -> str:
        counts_c = counts["comment"] + 1
        work = rng.choice(source_pool)
        return _dumps(
            {
                "type": "comment",
                "id": f"c{counts_c}",
                "work": f"w{work}",
                "author": f"m{rng.randint(1, members)}",
                "text": _phrase(rng, 4, 20),
                "created_at": _time(clock),
            }
        )

    def add_vote() -> str | None:
        for _ in range(20):
            work = rng.choice(source_pool)
            member = rng.randint(1, members)
            if member in authors_of[work] or (member, work) in votes:
                continue
            votes.add((member, work))
            return _dumps(
                {
                    "type": "vote",
                    "work": f"w{work}",
                    "member": f"m{member}",
                    "value": 1 if rng.random() < 0.85 else -1,
                    "created_at": _time(clock),
                }
            )
        return None  # no free pair found quickly: pick another line type

    makers = {"member": add_member, "work": add_work, "comment": add_comment, "vote": add_vote}
    while recorded < events:
        clock += timedelta(seconds=rng.randint(1, 90))
        remaining = events - recorded
        if members < 20:
            kind = "member"
        elif not authors_of:
            kind = "work"
        else:
            kind = rng.choices(types, weights)[0]
        if kind == "member" and remaining < EVENTS_PER_LINE["member"]:
            kind = "work"
        text = makers[kind]()
        if text is None:
            continue
        lines.append(text)
        counts[kind] += 1
        recorded += EVENTS_PER_LINE[kind]
    return Archive(
        lines=lines,
        events=recorded,
        counts=counts,
        remixes=remixes,
        max_source_uses=max(uses, default=0),
    )


def write_archive(archive: Archive, path: str | Path) -> None:
    with Path(path).open("w", encoding="utf-8", newline="\n") as out:
        for text in archive.lines:
            out.write(text)
            out.write("\n")
