"""The checks that keep a work paid under the ``absolute`` policy at 100% or less.

Under ``absolute`` a production pays each included work's stacked claims (its
own split over its sources', all the way down) as they are, so the stack may not
pass 100%. Both a new citation (``works``) and a production's choice or inclusion
(``productions``) can break that, so both themes check it here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from uuid import UUID

from ledger.adapters.derived_works import citing_works, derived_works, may_be_cited
from ledger.adapters.paying_productions import pays_absolute, productions_that_chose_absolute
from ledger.application.base import LedgerBase
from ledger.application.unit_of_work import UnitOfWork
from ledger.domain.errors import RoyaltyOverAllocationError
from ledger.domain.production import Production
from ledger.domain.royalty_stack import (
    Lineage,
    StackedClaims,
    check_absolute_stack,
)
from ledger.domain.values import Citation
from ledger.domain.work import Work

__all__ = ["RoyaltyStackChecks"]


class RoyaltyStackChecks(LedgerBase):
    """Reading lineages and checking the stacks a production pays under ``absolute``."""

    def _check_paid_under_absolute(
        self, uow: UnitOfWork, work: Work, sources: Sequence[Citation]
    ) -> None:
        """Refuse a new citation in ``work`` that stacks a work a production pays under
        ``absolute`` (``work`` itself or one built on it) over 100%.

        The productions are found in the log (``ledger.paying_productions``) and
        among those staged in this batch; the works built on ``work`` likewise
        (``ledger.derived_works``). Each is checked as if ``work`` cited ``sources``.
        """
        paid = self._works_paid_under_absolute(uow)
        if not paid:
            return
        targets = [w for w in (work.id, *self._works_built_on(uow, work)) if w in paid]
        if not targets:
            return
        lineage = self._lineage_reader(uow, {work.id: (work.title, sources)})
        claims = StackedClaims()
        for target in targets:
            title, target_sources = lineage(target)
            try:
                check_absolute_stack(title, target_sources, claims, lineage)
            except RoyaltyOverAllocationError as error:
                built_on = "" if target == work.id else f'"{title}" is built on "{work.title}"; '
                raise RoyaltyOverAllocationError(
                    f'{built_on}production "{paid[target]}" pays "{title}" under the absolute'
                    f" policy: {error}"
                ) from None

    def _works_paid_under_absolute(self, uow: UnitOfWork) -> dict[UUID, str]:
        """Each work a production pays under ``absolute`` now, with that production's title."""
        candidates = productions_that_chose_absolute(self.recorder, self.mapper)
        candidates.update(p.id for p in uow.touched() if isinstance(p, Production))
        paid: dict[UUID, str] = {}
        for production_id in sorted(candidates, key=str):
            production = uow.find(Production, production_id)
            if production is not None and pays_absolute(production.policy):
                for work_id in production.work_ids:
                    paid.setdefault(work_id, production.title)
        return paid

    def _works_built_on(self, uow: UnitOfWork, work: Work) -> list[UUID]:
        """The works built on ``work``, in the log and staged in this batch, nearest first."""
        cited = may_be_cited(self.recorder, self.mapper, work.id)
        citing = citing_works(self.recorder, self.mapper) if cited else {}
        for staged in uow.touched():
            if isinstance(staged, Work):
                for source_id in staged.source_ids:
                    citing.setdefault(source_id.hex, set()).add(staged.id.hex)
        return [UUID(hex=derived) for derived in derived_works(work.id.hex, citing)]

    def _check_absolute_stacks(
        self, uow: UnitOfWork, production: Production, work_ids: Sequence[UUID], act: str
    ) -> None:
        """Refuse paying ``work_ids`` under ``absolute`` where their stacks pass 100%."""
        lineage = self._lineage_reader(uow)
        claims = StackedClaims()
        for work_id in work_ids:
            title, sources = lineage(work_id)
            try:
                check_absolute_stack(title, sources, claims, lineage)
            except RoyaltyOverAllocationError as error:
                raise RoyaltyOverAllocationError(
                    f'production "{production.title}" {act}: {error}'
                ) from None

    def _lineage_reader(
        self,
        uow: UnitOfWork,
        overlay: Mapping[UUID, tuple[str, Sequence[Citation]]] | None = None,
    ) -> Lineage:
        """Read a work's title and citations once (a refusal walks the lineage twice).

        ``overlay`` answers for the works it names (a citation not recorded yet).
        """
        read: dict[UUID, tuple[str, Sequence[Citation]]] = dict(overlay or {})

        def lineage(work_id: UUID) -> tuple[str, Sequence[Citation]]:
            found = read.get(work_id)
            if found is None:
                work = self._work(uow, work_id)
                found = read[work_id] = (work.title, work.sources)
            return found

        return lineage
