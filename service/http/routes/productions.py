"""Productions: create, include and exclude works, publish, revenue, policy, waivers,
and royalty statements (preview and issue)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from ledger import Ledger, Money, Recorded
from ledger.application.operations import exclude_works, include_works
from ledger.domain.errors import InvalidValueError
from ledger.domain.numbers import parse_bounded_decimal
from lineage.operations import issue_statements
from lineage.policies import policy_from_name
from lineage.previews import statement_views
from service.http.deps import CommandKey, GraphAfter, LedgerDep, LineageDep, ServicesDep, Writer
from service.http.preconditions import (
    ETAG_HEADERS,
    NOT_MODIFIED,
    WRITTEN,
    IfMatch,
    IfNoneMatch,
    conditional_write,
    not_modified,
)
from service.http.responses import position_of
from service.http.schemas import (
    IncludedWork,
    PolicyChoice,
    ProductionCreate,
    ProductionPublic,
    ProductionWritten,
    RevenueCreate,
    RevenuePublic,
    StatementsIssue,
    StatementsIssued,
    StatementsPublic,
    Waiver,
    WorksSelection,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/productions", tags=["productions"])


def _written(
    response: Response, ledger: Ledger, production_id: UUID, recorded: Recorded
) -> ProductionWritten:
    return ProductionWritten(
        production_id=str(production_id),
        external_id=ledger.production(production_id).external_id,
        position=position_of(response, ledger, recorded),
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ProductionWritten)
def create_production(
    body: ProductionCreate, response: Response, ledger: LedgerDep, actor: Writer, key: CommandKey
) -> ProductionWritten:
    """Start a production (curators, or the operator); its curator defaults to the actor."""
    if body.curator is not None:
        curator = ledger.find_member(body.curator)
    elif actor.member_id is not None:
        curator = actor.member_id
    else:
        raise InvalidValueError("the operator names the production's curator")
    recorded = ledger.create_production(
        title=body.title,
        curator_id=curator,
        external_id=body.external_id,
        actor_id=actor.member_id,
        idempotency_key=key,
    )
    response.headers["Location"] = f"/api/productions/{recorded.id}"
    return _written(response, ledger, recorded.id, recorded)


@router.get(
    "/{production}",
    response_model=ProductionPublic,
    responses={200: {"description": "The production.", "headers": ETAG_HEADERS}, **NOT_MODIFIED},
)
def read_production(
    production: str, response: Response, ledger: LedgerDep, if_none_match: IfNoneMatch = None
) -> ProductionPublic | Response:
    """A production: its works, publication, policy and revenue."""
    found = ledger.production(ledger.find_production(production))
    unchanged = not_modified(response, found.id, found.version, if_none_match)
    if unchanged is not None:
        return unchanged
    works = [ledger.work(work_id) for work_id in found.work_ids]
    return ProductionPublic(
        production_id=str(found.id),
        external_id=found.external_id,
        title=found.title,
        curator_id=str(found.curator_id),
        works=[
            IncludedWork(work_id=str(w.id), external_id=w.external_id, title=w.title) for w in works
        ],
        published_at=found.published_at,
        policy=found.policy,
        policy_params=dict(found.policy_params),
        pool_percent=str(found.pool_percent),
        waived=[str(member) for member in found.waived],
        revenue=[
            RevenuePublic(
                number=number,
                amount=money.format_amount(),
                currency=money.currency,
                statement_issued=number in found.statements,
            )
            for number, money in enumerate(found.revenue, start=1)
        ],
        position=ledger.head,
    )


@router.post("/{production}/works", response_model=ProductionWritten, responses=WRITTEN)
def include(
    production: str,
    body: WorksSelection,
    response: Response,
    ledger: LedgerDep,
    actor: Writer,
    if_match: IfMatch = None,
) -> ProductionWritten:
    """Include several works at once (curators): all of them, or none."""
    production_id = ledger.find_production(production)
    works = [ledger.find_work(work) for work in body.works]
    with conditional_write(ledger, response, production_id, if_match):
        recorded = include_works(ledger, production_id, works, actor_id=actor.member_id)
    return _written(response, ledger, production_id, recorded)


@router.post("/{production}/exclusions", response_model=ProductionWritten, responses=WRITTEN)
def exclude(
    production: str,
    body: WorksSelection,
    response: Response,
    ledger: LedgerDep,
    actor: Writer,
    if_match: IfMatch = None,
) -> ProductionWritten:
    """Take several works out at once (curators): all of them, or none."""
    production_id = ledger.find_production(production)
    works = [ledger.find_work(work) for work in body.works]
    with conditional_write(ledger, response, production_id, if_match):
        recorded = exclude_works(ledger, production_id, works, actor_id=actor.member_id)
    return _written(response, ledger, production_id, recorded)


@router.post("/{production}/publication", response_model=ProductionWritten, responses=WRITTEN)
def publish(
    production: str,
    response: Response,
    ledger: LedgerDep,
    actor: Writer,
    if_match: IfMatch = None,
) -> ProductionWritten:
    """Publish the production (curators), once; its contents are frozen from then on."""
    production_id = ledger.find_production(production)
    with conditional_write(ledger, response, production_id, if_match):
        recorded = ledger.publish(production_id, actor_id=actor.member_id)
    return _written(response, ledger, production_id, recorded)


@router.post("/{production}/revenue", response_model=ProductionWritten, responses=WRITTEN)
def record_revenue(
    production: str,
    body: RevenueCreate,
    response: Response,
    ledger: LedgerDep,
    actor: Writer,
    key: CommandKey,
    if_match: IfMatch = None,
) -> ProductionWritten:
    """Record revenue a published production earned (curators)."""
    production_id = ledger.find_production(production)
    with conditional_write(ledger, response, production_id, if_match):
        recorded = ledger.record_revenue(
            production_id,
            Money.parse(body.amount, body.currency),
            external_id=body.external_id,
            actor_id=actor.member_id,
            idempotency_key=key,
        )
    return _written(response, ledger, production_id, recorded)


@router.put("/{production}/policy", response_model=ProductionWritten, responses=WRITTEN)
def choose_policy(
    production: str,
    body: PolicyChoice,
    response: Response,
    ledger: LedgerDep,
    actor: Writer,
    key: CommandKey,
    if_match: IfMatch = None,
) -> ProductionWritten:
    """Choose the royalty policy, the contributor pool and the works' weights (curators)."""
    production_id = ledger.find_production(production)
    chosen = policy_from_name(body.policy, **body.params)  # unknown or bad: refused now
    weights = (
        None
        if body.weights is None
        else {ledger.find_work(w): _decimal(v, "weight") for w, v in body.weights.items()}
    )
    with conditional_write(ledger, response, production_id, if_match):
        recorded = ledger.choose_policy(
            production_id,
            chosen.name,
            params=body.params,
            pool_percent=_decimal(body.pool_percent, "pool_percent"),
            weights=weights,
            actor_id=actor.member_id,
            idempotency_key=key,
        )
    return _written(response, ledger, production_id, recorded)


