"""A synthetic history shaped like a public git repository's, as an archive.

Each commit is a work and its parents are its sources, as a converter from
``git log --reverse --topo-order`` would write them (docs/archive-format.md): a
long main chain with branches merged back (two parents), a few dozen authors who
each commit under several spellings of their name and several emails (a mailmap
maps them to one member), a few commits on the very second of their parent, and
about 2% of commits dated before a parent, by up to years, as rebased and
cherry-picked commits keep their author dates.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

__all__ = ["Commit", "GitLikeHistory", "git_like_history"]

START = datetime(2008, 3, 1, 12, 0, tzinfo=UTC)
#: How far before a parent a rebased commit may be dated (the real histories: 3.6 years).
MAX_EARLY = timedelta(days=3 * 365 + 200)


@dataclass(frozen=True)
class Commit:
    sha: str
    name: str  # the author's name as this commit spells it
    email: str
    date: datetime
    parents: tuple[str, ...]
    subject: str


@dataclass(frozen=True)
class GitLikeHistory:
    commits: list[Commit]
    mailmap: dict[tuple[str, str], str]  # (name, email) -> member external id
    members: dict[str, str]  # member external id -> canonical name

    def author_of(self, commit: Commit) -> str:
        return self.mailmap[(commit.name, commit.email)]

    @property
    def out_of_order(self) -> list[Commit]:
        """The commits dated before one of their parents, in archive order."""
        dates = {commit.sha: commit.date for commit in self.commits}
        return [c for c in self.commits if any(c.date < dates[p] for p in c.parents)]

    def ancestors(self, sha: str) -> set[str]:
        """``sha`` and every commit it descends from (``git rev-list sha``)."""
        parents = {commit.sha: commit.parents for commit in self.commits}
        seen, stack = {sha}, [sha]
        while stack:
            for parent in parents[stack.pop()]:
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        return seen

    def line_of(self, sha: str) -> int:
        """The archive line (from 1) of the commit's work."""
        return 2 + len(self.members) + [c.sha for c in self.commits].index(sha)

    def archive_lines(self) -> list[str]:
        """The archive: its header, one member per author, one work per commit."""
        first_commit: dict[str, datetime] = {}
        for commit in self.commits:
            member = self.author_of(commit)
            first_commit[member] = min(commit.date, first_commit.get(member, commit.date))
        lines = [_line({"type": "archive", "format": "remix-ledger-archive", "version": 2})]
        for member, name in self.members.items():
            lines.append(
                _line(
                    {
                        "type": "member",
                        "id": member,
                        "handle": member,
                        "name": name,
                        "joined_at": _time(first_commit.get(member, START)),
                    }
                )
            )
        for commit in self.commits:
            work: dict[str, object] = {
                "type": "work",
                "id": commit.sha,
                "authors": [self.author_of(commit)],
                "title": commit.subject,
                "kind": "text",
                "created_at": _time(commit.date),
            }
            if commit.parents:
                work["sources"] = [{"id": p, "relation": "edit"} for p in commit.parents]
            lines.append(_line(work))
        return lines


def git_like_history(
    commits: int = 300,
    *,
    authors: int = 30,
    seed: int = 0,
    early_share: float = 0.02,
    same_second_share: float = 0.01,
) -> GitLikeHistory:
    """A history of ``commits`` commits by ``authors`` people, from ``seed``.

    ``early_share`` of the commits (at least one when positive and there is a
    parent) are dated before a parent; ``same_second_share`` on their parent's second.
    """
    rng = random.Random(seed)
    members: dict[str, str] = {}
    spellings: list[list[tuple[str, str]]] = []
    mailmap: dict[tuple[str, str], str] = {}
    for index in range(authors):
        member = f"dev-{index:02d}"
        first, last = f"Ada{index}", f"Lovelace{index}"
        members[member] = f"{first} {last}"
        variants = [
            (f"{first} {last}", f"{first.lower()}@example.org"),
            (f"{first[0]}. {last}", f"{first.lower()}@example.org"),
            (f"{first.lower()}{index}", f"{first.lower()}.{last.lower()}@users.example.com"),
        ][: 1 + index % 3]
        spellings.append(variants)
        for variant in variants:
            mailmap[variant] = member
    # A few authors make most commits, as in real projects.
    weights = [1.0 / (1 + index) for index in range(authors)]
    early = _pick(rng, commits, early_share)
    same_second = _pick(rng, commits, same_second_share) - early

    made: list[Commit] = []
    clock = START  # the committers' clock; a rebased commit's author date lags it
    main_tip: Commit | None = None
    branch_tip: Commit | None = None
    for number in range(commits):
        parents: list[Commit] = []
        on_branch = branch_tip is not None and rng.random() < 0.5
        if on_branch and branch_tip is not None:
            parents.append(branch_tip)
        elif main_tip is not None:
            parents.append(main_tip)
            if branch_tip is not None and branch_tip != main_tip and rng.random() < 0.3:
                parents.append(branch_tip)  # a merge: the branch ends
                branch_tip = None
        latest = max((p.date for p in parents), default=START)
        if number in early and parents:
            date = latest - timedelta(seconds=rng.randint(1, int(MAX_EARLY.total_seconds())))
        elif number in same_second and parents:
            date = latest
        else:
            clock = max(clock, latest) + timedelta(seconds=rng.randint(60, 2 * 86_400))
            date = clock
        (name, email) = rng.choice(spellings[rng.choices(range(authors), weights)[0]])
        subject = f"{['Fix', 'Add', 'Refactor', 'Document'][number % 4]} part {number}"
        if len(parents) == 2:
            subject = f"Merge branch 'topic-{number}'"
        sha = hashlib.sha1(f"{seed}:{number}".encode()).hexdigest()
        commit = Commit(sha, name, email, date, tuple(p.sha for p in parents), subject)
        made.append(commit)
        if on_branch:
            branch_tip = commit
        else:
            main_tip = commit
            if branch_tip is None and rng.random() < 0.1:
                branch_tip = commit  # a topic branch starts here
    return GitLikeHistory(made, mailmap, members)


def _pick(rng: random.Random, commits: int, share: float) -> set[int]:
    """Commit numbers (never the first, which has no parent) for a share of them."""
    if share <= 0 or commits < 2:
        return set()
    count = max(1, round(commits * share))
    return set(rng.sample(range(1, commits), min(count, commits - 1)))


def _time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _line(fields: dict[str, object]) -> str:
    return json.dumps(fields, separators=(",", ":"), ensure_ascii=False)
