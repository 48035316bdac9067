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
from ledger.errors import LedgerError

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
