"""Shared Hypothesis strategies: random programs of ledger commands.

A program is a list of steps; each step names a command and a few small
integers that pick its arguments among the records made so far, so that most
steps are valid and some break a rule on purpose (a taken handle, a cycle, a
vote on one's own work...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from hypothesis import strategies as st

from ledger import Citation, Ledger, Money, Relation
from ledger.domain.errors import LedgerError

# -- text: what can be recorded, and what must be refused (ledger.values.refused_character)

_REFUSED_CATEGORIES = ("Cc", "Cs", "Zl", "Zp")
_BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_visible = st.characters(exclude_categories=_REFUSED_CATEGORIES, exclude_characters=_BIDI_CONTROLS)

#: Text a one-line field (a title, a name, a licence, an external id) records today:
#: any script, emoji joiners and direction marks, never a control character.
one_line_text = st.text(_visible, min_size=1, max_size=30).filter(str.strip)

#: Text a body or a comment records today: one-line text with tabs and line endings.
prose_text = st.lists(
    st.one_of(
        st.text(_visible, max_size=12), st.sampled_from(["\n", "\r\n", "\t", "\u2028", "\u202e"])
    ),
    max_size=8,
).map("".join)

_refused = st.one_of(
    st.characters(categories=_REFUSED_CATEGORIES),
    st.sampled_from(["\x00", "\r", "\n", "\x1b", "\u2028", "\u202e", "\u2066"]),
)

#: Text holding at least one character a one-line field refuses (NUL, escapes, line
#: breaks, bidi overrides, lone surrogates): what old ledgers may hold and readers
#: must still show, and what commands must refuse.
hostile_text = st.tuples(st.text(_visible, max_size=8), _refused, st.text(max_size=8)).map("".join)

#: Text an old ledger may hold (recorded before control characters were refused):
#: anything but lone surrogates, which the store's UTF-8 never could encode.
old_ledger_text = (
    st.one_of(hostile_text, st.text(min_size=1, max_size=40))
    .map(lambda text: "".join(c for c in text if not "\ud800" <= c <= "\udfff"))
    .filter(str.strip)
)

COMMANDS = (
    "member",
    "member",
    "contribute",
    "contribute",
    "remix",
    "remix",
    "remix",
    "cite",
    "retract",
    "comment",
    "retract_comment",
    "vote",
    "vote",
    "withdraw",
    "curator",
    "production",
    "include",
    "exclude",
    "publish",
    "revenue",
    "credit",
    "rename",
)
RELATIONS = list(Relation)
EPOCH = datetime(2010, 1, 1, tzinfo=UTC)

Step = tuple[str, int, int, int, bool]

steps = st.tuples(
    st.sampled_from(COMMANDS),
    st.integers(0, 40),
    st.integers(0, 40),
    st.integers(0, 40),
    st.booleans(),
)
programs = st.lists(steps, min_size=8, max_size=60)


@dataclass
class Made:
    """The records a program has made so far (ids), to pick arguments from."""

    members: list[UUID] = field(default_factory=list)
    works: list[UUID] = field(default_factory=list)
    authors: dict[UUID, list[UUID]] = field(default_factory=dict)
    comments: list[tuple[UUID, UUID]] = field(default_factory=list)
    productions: list[UUID] = field(default_factory=list)
    refused: int = 0


def pick(items: list[UUID], index: int) -> UUID:
    return items[index % len(items)]


def run_step(ledger: Ledger, made: Made, step: Step, number: int) -> None:
    """Run one step; a broken rule raises LedgerError, which the caller expects."""
    name, a, b, c, flag = step
    when = EPOCH + timedelta(minutes=number)
    if name == "member" or not made.members:
        handle = f"h{a % 12}" if not flag else f"H{a % 12}"
        made.members.append(
            ledger.register_member(
                handle=handle, external_id=f"mem-{number}" if flag else None, occurred_at=when
            ).id
        )
        return
    member = pick(made.members, a)
    if name in ("contribute", "remix") or not made.works:
        authors = [member] if not flag else list(dict.fromkeys([member, pick(made.members, b)]))
        sources = []
        if name == "remix" and made.works:
            chosen = [pick(made.works, b), pick(made.works, c)] if flag else [pick(made.works, b)]
            sources = [
                Citation(
                    work, RELATIONS[(c + i) % len(RELATIONS)], Decimal(c % 7) if c % 3 else None
                )
                for i, work in enumerate(chosen)
            ]
        work = ledger.remix(
            authors=authors,
            title=f"work {number}",
            sources=sources,
            kind=["text", "image", "audio"][c % 3],
            body="x" * c,
            external_id=f"rec-{number}" if c % 2 else None,
            occurred_at=when,
        ).id
        made.works.append(work)
        made.authors[work] = authors
        return
    work = pick(made.works, b)
    author = made.authors[work][0]
    if name == "cite":
        source = pick(made.works, c)
        ledger.cite_source(
            work,
            Citation(source, RELATIONS[a % len(RELATIONS)]),
            actor_id=author if not flag else member,
            occurred_at=when,
        )
    elif name == "retract":
        ledger.retract_work(
            work, reason="asked" if flag else None, actor_id=author, occurred_at=when
        )
    elif name == "comment":
        comment = ledger.comment(
            work_id=work, author_id=member, text=f"comment {number}", occurred_at=when
        ).id
        made.comments.append((comment, member))
    elif name == "retract_comment" and made.comments:
        comment, by = made.comments[a % len(made.comments)]
        ledger.retract_comment(comment, actor_id=by if flag else member, occurred_at=when)
    elif name == "vote":
        ledger.vote(member_id=member, work_id=work, value=1 if flag else -1, occurred_at=when)
    elif name == "withdraw":
        ledger.withdraw_vote(member_id=member, work_id=work, occurred_at=when)
    elif name == "curator":
        ledger.grant_role(member, "curator", occurred_at=when)
    elif name == "production":
        made.productions.append(
            ledger.create_production(
                title=f"production {number}", curator_id=member, occurred_at=when
            ).id
        )
    elif name in ("include", "exclude", "publish", "revenue") and made.productions:
        production = pick(made.productions, c)
        if name == "include":
            ledger.include_work(production, work, occurred_at=when)
        elif name == "exclude":
            ledger.exclude_work(production, work, occurred_at=when)
        elif name == "publish":
            ledger.publish(production, occurred_at=when)
        else:
            ledger.record_revenue(production, Money(1 + a * 100 + b, "USD"), occurred_at=when)
    elif name == "credit":
        if flag:
            ledger.set_credit_preference(member, "pseudonym", pseudonym=f"P{a}", occurred_at=when)
        else:
            ledger.set_credit_preference(member, ["name", "none"][a % 2], occurred_at=when)
    elif name == "rename":
        ledger.rename_member(member, name=f"Name {a}", occurred_at=when)


def run_program(ledger: Ledger, program: list[Step], made: Made | None = None) -> Made:
    made = made or Made()
    for number, step in enumerate(program):
        head = ledger.head
        try:
            run_step(ledger, made, step, number)
        except LedgerError:
            made.refused += 1
            assert ledger.head == head, f"a refused {step[0]} recorded something"
    return made


# ------------------------------------------------------------------ archives

ARCHIVE_STEPS = (
    "member",
    "member",
    "work",
    "work",
    "work",
    "comment",
    "comment",
    "vote",
    "vote",
    "vote",
    "other",
)
RELATION_NAMES = [relation.value for relation in Relation]

archive_steps = st.lists(
    st.tuples(
        st.sampled_from(ARCHIVE_STEPS),
        st.integers(0, 40),
        st.integers(0, 40),
        st.integers(0, 40),
        st.integers(0, 49),  # >= 46: a twist (a rule broken, a bad line...)
    ),
    min_size=1,
    max_size=40,
)


def archive_lines(steps: list[tuple[str, int, int, int, int]]) -> list[str]:
    """Archive lines for ``steps``: mostly valid members, works, comments and votes.

    Some remixes are dated before their sources. A twist makes a line break a rule
    (a taken handle, an unknown or own work, a title too long...), makes it
    malformed, repeats or changes a vote, or writes a line of another type (a
    retraction, a withdrawal, a rename).
    """
    import json

    from ledger.domain.identity import member_id_for, work_id_for

    lines = [json.dumps({"type": "archive", "format": "remix-ledger-archive", "version": 2})]
    members: list[str] = []
    works: list[tuple[str, list[str]]] = []
    votes: list[dict[str, object]] = []

    def member_ref(index: int) -> str:
        reference = members[index % len(members)] if members else "m-nobody"
        if index % 13 == 5:  # by its id, not its external id
            return str(member_id_for(reference)) if index % 2 else member_id_for(reference).hex
        return reference

    def work_ref(index: int) -> str:
        reference = works[index % len(works)][0] if works else "w-nothing"
        return str(work_id_for(reference)) if index % 11 == 7 else reference

    for number, (kind, a, b, c, twist) in enumerate(steps, start=1):
        at = (EPOCH + timedelta(minutes=number)).strftime("%Y-%m-%dT%H:%M:%SZ")
        flaw = twist - 46 if twist >= 46 else None  # 0..3
        line: dict[str, object]
        if kind == "member" or not members:
            ext = f"m{number}" if flaw != 0 or not members else members[a % len(members)]
            line = {"type": "member", "id": ext, "handle": f"h{a % 30}", "joined_at": at}
            if b % 3 == 0:
                line["name"] = f"Name {b}" if flaw != 1 else "n" * 201
            if flaw == 2:
                line["handle"] = "Not A Handle!"
            if c % 5 == 0 and members:
                line["by"] = member_ref(c)
            if flaw == 3:
                line["by"] = "m-unknown"
            if a % 7 == 3:
                del line["joined_at"]  # recorded as happening now
            if ext not in members:
                members.append(ext)
        elif kind == "work" or not works:
            ext = f"w{number}" if flaw != 0 or not works else works[a % len(works)][0]
            authors = [member_ref(a)]
            if b % 4 == 0:
                authors.append(member_ref(b))  # sometimes the same one twice
            line = {
                "type": "work",
                "id": ext,
                "authors": authors,
                "title": f"Work {number}" if flaw != 1 else "",
                "kind": ["text", "image", "audio"][c % 3] if flaw != 2 else "sculpture",
                "created_at": at,
            }
            if c % 2:
                line["body"] = f'body {c} é "quoted"'
            if c % 5 == 1:
                line["license"] = "CC-BY-4.0"
            if c % 7 == 2:
                line["uri"] = f"https://example.org/{c}"
            if works and b % 3 != 0:
                picks = {b % len(works), c % len(works)} if c % 2 else {b % len(works)}
                line["sources"] = [
                    {
                        "id": work_ref(pick) if pick < len(works) else "w-missing",
                        "relation": RELATION_NAMES[(a + pick) % len(RELATION_NAMES)],
                        **({"royalty_percent": f"{c % 30}.5"} if (a + pick) % 3 == 0 else {}),
                    }
                    for pick in sorted(picks)
                ]
                if flaw == 3:
                    line["sources"] = [{"id": works[0][0], "relation": "sampling"}]
                if a % 8 == 5:  # dated before its sources, as a rebased commit is
                    line["created_at"] = (EPOCH - timedelta(days=c + 1)).strftime(
                        "%Y-%m-%dT%H:%M:%SZ"
                    )
            if a % 6 == 0:
                line["by"] = authors[0] if b % 5 else member_ref(b + 1)
            if ext not in [w for w, _ in works]:
                works.append((ext, authors))
        elif kind == "comment":
            line = {
                "type": "comment",
                "id": f"c{number}" if a % 9 else f"c{max(1, number - 1)}",
                "work": work_ref(a) if flaw != 0 else "w-missing",
                "author": member_ref(b) if flaw != 1 else "m-missing",
                "text": f"comment {c}" if flaw != 2 else "x" * 10_001,
                "created_at": at,
            }
        elif kind == "vote":
            if votes and a % 5 == 0:
                line = dict(votes[b % len(votes)])  # the same vote again
                if c % 2:
                    line["value"] = -int(str(line["value"]))  # a change: the commands' case
                    line["created_at"] = at
            else:
                work, authors = works[b % len(works)]
                line = {
                    "type": "vote",
                    "work": work,
                    "member": member_ref(a) if flaw != 0 else authors[0],  # own work
                    "value": 1 if c % 4 else -1,
                    "created_at": at,
                }
                if flaw == 1:
                    line["value"] = 2
                votes.append(line)
        else:
            work = works[a % len(works)][0]
            line = [
                {"type": "work_retraction", "work": work, "retracted_at": at},
                {
                    "type": "vote_withdrawal",
                    "work": work,
                    "member": member_ref(b),
                    "withdrawn_at": at,
                },
                {
                    "type": "member_renamed",
                    "member": member_ref(b),
                    "name": "New",
                    "renamed_at": at,
                },
                {"type": "comment", "id": f"c{number}", "work": work, "author": member_ref(c)},
            ][c % 4]
        text = json.dumps(line, ensure_ascii=False)
        if flaw == 3 and kind == "comment":
            text = text[:-5]  # not JSON
        elif flaw == 2 and kind == "vote":
            text = text[:-1] + ', "colour": "red"}'  # an unknown field
        lines.append(text)
    return lines


def _git_like_history(seed: int, commits: int, authors: int, early_share: float) -> object:
    from tests.ledger.git_like_history import git_like_history

    return git_like_history(commits, authors=authors, seed=seed, early_share=early_share)


# Small histories shaped like a git repository's (tests/ledger/git_like_history.py):
# merges, several spellings per author, commits dated before a parent.
git_like_histories = st.builds(
    _git_like_history,
    seed=st.integers(0, 2**32 - 1),
    commits=st.integers(1, 40),
    authors=st.integers(1, 6),
    early_share=st.sampled_from([0.0, 0.02, 0.1, 0.3]),
)
