"""One archive line applied as the ledger command it records, in the import's unit of work.

External ids in the line are resolved to aggregate ids (``references``); records
already present are skipped, and acts without an id carry an idempotency key
derived from the line's content, so applying a line twice records nothing new.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from ledger.application.ledger import Ledger
from ledger.application.unit_of_work import UnitOfWork
from ledger.archive.references import Derived, citation, content_key, resolve, when
from ledger.archive.schema import Line, LineError
from ledger.domain.comment import Comment
from ledger.domain.errors import (
    InvalidValueError,
    LedgerError,
    UnknownCommentError,
    UnknownMemberError,
    UnknownProductionError,
    UnknownWorkError,
)
from ledger.domain.identity import (
    comment_id_for,
    member_id_for,
    production_id_for,
    vote_id_for,
    work_id_for,
)
from ledger.domain.member import Member
from ledger.domain.numbers import parse_bounded_decimal
from ledger.domain.production import DEFAULT_POOL_PERCENT, Production
from ledger.domain.rules import check_built_after
from ledger.domain.values import Citation, Money, Role, parse_enum
from ledger.domain.vote import Vote
from ledger.domain.work import Work

__all__ = ["LineApplier"]


class LineApplier:
    """Turns parsed lines into ledger commands, resolving external ids to aggregate ids."""

    def __init__(self, ledger: Ledger, uow: UnitOfWork, derived: Derived, *, strict: bool) -> None:
        self.ledger = ledger
        self.uow = uow
        self.derived = derived
        self.as_recorded = not strict
        # Lines recorded with a date before one of their sources' (as_recorded).
        self.out_of_order = 0

    def apply(self, line: Line) -> None:
        getattr(self, "_" + line.type)(line)

    # -- references

    def _resolve(
        self,
        reference: str,
        derive: Callable[[str], UUID],
        cls: type,
        error: type[LedgerError],
        what: str,
    ) -> UUID:
        def is_one(candidate: UUID) -> bool:
            return self.uow.find(cls, candidate) is not None

        return resolve(reference, derive, is_one, self.derived, error, what)

    def member(self, reference: str) -> UUID:
        return self._resolve(reference, member_id_for, Member, UnknownMemberError, "member")

    def work(self, reference: str) -> UUID:
        return self._resolve(reference, work_id_for, Work, UnknownWorkError, "work")

    def production(self, reference: str) -> UUID:
        return self._resolve(
            reference, production_id_for, Production, UnknownProductionError, "production"
        )

    def comment_ref(self, reference: str) -> UUID:
        return self._resolve(reference, comment_id_for, Comment, UnknownCommentError, "comment")

    def by(self, line: Line) -> UUID | None:
        reference = line["by"]
        return None if reference is None else self.member(reference)

    def _present(self, derived: UUID) -> bool:
        return self.uow.exists(derived)

    # -- one method per line type

    def _member(self, line: Line) -> None:
        if self._present(member_id_for(line["id"])):
            return
        self.ledger.register_member(
            handle=line["handle"],
            name=line["name"],
            external_id=line["id"],
            actor_id=self.by(line),
            occurred_at=when(line["joined_at"]),
        )

    def _member_renamed(self, line: Line) -> None:
        member_id = self.member(line["member"])
        self.ledger.rename_member(
            member_id,
            name=line["name"],
            actor_id=self.by(line),
            occurred_at=line["renamed_at"],
            idempotency_key=content_key(line),
        )

    def _role(self, line: Line) -> None:
        member_id = self.member(line["member"])
        role = parse_enum(Role, line["role"], "role")
        member = self.uow.find(Member, member_id)
        if member is not None and member.has_role(role):
            return
        self.ledger.grant_role(
            member_id, role.value, actor_id=self.by(line), occurred_at=line["granted_at"]
        )

    def _credit_preference(self, line: Line) -> None:
        member_id = self.member(line["member"])
        self.ledger.set_credit_preference(
            member_id,
            line["credit"],
            pseudonym=line["pseudonym"],
            actor_id=self.by(line),
            occurred_at=line["set_at"],
            idempotency_key=content_key(line),
        )

    def _dated_before(self, occurred_at: datetime, sources: Iterable[Citation]) -> bool:
        """Whether an act that is recorded as dated is dated before one of ``sources``.

        Strict, the command refuses it, in its own order of checks.
        """
        if not self.as_recorded:
            return False
        dated_before = False
        for cited in sources:
            source = self.uow.find(Work, cited.work_id)
            if source is not None and check_built_after(
                occurred_at, source.title, source.contributed_at, as_recorded=True
            ):
                dated_before = True
        return dated_before

    def _work(self, line: Line) -> None:
        if self._present(work_id_for(line["id"])):
            return
        sources = [citation(source, self.work(source.id)) for source in line["sources"] or ()]
        occurred_at = when(line["created_at"])
        out_of_order = self._dated_before(occurred_at, sources)
        self.ledger.remix(
            authors=[self.member(author) for author in line["authors"]],
            title=line["title"],
            kind=line["kind"],
            sources=sources,
            body=line["body"],
            uri=line["uri"],
            license=line["license"],
            external_id=line["id"],
            actor_id=self.by(line),
            occurred_at=occurred_at,
            as_recorded=self.as_recorded,
        )
        if out_of_order:
            self.out_of_order += 1

    def _citation(self, line: Line) -> None:
        work_id = self.work(line["work"])
        source = line["source"]
        cited = citation(source, self.work(source.id))
        work = self.uow.find(Work, work_id)
        if work is not None and cited.work_id in work.source_ids:
            return
        out_of_order = work is not None and self._dated_before(line["cited_at"], [cited])
        self.ledger.cite_source(
            work_id,
            cited,
            actor_id=self.by(line),
            occurred_at=line["cited_at"],
            as_recorded=self.as_recorded,
        )
        if out_of_order:
            self.out_of_order += 1

    def _work_retraction(self, line: Line) -> None:
        work_id = self.work(line["work"])
        work = self.uow.find(Work, work_id)
        if work is not None and work.retracted:
            return
        self.ledger.retract_work(
            work_id, reason=line["reason"], actor_id=self.by(line), occurred_at=line["retracted_at"]
        )

    def _comment(self, line: Line) -> None:
        if self._present(comment_id_for(line["id"])):
            return
        self.ledger.comment(
            work_id=self.work(line["work"]),
            author_id=self.member(line["author"]),
            text=line["text"],
            external_id=line["id"],
            occurred_at=when(line["created_at"]),
        )

    def _comment_retraction(self, line: Line) -> None:
        comment_id = self.comment_ref(line["comment"])
        comment = self.uow.find(Comment, comment_id)
        if comment is not None and comment.retracted:
            return
        self.ledger.retract_comment(
            comment_id, actor_id=self.by(line), occurred_at=line["retracted_at"]
        )

    def _vote(self, line: Line) -> None:
        member_id, work_id = self.member(line["member"]), self.work(line["work"])
        existing = self.ledger_vote(member_id, work_id)
        key = content_key(line)
        if existing is not None and (existing.has_applied(key) or existing.value == line["value"]):
            return
        self.ledger.vote(
            member_id=member_id,
            work_id=work_id,
            value=line["value"],
            occurred_at=when(line["created_at"]),
            idempotency_key=key,
        )

    def _vote_withdrawal(self, line: Line) -> None:
        member_id, work_id = self.member(line["member"]), self.work(line["work"])
        existing = self.ledger_vote(member_id, work_id)
        key = content_key(line)
        if existing is None or existing.is_withdrawn or existing.has_applied(key):
            return
        self.ledger.withdraw_vote(
            member_id=member_id,
            work_id=work_id,
            occurred_at=line["withdrawn_at"],
            idempotency_key=key,
        )

    def ledger_vote(self, member_id: UUID, work_id: UUID) -> Vote | None:
        return self.uow.find(Vote, vote_id_for(member_id, work_id))

    def _production(self, line: Line) -> None:
        production_id = production_id_for(line["id"])
        if self._present(production_id):
            return
        curator_id = self.member(line["curator"])
        work_ids = [self.work(work) for work in line["works"] or ()]
        # Without a created_at, the production is taken to be created when published.
        created_at = when(line["created_at"] or line["published_at"])
        actor_id = self.by(line)
        curator = self.uow.find(Member, curator_id)
        if curator is not None and not curator.has_role(Role.CURATOR):
            # The archive names the curator; the import grants the role it implies.
            self.ledger.grant_role(curator_id, Role.CURATOR.value, occurred_at=created_at)
        self.ledger.create_production(
            title=line["title"],
            curator_id=curator_id,
            external_id=line["id"],
            actor_id=actor_id,
            occurred_at=created_at,
        )
        for work_id in work_ids:
            self.ledger.include_work(
                production_id, work_id, actor_id=actor_id, occurred_at=created_at
            )
        if line["published_at"] is not None:
            self.ledger.publish(production_id, actor_id=actor_id, occurred_at=line["published_at"])

    def _inclusion(self, line: Line) -> None:
        self._membership(line, "included_at", include=True)

    def _exclusion(self, line: Line) -> None:
        self._membership(line, "excluded_at", include=False)

    def _membership(self, line: Line, time_field: str, *, include: bool) -> None:
        production_id = self.production(line["production"])
        work_id = self.work(line["work"])
        key = content_key(line)
        production = self.uow.find(Production, production_id)
        if production is not None and production.has_applied(key):
            return
        command = self.ledger.include_work if include else self.ledger.exclude_work
        command(
            production_id,
            work_id,
            actor_id=self.by(line),
            occurred_at=line[time_field],
            idempotency_key=key,
        )

    def _publication(self, line: Line) -> None:
        production_id = self.production(line["production"])
        production = self.uow.find(Production, production_id)
        if production is not None and production.is_published:
            return
        self.ledger.publish(production_id, actor_id=self.by(line), occurred_at=line["published_at"])

    def _policy(self, line: Line) -> None:
        production_id = self.production(line["production"])
        key = content_key(line)
        production = self.uow.find(Production, production_id)
        if production is not None and production.has_applied(key):
            return
        try:
            pool = parse_bounded_decimal(
                line["pool_percent"] or str(DEFAULT_POOL_PERCENT), "'pool_percent'"
            )
        except InvalidValueError as error:
            raise LineError(str(error)) from None
        weights = line["weights"]
        self.ledger.choose_policy(
            production_id,
            line["policy"],
            params=line["params"] or {},
            pool_percent=pool,
            weights=None
            if weights is None
            else {self.work(w): _weight(v) for w, v in weights.items()},
            actor_id=self.by(line),
            occurred_at=line["chosen_at"],
            idempotency_key=key,
        )

    def _waiver(self, line: Line) -> None:
        production_id = self.production(line["production"])
        member_id = self.member(line["member"])
        production = self.uow.find(Production, production_id)
        if production is not None and member_id in production.waived:
            return
        self.ledger.waive_share(
            production_id, member_id, actor_id=self.by(line), occurred_at=line["waived_at"]
        )

    def _statement(self, line: Line) -> None:
        production_id = self.production(line["production"])
        production = self.uow.find(Production, production_id)
        if production is not None and line["revenue"] in production.statements:
            return
        self.ledger.issue_statement(
            production_id,
            line["revenue"],
            line["statement"],
            actor_id=self.by(line),
            occurred_at=line["issued_at"],
        )

    def _revenue(self, line: Line) -> None:
        production_id = self.production(line["production"])
        amount = Money.parse(line["amount"], line["currency"])
        external_id = line["id"]
        key = f"revenue:{external_id}" if external_id else content_key(line)
        production = self.uow.find(Production, production_id)
        if production is not None and production.has_applied(key):
            return
        self.ledger.record_revenue(
            production_id,
            amount,
            external_id=external_id,
            actor_id=self.by(line),
            occurred_at=when(line["received_at"]),
            idempotency_key=None if external_id else key,
        )


def _weight(value: str) -> Decimal:
    try:
        return parse_bounded_decimal(value, "weight")
    except InvalidValueError as error:
        raise LineError(str(error)) from None
