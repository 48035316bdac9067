"""Every event type has a readable one-line summary in a history (never a class path)."""

from __future__ import annotations

from decimal import Decimal

from ledger import Citation, Money, Relation, open_ledger
from ledger.application.history import Namebook
from ledger.application.log import iter_events
from ledger.domain.member import HandleClaim


def test_every_event_type_recorded_has_a_readable_summary() -> None:
    ledger = open_ledger("memory://")
    ana = ledger.register_member(handle="ana").id
    bo = ledger.register_member(handle="bo").id
    ledger.grant_role(ana, "curator")
    ledger.rename_member(bo, name="Bo B.")
    ledger.set_credit_preference(bo, "pseudonym", pseudonym="B")
    a = ledger.contribute(authors=[ana], title="A").id
    b = ledger.remix(authors=[bo], title="B", sources=[Citation(a, Relation.EDIT)]).id
    c = ledger.contribute(authors=[ana], title="C").id
    ledger.cite_source(b, Citation(c, Relation.REMIX, Decimal(5)))
    comment = ledger.comment(work_id=a, author_id=bo, text="nice").id
    ledger.retract_comment(comment)
    ledger.vote(member_id=bo, work_id=a, value=1)
    ledger.vote(member_id=bo, work_id=a, value=-1)
    ledger.withdraw_vote(member_id=bo, work_id=a)
    production = ledger.create_production(title="P", curator_id=ana).id
    ledger.include_work(production, a)
    ledger.include_work(production, b)
    ledger.exclude_work(production, a)
    ledger.publish(production)
    ledger.choose_policy(production, "decay", params={"r": "1/3"})
    ledger.waive_share(production, ana)
    ledger.record_revenue(production, Money(10_000, "USD"))
    ledger.issue_statement(production, 1, {"lines": []})
    ledger.retract_work(c)
    book = Namebook()
    summaries: dict[str, str] = {}
    for _, event in iter_events(ledger):
        book.learn(event)
        if not isinstance(event, HandleClaim.Claimed):
            summaries[type(event).__qualname__] = book.summary(event)
    assert len(summaries) == 21  # every event type but the handle claim
    for name, summary in summaries.items():
        assert summary and name not in summary and "." not in name.split(".")[-1], name
        assert summary.split(":")[-1].strip() != name.split(".")[-1].lower(), (name, summary)
    assert (
        summaries["Production.PolicyChosen"]
        == "'P' shares revenue by decay(r=1/3), contributor pool 50%"
    )
    assert (
        summaries["Production.ShareWaived"]
        == "@ana waived their share of 'P' (revenue recorded from now on)"
    )
    assert (
        summaries["Production.RoyaltyStatementIssued"]
        == "royalty statement for revenue #1 of 'P' issued"
    )
