"""One production that cannot be paid (settings recorded under older rules) breaks no
other page: the pages that list it show the others and name what is wrong with it."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from ledger import Ledger, Money
from tests.recorded_before import before_the_weight_rule
from tests.service.web.conftest import Api
from tests.service.web.test_pages import page, settled

_WHY = "weights must not be negative, and at least one must be positive"


def _paid_production(ledger: Ledger, curator: UUID, title: str, *works: UUID) -> UUID:
    production = ledger.create_production(title=title, curator_id=curator).id
    for work in works:
        ledger.include_work(production, work)
    return production


def _broken_ledger(api: Api) -> tuple[UUID, UUID, UUID]:
    """Ana's story in a good production and, with Bo's, in one weighted all zero."""
    ledger = api.services.ledger
    ana = UUID(api.member("ana").member_id)
    bo = UUID(api.member("bo").member_id)
    curie = UUID(api.curator("curie").member_id)
    story = ledger.contribute(authors=[ana], title="Good story").id
    other = ledger.contribute(authors=[bo], title="Other story").id
    good = _paid_production(ledger, curie, "The Good Book", story)
    broken = _paid_production(ledger, curie, "The Broken Book", story, other)
    with before_the_weight_rule():
        ledger.choose_policy(broken, "equal", weights={story: Decimal(0), other: Decimal(0)})
    for production in (good, broken):
        ledger.publish(production)
        ledger.record_revenue(production, Money.parse("10.00", "USD"))
    settled(api)
    return ana, good, broken


def test_a_members_page_shows_the_productions_that_can_be_paid_and_names_the_broken_one(
    api: Api,
) -> None:
    ana, _, _ = _broken_ledger(api)
    text = page(api, f"/members/{ana}")
    assert "The Good Book" in text and "5.00 USD" in text  # half the pool of 10.00
    assert "The Broken Book</a>: the credits cannot be computed:" in text
    assert _WHY in text


def test_a_productions_page_names_the_statement_it_cannot_compute(api: Api) -> None:
    _, good, broken = _broken_ledger(api)
    text = page(api, f"/productions/{broken}")
    assert f"Statement #1 cannot be computed: {_WHY}" in text
    assert "Other story" in text
    assert "Statement #1 (" in page(api, f"/productions/{good}")
    assert "The Good Book" in page(api, "/") and "The Broken Book" in page(api, "/")


def test_a_corrected_policy_pays_the_revenue_the_broken_one_could_not(api: Api) -> None:
    _, _, broken = _broken_ledger(api)
    api.services.ledger.choose_policy(broken, "equal")
    settled(api)
    text = page(api, f"/productions/{broken}")
    assert "cannot be computed" not in text
    assert "Statement #1 (not issued yet): 10.00 USD earned" in text