@router.post("/{production}/waivers", response_model=ProductionWritten, responses=WRITTEN)
def waive_share(
    production: str,
    body: Waiver,
    response: Response,
    ledger: LedgerDep,
    actor: Writer,
    if_match: IfMatch = None,
) -> ProductionWritten:
    """The acting member waives their share of the production's future statements."""
    production_id = ledger.find_production(production)
    if body.member is not None:
        member = ledger.find_member(body.member)
    else:
        member = actor.member("waive a share without naming the member")
    with conditional_write(ledger, response, production_id, if_match):
        recorded = ledger.waive_share(production_id, member, actor_id=actor.member_id)
    return _written(response, ledger, production_id, recorded)


@router.get("/{production}/statements", response_model=StatementsPublic)
def preview_statements(
    production: str,
    ledger: LedgerDep,
    lineage: LineageDep,
    services: ServicesDep,
    after: GraphAfter,
    revenue: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    policy: Annotated[
        str | None, Query(max_length=40, description="What if: another policy.")
    ] = None,
) -> StatementsPublic:
    """Each revenue payment's statement, to the cent, explained (nothing is recorded)."""
    production_id = ledger.find_production(production)
    what_if = None if policy is None else policy_from_name(policy)

    def preview() -> tuple[list[dict[str, Any]], int]:
        with lineage.reading(
            after,
            services.settings.wait_seconds,
            holds=lambda graph: production_id in graph.production_ids,
        ) as graph:
            # A what-if (``policy``) says so and is never "issued" (lineage.previews).
            views = statement_views(graph, production_id, policy=what_if, revenue_number=revenue)
            return [view.as_dict() for view in views], graph.position

    # In a lineage worker, within the server's time budget (lineage.budget).
    rows, position = services.lineage_budget.run(preview)
    if revenue is not None and not rows:
        raise InvalidValueError(f"the production has no revenue payment #{revenue}")
    return StatementsPublic(position=position, statements=rows)


@router.post("/{production}/statements", response_model=StatementsIssued)
def issue(
    production: str,
    body: StatementsIssue,
    response: Response,
    ledger: LedgerDep,
    lineage: LineageDep,
    services: ServicesDep,
    actor: Writer,
) -> StatementsIssued:
    """Issue (record) the statements not issued yet, in one transaction (curators)."""
    production_id = ledger.find_production(production)
    with lineage.reading(ledger.head, services.settings.wait_seconds) as graph:
        issued = issue_statements(
            ledger,
            graph,
            production_id,
            revenue_number=body.revenue_number,
            actor_id=actor.member_id,
        )
    return StatementsIssued(
        production_id=str(production_id),
        issued=sorted(issued.statements),
        position=position_of(response, ledger, issued.position),
    )


def _decimal(text: str, what: str) -> Decimal:
    # Matched as text first: Decimal("1e-5000") would be accepted, and cost later.
    return parse_bounded_decimal(text, what)
