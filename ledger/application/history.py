"""The audit trail: every event that concerns a member or a work, in log order.

Each entry has the event's position, when it happened (``occurred_at``), when it
was recorded (the store's timestamp), its type, its actor and a one-line summary.
This module reads the log directly (one pass, names learned as it goes); the
projections package keeps the same entries as a read model.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from ledger.application.ledger import Ledger
from ledger.application.log import iter_events
from ledger.domain.comment import Comment
from ledger.domain.currencies import minor_unit_digits
from ledger.domain.member import HandleClaim, Member
from ledger.domain.production import Production
from ledger.domain.proposal import Proposal
from ledger.domain.values import Citation
from ledger.domain.vote import Vote
from ledger.domain.work import Work

__all__ = ["HistoryEntry", "Namebook", "history_of"]

OPERATOR = "operator"


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a history."""

    position: int
    occurred_at: datetime
    recorded_at: datetime
    type: str
    actor: str
    actor_id: UUID | None
    summary: str
    ids: tuple[UUID, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "occurred_at": self.occurred_at.isoformat(),
            "recorded_at": self.recorded_at.isoformat(),
            "type": self.type,
            "actor": self.actor,
            "actor_id": None if self.actor_id is None else str(self.actor_id),
            "summary": self.summary,
            "ids": [str(each) for each in self.ids],
        }


