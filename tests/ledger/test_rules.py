"""Every rule of the ledger: the command is refused with a named error and nothing is recorded."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from ledger import Citation, Ledger, Money, Relation
from ledger.domain.errors import (
    AlreadyPublishedError,
    CycleError,
    DuplicateExternalIdError,
    HandleTakenError,
    InvalidAmountError,
    InvalidHandleError,
    InvalidSourcesError,
    InvalidValueError,
    LedgerError,
    NotAuthorError,
    NotCuratorError,
    NotPublishedError,
    OwnWorkVoteError,
    PermissionDeniedError,
    RetractedError,
    TextTooLongError,
    UnknownCommentError,
    UnknownMemberError,
    UnknownProductionError,
    UnknownWorkError,
)
from ledger.domain.values import MAX_BODY, MAX_COMMENT, MAX_TITLE
from ledger.domain.vote import Vote
from tests.builders import Cast, cast_of


@pytest.fixture
def cast(ledger: Ledger) -> Cast:
    return cast_of(ledger)


def refused(
    ledger: Ledger, error: type[LedgerError], command: Callable[[], Any], match: str | None = None
) -> None:
    """Assert ``command`` raises ``error`` and leaves the log exactly as it was."""
    head = ledger.head
    with pytest.raises(error, match=match):
        command()
    assert ledger.head == head


# -- unknown records


def test_refuses_a_work_by_an_unknown_member(cast: Cast) -> None:
    refused(
        cast.ledger,
        UnknownMemberError,
        lambda: cast.ledger.contribute(authors=[uuid4()], title="x"),
    )


def test_refuses_a_remix_of_an_unknown_work(cast: Cast) -> None:
    refused(
        cast.ledger,
        UnknownWorkError,
        lambda: cast.ledger.remix(
            authors=[cast.ana], title="x", sources=[Citation(uuid4(), Relation.REMIX)]
        ),
    )


def test_refuses_to_include_in_an_unknown_production(cast: Cast) -> None:
    work = cast.story()
    refused(cast.ledger, UnknownProductionError, lambda: cast.ledger.include_work(uuid4(), work))


def test_refuses_to_retract_an_unknown_comment(cast: Cast) -> None:
    refused(cast.ledger, UnknownCommentError, lambda: cast.ledger.retract_comment(uuid4()))


def test_resolves_members_by_handle_in_any_case_and_by_external_id(ledger: Ledger) -> None:
    member = ledger.register_member(handle="Wirrow", external_id="mem-7").id
    assert ledger.find_member("WIRROW") == member
    assert ledger.find_member("mem-7") == member
    assert ledger.find_member(str(member)) == member
    with pytest.raises(UnknownMemberError, match="nobody"):
        ledger.find_member("nobody")


# -- sources and citations


def test_a_remix_cites_at_most_32_sources(cast: Cast) -> None:
    works = [cast.story(f"story {n}") for n in range(33)]
    refused(
        cast.ledger,
        InvalidSourcesError,
        lambda: cast.ledger.remix(
            authors=[cast.ben], title="x", sources=[Citation(w, Relation.REMIX) for w in works]
        ),
        "1 to 32",
    )
    assert cast.ledger.remix(
        authors=[cast.ben], title="x", sources=[Citation(w, Relation.REMIX) for w in works[:32]]
    ).position


def test_a_remix_cites_each_source_once(cast: Cast) -> None:
    work = cast.story()
    refused(
        cast.ledger,
        InvalidSourcesError,
        lambda: cast.ledger.remix(
            authors=[cast.ben],
            title="x",
            sources=[Citation(work, Relation.REMIX), Citation(work, Relation.EDIT)],
        ),
    )


def test_a_work_cannot_cite_itself(cast: Cast) -> None:
    work = cast.story()
    refused(
        cast.ledger,
        InvalidSourcesError,
        lambda: cast.ledger.cite_source(work, Citation(work, Relation.REMIX), actor_id=cast.ana),
        "own source",
    )


def test_citing_a_descendant_as_a_source_is_refused_as_a_cycle(cast: Cast) -> None:
    root = cast.story()
    child = cast.remix_of(root)
    grandchild = cast.remix_of(child, author=cast.cat)
    refused(
        cast.ledger,
        CycleError,
        lambda: cast.ledger.cite_source(
            root, Citation(grandchild, Relation.INSPIRATION), actor_id=cast.ana
        ),
        "its own ancestor",
    )
    # Citing an unrelated work is fine.
    other = cast.story("another")
    assert cast.ledger.cite_source(
        child, Citation(other, Relation.REMIX), actor_id=cast.ben
    ).position


def test_only_an_author_may_cite_sources_or_retract(cast: Cast) -> None:
    work = cast.story()
    other = cast.story("other")
    refused(
        cast.ledger,
        NotAuthorError,
        lambda: cast.ledger.cite_source(work, Citation(other, Relation.REMIX), actor_id=cast.ben),
    )
    refused(cast.ledger, NotAuthorError, lambda: cast.ledger.retract_work(work, actor_id=cast.ben))
    assert cast.ledger.retract_work(work, actor_id=cast.ana).position


def test_a_member_contributes_only_works_they_author(cast: Cast) -> None:
    refused(
        cast.ledger,
        PermissionDeniedError,
        lambda: cast.ledger.contribute(authors=[cast.ana], title="x", actor_id=cast.ben),
    )


def test_royalty_percent_is_an_exact_decimal_between_0_and_100() -> None:
    assert Citation.parse_percent("12.5") == Decimal("12.5")
    for bad in ("101", "-1", "NaN", "ten"):
        with pytest.raises(InvalidValueError):
            Citation.parse_percent(bad)
    with pytest.raises(InvalidValueError, match="decimal string"):
        Citation.parse_percent(12.5)


# -- votes


def test_voting_again_changes_the_one_vote(cast: Cast) -> None:
    work = cast.story()
    first = cast.ledger.vote(member_id=cast.ben, work_id=work, value=1)
    second = cast.ledger.vote(member_id=cast.ben, work_id=work, value=-1)
    assert first.id == second.id
    vote = cast.ledger.repository.get(first.id)
    assert isinstance(vote, Vote)
    assert vote.value == -1
    assert vote.version == 2
    # The same vote again records nothing.
    assert cast.ledger.vote(member_id=cast.ben, work_id=work, value=-1).position is None


def test_members_do_not_vote_on_their_own_work(cast: Cast) -> None:
    work = cast.story()
    refused(
        cast.ledger,
        OwnWorkVoteError,
        lambda: cast.ledger.vote(member_id=cast.ana, work_id=work, value=1),
    )


def test_a_vote_is_plus_or_minus_one(cast: Cast) -> None:
    work = cast.story()
    for value in (0, 2, True):
        refused(
            cast.ledger,
            InvalidValueError,
            lambda v=value: cast.ledger.vote(member_id=cast.ben, work_id=work, value=v),
        )


def test_withdrawing_a_vote_and_voting_again(cast: Cast) -> None:
    work = cast.story()
    vote_id = cast.ledger.vote(member_id=cast.ben, work_id=work, value=1).id
    cast.ledger.withdraw_vote(member_id=cast.ben, work_id=work)
    assert cast.ledger.withdraw_vote(member_id=cast.ben, work_id=work).position is None
    cast.ledger.vote(member_id=cast.ben, work_id=work, value=1)
    vote = cast.ledger.vote_of(cast.ben, work)
    assert vote is not None and vote.id == vote_id and vote.value == 1 and vote.version == 3


# -- handles and text bounds


def test_handles_are_unique_without_regard_to_case(ledger: Ledger) -> None:
    ledger.register_member(handle="Wirrow")
    refused(ledger, HandleTakenError, lambda: ledger.register_member(handle="wIRROW"))


@pytest.mark.parametrize("handle", ["a", "x" * 33, "has space", "émile", "dot.ted", ""])
def test_handles_are_2_to_32_plain_characters(ledger: Ledger, handle: str) -> None:
    refused(ledger, InvalidHandleError, lambda: ledger.register_member(handle=handle))


def test_external_ids_are_unique(ledger: Ledger) -> None:
    ledger.register_member(handle="one", external_id="legacy-1")
    refused(
        ledger,
        DuplicateExternalIdError,
        lambda: ledger.register_member(handle="two", external_id="legacy-1"),
    )


def test_titles_bodies_and_comments_are_bounded(cast: Cast) -> None:
    ledger = cast.ledger
    assert ledger.contribute(authors=[cast.ana], title="t" * MAX_TITLE).position
    refused(
        ledger,
        TextTooLongError,
        lambda: ledger.contribute(authors=[cast.ana], title="t" * (MAX_TITLE + 1)),
    )
    refused(ledger, TextTooLongError, lambda: ledger.contribute(authors=[cast.ana], title="   "))
    assert ledger.contribute(authors=[cast.ana], title="b", body="b" * MAX_BODY).position
    refused(
        ledger,
        TextTooLongError,
        lambda: ledger.contribute(authors=[cast.ana], title="b", body="b" * (MAX_BODY + 1)),
        "100000",
    )
    work = cast.story()
    assert ledger.comment(work_id=work, author_id=cast.ben, text="c" * MAX_COMMENT).position
    refused(
        ledger,
        TextTooLongError,
        lambda: ledger.comment(work_id=work, author_id=cast.ben, text="c" * (MAX_COMMENT + 1)),
    )


# -- retraction


def test_a_retracted_work_cannot_be_remixed_voted_included_or_commented(cast: Cast) -> None:
    ledger = cast.ledger
    work = cast.story()
    production = ledger.create_production(title="Book", curator_id=cast.curator).id
    ledger.retract_work(work, reason="withdrawn by author", actor_id=cast.ana)
    refused(ledger, RetractedError, lambda: cast.remix_of(work))
    refused(ledger, RetractedError, lambda: ledger.vote(member_id=cast.ben, work_id=work, value=1))
    refused(ledger, RetractedError, lambda: ledger.include_work(production, work))
    refused(
        ledger, RetractedError, lambda: ledger.comment(work_id=work, author_id=cast.ben, text="hi")
    )
    refused(ledger, RetractedError, lambda: ledger.retract_work(work, actor_id=cast.ana))
    # Never erased: the work is still there, marked retracted.
    assert ledger.work(work).retracted


def test_only_the_author_retracts_a_comment(cast: Cast) -> None:
    work = cast.story()
    comment = cast.ledger.comment(work_id=work, author_id=cast.ben, text="nice").id
    refused(
        cast.ledger, NotAuthorError, lambda: cast.ledger.retract_comment(comment, actor_id=cast.cat)
    )
    cast.ledger.retract_comment(comment, actor_id=cast.ben)
    assert cast.ledger.comment_record(comment).retracted


# -- productions and revenue


def test_only_curators_create_fill_publish_and_record_revenue(cast: Cast) -> None:
    ledger = cast.ledger
    work = cast.story()
    refused(
        ledger, NotCuratorError, lambda: ledger.create_production(title="Book", curator_id=cast.ana)
    )
    refused(
        ledger,
        NotCuratorError,
        lambda: ledger.create_production(title="Book", curator_id=cast.curator, actor_id=cast.ana),
    )
    production = ledger.create_production(
        title="Book", curator_id=cast.curator, actor_id=cast.curator
    ).id
    refused(
        ledger, NotCuratorError, lambda: ledger.include_work(production, work, actor_id=cast.ben)
    )
    ledger.include_work(production, work, actor_id=cast.curator)
    refused(ledger, NotCuratorError, lambda: ledger.publish(production, actor_id=cast.ben))
    ledger.publish(production, actor_id=cast.curator)
    refused(
        ledger,
        NotCuratorError,
        lambda: ledger.record_revenue(production, Money.parse("10.00", "USD"), actor_id=cast.ben),
    )
    assert ledger.record_revenue(
        production, Money.parse("10.00", "USD"), actor_id=cast.curator
    ).position


def test_curators_are_made_by_the_operator_or_another_curator(cast: Cast) -> None:
    refused(
        cast.ledger,
        NotCuratorError,
        lambda: cast.ledger.grant_role(cast.ben, "curator", actor_id=cast.ana),
    )
    assert cast.ledger.grant_role(cast.ben, "curator", actor_id=cast.curator).position
    assert cast.ledger.grant_role(cast.ben, "curator").position is None  # already held
    refused(cast.ledger, InvalidValueError, lambda: cast.ledger.grant_role(cast.ben, "emperor"))


def test_a_production_is_published_once_and_then_frozen(cast: Cast) -> None:
    ledger = cast.ledger
    first, second = cast.story("one"), cast.story("two")
    production = cast.published_production(first)
    refused(ledger, AlreadyPublishedError, lambda: ledger.publish(production))
    refused(ledger, AlreadyPublishedError, lambda: ledger.include_work(production, second))
    refused(ledger, AlreadyPublishedError, lambda: ledger.exclude_work(production, first))


def test_an_empty_production_is_not_published(cast: Cast) -> None:
    production = cast.ledger.create_production(title="Empty", curator_id=cast.curator).id
    refused(cast.ledger, InvalidValueError, lambda: cast.ledger.publish(production), "no works")


def test_revenue_comes_after_publication(cast: Cast) -> None:
    production = cast.ledger.create_production(title="Draft", curator_id=cast.curator).id
    refused(
        cast.ledger,
        NotPublishedError,
        lambda: cast.ledger.record_revenue(production, Money.parse("5", "USD")),
    )


@pytest.mark.parametrize(
    ("amount", "currency", "message"),
    [
        ("0", "USD", "positive"),
        ("-3.00", "USD", "positive"),
        ("1.234", "USD", "2 decimals"),
        ("1.5", "JPY", "0 decimals"),
        ("10", "XYZ", "ISO 4217"),
        ("ten", "USD", "not a number"),
    ],
)
def test_revenue_is_a_positive_amount_in_the_currency_minor_unit(
    amount: str, currency: str, message: str
) -> None:
    with pytest.raises(InvalidAmountError, match=message):
        Money.parse(amount, currency)


def test_money_is_kept_in_minor_units() -> None:
    assert Money.parse("1234.56", "usd") == Money(123456, "USD")
    assert Money.parse("500", "JPY") == Money(500, "JPY")
    assert str(Money(1234567, "KWD")) == "1234.567 KWD"


def test_revenue_with_an_external_id_is_recorded_once(cast: Cast) -> None:
    production = cast.published_production(cast.story())
    amount = Money.parse("99.00", "EUR")
    assert cast.ledger.record_revenue(production, amount, external_id="stripe-1").position
    assert cast.ledger.record_revenue(production, amount, external_id="stripe-1").position is None
    assert cast.ledger.production(production).revenue == (amount,)


# -- every event says who and when


def test_every_event_records_its_actor_and_when_it_happened(cast: Cast) -> None:
    when = datetime(2011, 5, 4, 3, 2, 1, tzinfo=UTC)
    work = cast.ledger.contribute(
        authors=[cast.ana], title="x", actor_id=cast.ana, occurred_at=when
    ).id
    cast.ledger.vote(member_id=cast.ben, work_id=work, value=1, occurred_at=when)
    notifications = cast.ledger.recorder.select_notifications(start=cast.ledger.head - 1, limit=2)
    events = [cast.ledger.mapper.to_domain_event(n) for n in notifications]
    assert [e.actor_id for e in events] == [cast.ana, cast.ben]
    assert [e.occurred_at for e in events] == [when, when]
    assert all(e.timestamp > when for e in events)  # the store's own recording time
