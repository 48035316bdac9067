"""The commands on productions: creating, filling, publishing, revenue, the royalty
policy and its weights, waived shares and the statements issued."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from ledger.adapters.paying_productions import pays_absolute
from ledger.application.base import Recorded, check_self_or_operator
from ledger.application.new_records import (
    id_for_new,
    made_already,
)
from ledger.application.royalty_stacks import RoyaltyStackChecks
from ledger.application.unit_of_work import UnitOfWork
from ledger.domain.errors import (
    DuplicateExternalIdError,
    InvalidWeightsError,
)
from ledger.domain.identity import production_id_for
from ledger.domain.numbers import check_decimal_size
from ledger.domain.production import DEFAULT_POOL_PERCENT, Production
from ledger.domain.rules import (
    check_external_id,
    occurred,
)
from ledger.domain.values import (
    Money,
    check_text,
)
from ledger.domain.work import Work

__all__ = ["PolicyCheck", "ProductionCommands"]

PolicyCheck = Callable[[str, Mapping[str, str], Sequence[str]], str]


class ProductionCommands(RoyaltyStackChecks):
    """Productions: what they include, what they earn, how they share it."""

    #: Checks a policy choice (name, parameters, weights as typed) and answers the
    #: policy's name as recorded: the lineage layer's ``check_policy_choice``, set by
    #: the entry points (the ledger knows no policies). None: only the name's length.
    policy_check: PolicyCheck | None = None

    def create_production(
        self,
        *,
        title: str,
        curator_id: UUID,
        external_id: str | None = None,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Start a production curated by ``curator_id`` (who must hold the curator role).

        With an ``idempotency_key`` (and no ``external_id``) the same act again
        records nothing.
        """
        check_external_id(external_id)
        production_id = id_for_new(
            "production", production_id_for, external_id, actor_id, idempotency_key
        )
        check_text("title", title, 200)
        keyed = idempotency_key is not None and not external_id

        def same_production(production: Production) -> bool:
            return (production.title, production.curator_id) == (title, curator_id)

        def command(uow: UnitOfWork) -> UUID:
            if external_id and uow.exists(production_id):
                raise DuplicateExternalIdError(
                    f"a production with external id {external_id!r} exists"
                )
            if keyed and made_already(uow, Production, production_id, same_production):
                return production_id
            self._check_curator(uow, curator_id, "curate a production")
            if actor_id is not None:
                self._check_curator(uow, actor_id, "create productions")
            uow.add(
                Production.create(
                    id=production_id,
                    title=title,
                    curator_id=curator_id,
                    external_id=external_id,
                    actor_id=actor_id,
                    occurred_at=occurred(occurred_at),
                )
            )
            return production_id

        return self._recorded(command)

    def include_work(
        self,
        production_id: UUID,
        work_id: UUID,
        *,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Add a work to an unpublished production."""

        def command(uow: UnitOfWork) -> UUID:
            production = self._production(uow, production_id)
            if actor_id is not None:
                self._check_curator(uow, actor_id, "fill productions")
            self._work(uow, work_id).check_not_retracted("included")
            if not production.has_applied(idempotency_key):
                if pays_absolute(production.policy) and work_id not in production.work_ids:
                    self._check_absolute_stacks(
                        uow, production, [work_id], "pays its works under the absolute policy"
                    )
                production.include_work(
                    work_id=work_id,
                    actor_id=actor_id,
                    occurred_at=occurred(occurred_at),
                    idempotency_key=idempotency_key,
                )
            return production_id

        return self._recorded(command)

    def exclude_work(
        self,
        production_id: UUID,
        work_id: UUID,
        *,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Take a work out of an unpublished production."""

        def command(uow: UnitOfWork) -> UUID:
            production = self._production(uow, production_id)
            if actor_id is not None:
                self._check_curator(uow, actor_id, "fill productions")
            if not production.has_applied(idempotency_key):
                production.exclude_work(
                    work_id=work_id,
                    actor_id=actor_id,
                    occurred_at=occurred(occurred_at),
                    idempotency_key=idempotency_key,
                )
            return production_id

        return self._recorded(command)

    def publish(
        self,
        production_id: UUID,
        *,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> Recorded:
        """Publish a production, once; its contents are frozen from then on."""

        def command(uow: UnitOfWork) -> UUID:
            production = self._production(uow, production_id)
            if actor_id is not None:
                self._check_curator(uow, actor_id, "publish productions")
            production.publish(actor_id=actor_id, occurred_at=occurred(occurred_at))
            return production_id

        return self._recorded(command)

    def record_revenue(
        self,
        production_id: UUID,
        amount: Money,
        *,
        external_id: str | None = None,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Record revenue a published production earned (positive, in minor units).

        An ``external_id`` (or an ``idempotency_key``) makes recording it again a no-op.
        """
        check_external_id(external_id)
        amount.check_recordable()
        key = f"revenue:{external_id}" if external_id else idempotency_key

        def command(uow: UnitOfWork) -> UUID:
            production = self._production(uow, production_id)
            if actor_id is not None:
                self._check_curator(uow, actor_id, "record revenue")
            if not production.has_applied(key):
                production.record_revenue(
                    amount=amount,
                    external_id=external_id,
                    actor_id=actor_id,
                    occurred_at=occurred(occurred_at),
                    idempotency_key=key,
                )
            return production_id

        return self._recorded(command)

    def choose_policy(
        self,
        production_id: UUID,
        policy: str,
        *,
        params: Mapping[str, str] | None = None,
        pool_percent: Decimal = DEFAULT_POOL_PERCENT,
        weights: Mapping[UUID, Decimal] | None = None,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Choose how the production's revenue is shared: the royalty policy (by name),
        its parameters, the contributor pool's percentage, and optional weights of the
        included works (one each, none negative, not all zero).

        The policy and its parameters are checked by ``policy_check`` (the lineage
        layer's, wired by the entry points), which also names the policy as recorded.
        Choosing ``absolute`` checks every included work's stacked claims.
        """
        parameters = dict(params or {})
        if self.policy_check is not None:
            policy = self.policy_check(
                policy, parameters, [str(v) for v in (weights or {}).values()]
            )

        def command(uow: UnitOfWork) -> UUID:
            production = self._production(uow, production_id)
            if actor_id is not None:
                self._check_curator(uow, actor_id, "choose royalty policies")
            if weights is not None:
                self._check_weights(uow, production, weights)
            if production.has_applied(idempotency_key):
                return production_id
            if pays_absolute(policy):
                self._check_absolute_stacks(
                    uow, production, production.work_ids, "cannot pay under the absolute policy"
                )
            production.choose_policy(
                idempotency_key=idempotency_key,
                policy=policy,
                params=parameters,
                pool_percent=pool_percent,
                weights=None if weights is None else {w.hex: str(v) for w, v in weights.items()},
                actor_id=actor_id,
                occurred_at=occurred(occurred_at),
            )
            return production_id

        return self._recorded(command)

    def _check_weights(
        self, uow: UnitOfWork, production: Production, weights: Mapping[UUID, Decimal]
    ) -> None:
        """One weight for each included work, none negative, at least one above zero."""

        def named(work_id: UUID) -> str:
            found = uow.find(Work, work_id)
            return repr(found.title) if found is not None else str(work_id)

        for work_id, value in weights.items():
            check_decimal_size(value, "work weight")
            if work_id not in production.work_ids:
                raise InvalidWeightsError(
                    f"{named(work_id)} is not in production {production.title!r}",
                    work_id=work_id,
                )
            if not (value.is_finite() and value >= 0):
                raise InvalidWeightsError(
                    f"weight {value} is not a number of 0 or more", work_id=work_id
                )
        for work_id in production.work_ids:
            if work_id not in weights:
                raise InvalidWeightsError(
                    f"production {production.title!r} includes {named(work_id)}, which has no"
                    " weight; give every included work one"
                )
        if not any(weights.values()):
            raise InvalidWeightsError("the weights total 0; at least one must be more than 0")

    def waive_share(
        self,
        production_id: UUID,
        member_id: UUID,
        *,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> Recorded:
        """A member gives up their share of the production's statements from now on;
        it is redistributed proportionally among the other contributors."""

        def command(uow: UnitOfWork) -> UUID:
            production = self._production(uow, production_id)
            self._member(uow, member_id)
            check_self_or_operator(actor_id, member_id, "waive a share")
            production.waive_share(
                member_id=member_id, actor_id=actor_id, occurred_at=occurred(occurred_at)
            )
            return production_id

        return self._recorded(command)

    def issue_statement(
        self,
        production_id: UUID,
        revenue_number: int,
        statement: Mapping[str, Any],
        *,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> Recorded:
        """Record the royalty statement of one revenue payment (1 = the first), once."""

        def command(uow: UnitOfWork) -> UUID:
            production = self._production(uow, production_id)
            if actor_id is not None:
                self._check_curator(uow, actor_id, "issue royalty statements")
            production.issue_statement(
                revenue_number=revenue_number,
                statement=dict(statement),
                actor_id=actor_id,
                occurred_at=occurred(occurred_at),
            )
            return production_id

        return self._recorded(command)