class Namebook:
    """Handles and titles learned from creation events, to write readable summaries."""

    def __init__(
        self,
        names: MutableMapping[UUID, str] | None = None,
        votes: MutableMapping[UUID, tuple[UUID, UUID]] | None = None,
        comments: MutableMapping[UUID, UUID] | None = None,
    ) -> None:
        # In memory by default; a read model passes mappings backed by its tables.
        self.names = names if names is not None else {}
        self.votes = votes if votes is not None else {}
        self.comments = comments if comments is not None else {}

    def name(self, aggregate_id: UUID | None) -> str:
        if aggregate_id is None:
            return OPERATOR
        name = self.names.get(aggregate_id)
        # str() only when needed: a read-model rebuild names ~3 records an event.
        return str(aggregate_id) if name is None else name

    def learn(self, event: Any) -> None:
        """Remember names, and which member and work each vote and comment is about."""
        self.learn_name(event)
        if isinstance(event, Vote.Voted):
            self.votes[event.originator_id] = (event.member_id, event.work_id)
        elif isinstance(event, Comment.Commented):
            self.comments[event.originator_id] = event.work_id

    def learn_name(self, event: Any) -> None:
        """Remember the display name a creation event gives its record."""
        name = self.name_given(event)
        if name is not None:
            self.names[event.originator_id] = name

    @staticmethod
    def name_given(event: Any) -> str | None:
        """The display name a creation event gives its record (None for other events).

        Names are given once and never change (handles and titles are fixed).
        """
        if isinstance(event, Member.Registered):
            return "@" + event.handle
        if isinstance(event, Work.Contributed | Production.Created):
            return repr(event.title)
        if isinstance(event, Proposal.Drafted):
            return f"the proposal for {_payment_text(event.payment)}"
        return None

    def involved(self, event: Any) -> tuple[UUID, ...]:
        """Every record the event is about: its aggregate and the ids in its payload."""
        # Tuples of types, not unions: isinstance is faster with them (a rebuild
        # asks this of every field of every event).
        ids: list[UUID | None] = [event.originator_id]
        for value in vars(event).values():
            if isinstance(value, UUID):
                ids.append(value)
            elif isinstance(value, _SEQUENCES):
                ids.extend(item for item in value if isinstance(item, UUID))
                ids.extend(item.work_id for item in value if isinstance(item, Citation))
                # A proposal's lines name their payees (as text, in plain dicts).
                ids.extend(_line_members(value))
        citation = getattr(event, "citation", None)
        if citation is not None:
            ids.append(citation.work_id)
        # Only votes and comments need a look-up (their events name no member or work).
        if isinstance(event, _VOTE_CHANGES):
            ids.extend(self.votes[event.originator_id])
        elif isinstance(event, Comment.CommentRetracted):
            ids.append(self.comments[event.originator_id])
        unique = dict.fromkeys(ids)
        unique.pop(None, None)
        return tuple(unique)  # type: ignore[arg-type]

    def summary(self, event: Any) -> str:
        n = self.name
        match event:
            case Member.Registered():
                return f"{n(event.originator_id)} joined as {event.name!r}"
            case Member.Renamed():
                return f"{n(event.originator_id)} is now called {event.name!r}"
            case Member.RoleGranted():
                return f"{n(event.originator_id)} became {event.role}"
            case Member.CreditPreferenceSet():
                extra = f" ({event.pseudonym!r})" if event.pseudonym else ""
                return f"{n(event.originator_id)} asked to be credited by {event.mode}{extra}"
            case Work.Remixed():
                sources = ", ".join(f"{c.relation.value} of {n(c.work_id)}" for c in event.sources)
                return (
                    f"{n(event.originator_id)} ({event.kind}) by {self._authors(event)}: {sources}"
                )
            case Work.Contributed():
                return f"{n(event.originator_id)} ({event.kind}) by {self._authors(event)}"
            case Work.SourceCited():
                c = event.citation
                return f"{n(event.originator_id)} cites {n(c.work_id)} ({c.relation.value})"
            case Work.Retracted():
                reason = f": {event.reason}" if event.reason else ""
                return f"{n(event.originator_id)} was retracted{reason}"
            case Comment.Commented():
                text = event.text if len(event.text) <= 60 else event.text[:57] + "..."
                return f"{n(event.author_id)} on {n(event.work_id)}: {text!r}"
            case Comment.CommentRetracted():
                return f"a comment on {n(self.comments.get(event.originator_id))} was retracted"
            case Vote.Voted():
                return f"{n(event.member_id)} voted on {n(event.work_id)}: {event.value:+d}"
            case Vote.VoteChanged():
                member, work = self.votes[event.originator_id]
                verb = "changed their vote on"
                return f"{n(member)} {verb} {n(work)}: {event.value:+d}"
            case Vote.VoteWithdrawn():
                member, work = self.votes[event.originator_id]
                return f"{n(member)} withdrew their vote on {n(work)}"
            case Production.Created():
                return f"{n(event.originator_id)} started, curated by {n(event.curator_id)}"
            case Production.WorkIncluded():
                return f"{n(event.work_id)} included in {n(event.originator_id)}"
            case Production.WorkExcluded():
                return f"{n(event.work_id)} taken out of {n(event.originator_id)}"
            case Production.Published():
                return f"{n(event.originator_id)} was published"
            case Production.RevenueRecorded():
                return f"{n(event.originator_id)} earned {event.amount}"
            case Production.PolicyChosen():
                return f"{n(event.originator_id)} shares revenue by {_policy_text(event)}"
            case Production.ShareWaived():
                return (
                    f"{n(event.member_id)} waived their share of {n(event.originator_id)}"
                    " (revenue recorded from now on)"
                )
            case Production.RoyaltyStatementIssued():
                return (
                    f"royalty statement for revenue #{event.revenue_number}"
                    f" of {n(event.originator_id)} issued"
                )
            case Production.CostRecorded():
                return (
                    f"{n(event.originator_id)} cost {_minor(event.amount, event.currency)}:"
                    f" {event.description}"
                )
            case Production.BudgetRecorded():
                return (
                    f"{n(event.originator_id)} has a budget of"
                    f" {_minor(event.amount, event.currency)}: {event.description}"
                )
        return self._proposal_summary(event) or (
            # An event type this version does not describe: its name in words, never a
            # class path.
            f"{n(event.originator_id)}: {_words(type(event).__name__)}"
        )

    def _proposal_summary(self, event: Any) -> str | None:
        n = self.name
        p = n(event.originator_id)
        match event:
            case Proposal.Drafted():
                return (
                    f"{p} of {n(event.production_id)} drafted: {len(event.lines)} lines,"
                    f" pool {_minor(event.pool_minor, event.currency)}"
                )
            case _Proposal.Revised():
                return f"{p} revised to version {event.version} ({event.kind}): {event.reason}"
            case _Proposal.Opened():
                return f"{p} opened for comments until {event.closes_at:%Y-%m-%d %H:%M} UTC"
            case _Proposal.Commented():
                return f"{n(event.actor_id)} commented on {p}: {_short(event.text)!r}"
            case _Proposal.Objected():
                line = (
                    "" if event.line_member_id is None else f" to {n(event.line_member_id)}'s line"
                )
                kind = event.kind.replace("_", " ")
                return f"{n(event.actor_id)} objected{line} ({kind}) to {p}: {_short(event.text)!r}"
            case _Proposal.Answered():
                return f"objection {event.objection_id} to {p} {event.decision}: {event.reason}"
            case _Proposal.Finalized():
                return f"{p} is final (version {event.version}): the Final Community Payments"
            case _Proposal.Cancelled():
                return f"{p} was cancelled: {event.reason}"
            case _Proposal.PayoutRecorded():
                return (
                    f"payout to {n(event.member_id)} from {p}: {event.outcome} ({event.reference})"
                )
        return None

    def _authors(self, event: Any) -> str:
        return ", ".join(self.name(author) for author in event.authors)


def _policy_text(event: Any) -> str:
    params = ", ".join(f"{name}={value}" for name, value in sorted(event.params.items()))
    policy = f"{event.policy}({params})" if params else event.policy
    weights = "" if not event.weights else f", {len(event.weights)} work weights"
    return f"{policy}, contributor pool {event.pool_percent}%{weights}"


def _payment_text(payment: str) -> str:
    """``revenue:2`` -> ``revenue #2``."""
    kind, _, number = payment.partition(":")
    return f"{kind} #{number}"


def _minor(amount: int, currency: str) -> str:
    digits = minor_unit_digits(currency)
    return f"{Decimal(amount).scaleb(-digits):.{digits}f} {currency}"


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def _line_members(value: Any) -> Iterator[UUID]:
    for item in value:
        if isinstance(item, dict):
            member = item.get("member_id")
            if isinstance(member, str):
                try:
                    yield UUID(member)
                except ValueError:
                    continue


def _words(name: str) -> str:
    """``PolicyChosen`` -> ``policy chosen``."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()


class _Proposal:
    """The Proposal's events the ``@event`` decorator defines (unseen by type checkers)."""

    Revised: Any = vars(Proposal)["Revised"]
    Opened: Any = vars(Proposal)["Opened"]
    Commented: Any = vars(Proposal)["Commented"]
    Objected: Any = vars(Proposal)["Objected"]
    Answered: Any = vars(Proposal)["Answered"]
    Finalized: Any = vars(Proposal)["Finalized"]
    Cancelled: Any = vars(Proposal)["Cancelled"]
    PayoutRecorded: Any = vars(Proposal)["PayoutRecorded"]


_SEQUENCES = (list, tuple)
_VOTE_CHANGES = (Vote.VoteChanged, Vote.VoteWithdrawn)


def history_of(ledger: Ledger, subject_id: UUID, *, after: int = 0) -> Iterator[HistoryEntry]:
    """Every event about ``subject_id`` (a member, a work, a production...), in order."""
    book = Namebook()
    for position, event in iter_events(ledger):
        book.learn(event)
        if position <= after or isinstance(event, HandleClaim.Claimed):
            continue
        ids = book.involved(event)
        if subject_id not in ids:
            continue
        actor_id = getattr(event, "actor_id", None)
        yield HistoryEntry(
            position=position,
            occurred_at=event.occurred_at,
            recorded_at=event.timestamp,
            type=type(event).__name__,
            actor=book.name(actor_id),
            actor_id=actor_id,
            summary=book.summary(event),
            ids=ids,
        )
