"""Impossible royalty splits, and acts out of time, are refused when recorded."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import Citation, Ledger, Relation, open_ledger
from ledger.archive import import_archive
from ledger.domain.errors import ArchiveError, InvalidTimeError, RoyaltyOverAllocationError
from lineage.errors import OverAllocationError
from lineage.graph import LineageGraph
from lineage.policies.absolute import Absolute


def _cite(work_id: UUID, percent: str | int | None = None) -> Citation:
    return Citation(work_id, Relation.REMIX, None if percent is None else Decimal(percent))


@pytest.fixture
def ledger() -> Ledger:
    return open_ledger("memory://")


def test_a_remix_owing_its_sources_more_than_everything_is_refused_and_names_them(
    ledger: Ledger,
) -> None:
    ana = ledger.register_member(handle="ana").id
    a = ledger.contribute(authors=[ana], title="A").id
    b = ledger.contribute(authors=[ana], title="B").id
    head = ledger.head
    with pytest.raises(RoyaltyOverAllocationError) as refused:
        ledger.remix(authors=[ana], title="C", sources=[_cite(a, 60), _cite(b, 60)])
    assert str(refused.value) == (
        '"C" would owe its sources 120% of what it receives (at most 100%): "A" 60%, "B" 60%'
    )
    assert ledger.head == head


def _curator(ledger: Ledger) -> UUID:
    """A new curator (each call another member)."""
    curie = ledger.register_member(handle=f"curie{ledger.head}").id
    ledger.grant_role(curie, "curator")
    return curie


def _production(ledger: Ledger, *works: UUID, policy: str | None = None) -> UUID:
    """A production of ``works`` (by a new curator), paying under ``policy`` if given."""
    production = ledger.create_production(title="P", curator_id=_curator(ledger)).id
    for work in works:
        ledger.include_work(production, work)
    if policy is not None:
        ledger.choose_policy(production, policy)
    return production


def test_a_remix_whose_ancestors_stack_over_100_percent_is_recorded_where_no_absolute_pays(
    ledger: Ledger,
) -> None:
    """Under relative (LRP) the stack is 60% of 50.5%: nothing binds it at 100% when recorded."""
    ana = ledger.register_member(handle="ana").id
    a = ledger.contribute(authors=[ana], title="A").id
    b = ledger.remix(authors=[ana], title="B", sources=[_cite(a, 60)]).id
    c = ledger.remix(authors=[ana], title="C", sources=[_cite(b, "50.5")]).id
    _production(ledger, c, policy="relative")


def test_choosing_absolute_for_a_work_whose_ancestors_stack_over_100_percent_names_the_stack(
    ledger: Ledger,
) -> None:
    ana = ledger.register_member(handle="ana").id
    a = ledger.contribute(authors=[ana], title="A").id
    b = ledger.remix(authors=[ana], title="B", sources=[_cite(a, 60)]).id
    c = ledger.remix(authors=[ana], title="C", sources=[_cite(b, "50.5")]).id
    production = _production(ledger, c)
    head = ledger.head
    with pytest.raises(RoyaltyOverAllocationError) as refused:
        ledger.choose_policy(production, "absolute")
    assert str(refused.value) == (
        'production "P" cannot pay under the absolute policy: the royalty percentages in the'
        ' lineage of "C" would entitle its ancestors to 110.5% of a payment under the absolute'
        ' policy (at most 100%): "A" 60%, "B" 50.5%'
    )
    assert ledger.head == head
    fits = ledger.remix(authors=[ana], title="D", sources=[_cite(b, 40)]).id  # exactly 100%
    ledger.exclude_work(production, c)
    ledger.include_work(production, fits)
    ledger.choose_policy(production, "absolute")


def test_including_a_work_in_a_production_paying_under_absolute_checks_its_stack(
    ledger: Ledger,
) -> None:
    ana = ledger.register_member(handle="ana").id
    a = ledger.contribute(authors=[ana], title="A").id
    b = ledger.remix(authors=[ana], title="B", sources=[_cite(a, 70)]).id
    c = ledger.remix(authors=[ana], title="C", sources=[_cite(b, 40)]).id
    production = _production(ledger, b, policy="absolute")
    with pytest.raises(RoyaltyOverAllocationError) as refused:
        ledger.include_work(production, c)
    assert str(refused.value).startswith(
        'production "P" pays its works under the absolute policy: the royalty percentages in'
        ' the lineage of "C" would entitle its ancestors to 110%'
    )
    other = _production(ledger, b, policy="relative")
    ledger.include_work(other, c)  # relative pays it: 40% of what C receives, 70% of that


def test_a_later_citation_that_stacks_a_work_paid_under_absolute_over_100_percent_is_refused(
    ledger: Ledger,
) -> None:
    ana = ledger.register_member(handle="ana").id
    a = ledger.contribute(authors=[ana], title="A").id
    b = ledger.remix(authors=[ana], title="B", sources=[_cite(a, 30)]).id
    c = ledger.remix(authors=[ana], title="C", sources=[_cite(b, 30)]).id  # claims 60%
    _production(ledger, c, policy="absolute")
    d = ledger.contribute(authors=[ana], title="D").id
    ledger.cite_source(c, _cite(d, 40))  # 100%: allowed
    e = ledger.contribute(authors=[ana], title="E").id
    with pytest.raises(
        RoyaltyOverAllocationError,
        match=r'^production "P" pays "C" under the absolute policy: .* "C" would entitle its'
        r" ancestors to 101%",
    ):
        ledger.cite_source(c, _cite(e, 1))
    ledger.remix(authors=[ana], title="F", sources=[_cite(c, 1)])  # no production pays F


def test_a_production_another_process_chose_absolute_for_binds_a_citation(
    tmp_path: object,
) -> None:
    url = f"sqlite:///{tmp_path}/two.db"
    first, second = open_ledger(url), open_ledger(url)
    ana = first.register_member(handle="ana").id
    a = first.contribute(authors=[ana], title="A").id
    b = first.remix(authors=[ana], title="B", sources=[_cite(a, 50)]).id
    c = first.remix(authors=[ana], title="C", sources=[_cite(b, 40)]).id
    x = second.contribute(authors=[ana], title="X").id
    second.cite_source(c, _cite(x, 5))  # C stacks 95%: no production pays it yet
    _production(first, c, policy="absolute")
    y = second.contribute(authors=[ana], title="Y").id
    with pytest.raises(RoyaltyOverAllocationError, match=r'pays "C" .* to 105%'):
        second.cite_source(c, _cite(y, 10))


def test_a_production_that_left_absolute_no_longer_binds_citations(ledger: Ledger) -> None:
    ana = ledger.register_member(handle="ana").id
    a = ledger.contribute(authors=[ana], title="A").id
    b = ledger.remix(authors=[ana], title="B", sources=[_cite(a, 90)]).id
    production = _production(ledger, b, policy="absolute")
    ledger.choose_policy(production, "relative")
    x = ledger.contribute(authors=[ana], title="X").id
    ledger.cite_source(b, _cite(x, 10))  # B owes its sources 100%, stacked 100%
    y = ledger.contribute(authors=[ana], title="Y").id
    with pytest.raises(RoyaltyOverAllocationError, match=r'^"B" would owe its sources 101%'):
        ledger.cite_source(b, _cite(y, 1))  # what no policy pays is refused anyway


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(
            st.tuples(st.integers(0, 30), st.sampled_from([None, 0, 5, 12.5, 30, 60])),
            min_size=1,
            max_size=3,
        ),
        min_size=1,
        max_size=8,
    )
)
def test_an_absolute_production_takes_exactly_the_works_the_absolute_policy_can_pay(
    plan: list[list[tuple[int, float | int | None]]],
) -> None:
    """Each remix is recorded when its own citations claim at most 100%; it is included
    in a production paying under absolute when, and only when, LAP can pay it in full."""
    ledger = open_ledger("memory://")
    ana = ledger.register_member(handle="ana").id
    works = [ledger.contribute(authors=[ana], title="w0").id]
    production = _production(ledger, works[0], policy="absolute")
    for number, wanted in enumerate(plan, start=1):
        picks = {works[pick % len(works)]: percent for pick, percent in wanted}
        sources = [_cite(work, None if p is None else str(p)) for work, p in picks.items()]
        own = sum(Decimal(str(p)) for p in picks.values() if p is not None)
        try:
            work = ledger.remix(authors=[ana], title=f"w{number}", sources=sources).id
        except RoyaltyOverAllocationError:
            assert own > 100
            continue
        assert own <= 100
        works.append(work)
        try:
            Absolute().work_shares(LineageGraph.from_ledger(ledger), work)
        except OverAllocationError:
            payable = False
        else:
            payable = True
        try:
            ledger.include_work(production, work)
        except RoyaltyOverAllocationError:
            assert not payable
        else:
            assert payable


def _archive(*lines: dict[str, object]) -> list[str]:
    header = {"type": "archive", "format": "remix-ledger-archive", "version": 1}
    return [json.dumps(line) for line in (header, *lines)]


_MEMBER = {"type": "member", "id": "m1", "handle": "ana", "joined_at": "2024-01-01T00:00:00Z"}


def _work(work_id: str, at: str, *sources: dict[str, object]) -> dict[str, object]:
    return {
        "type": "work",
        "id": work_id,
        "authors": ["m1"],
        "title": work_id.upper(),
        "kind": "text",
        "created_at": at,
        "sources": list(sources) or None,
    }


_CURATOR = {"type": "member", "id": "m2", "handle": "curie", "joined_at": "2024-01-01T00:00:00Z"}


@pytest.mark.parametrize("fast", [True, False], ids=["fast path", "commands"])
def test_the_import_refuses_what_no_policy_can_pay_with_its_line_either_way(fast: bool) -> None:
    lines = _archive(
        _MEMBER,
        _work("a", "2024-01-02T00:00:00Z"),
        _work("b", "2024-01-02T00:00:00Z"),
        _work(
            "c",
            "2024-01-04T00:00:00Z",
            {"id": "a", "relation": "remix", "royalty_percent": "70"},
            {"id": "b", "relation": "remix", "royalty_percent": "40"},
        ),
    )
    ledger = open_ledger("memory://")
    with pytest.raises(ArchiveError) as refused:
        import_archive(ledger, lines, source="x.jsonl", fast_path=fast)
    assert str(refused.value) == (
        'x.jsonl:5: "C" would owe its sources 110% of what it receives (at most 100%):'
        ' "A" 70%, "B" 40%'
    )
    assert ledger.head == 0  # the whole batch, nothing of it half-saved


@pytest.mark.parametrize("fast", [True, False], ids=["fast path", "commands"])
def test_the_import_records_a_deep_stack_and_refuses_it_where_absolute_pays_it(
    fast: bool,
) -> None:
    works = (
        _MEMBER,
        _CURATOR,
        _work("a", "2024-01-02T00:00:00Z"),
        _work(
            "b", "2024-01-03T00:00:00Z", {"id": "a", "relation": "remix", "royalty_percent": "70"}
        ),
        _work(
            "c", "2024-01-04T00:00:00Z", {"id": "b", "relation": "remix", "royalty_percent": "40"}
        ),
    )
    production = {
        "type": "production",
        "id": "p",
        "title": "P",
        "curator": "m2",
        "works": ["c"],
        "created_at": "2024-01-05T00:00:00Z",
    }
    relative = {"type": "policy", "production": "p", "policy": "relative"}
    absolute = {"type": "policy", "production": "p", "policy": "absolute"}
    ledger = open_ledger("memory://")
    import_archive(
        ledger,
        _archive(*works, production, {**relative, "chosen_at": "2024-01-06T00:00:00Z"}),
        fast_path=fast,
    )
    head = ledger.head
    with pytest.raises(ArchiveError) as refused:
        import_archive(
            ledger,
            _archive(*works, production, {**absolute, "chosen_at": "2024-01-07T00:00:00Z"}),
            source="x.jsonl",
            fast_path=fast,
        )
    assert str(refused.value) == (
        'x.jsonl:8: production "P" cannot pay under the absolute policy: the royalty'
        ' percentages in the lineage of "C" would entitle its ancestors to 110% of a payment'
        ' under the absolute policy (at most 100%): "A" 70%, "B" 40%'
    )
    assert ledger.head == head


@pytest.mark.parametrize("fast", [True, False], ids=["fast path", "commands"])
def test_the_strict_import_refuses_a_remix_dated_before_its_source_either_way(fast: bool) -> None:
    lines = _archive(
        _MEMBER,
        _work("a", "2024-01-05T00:00:00Z"),
        _work("b", "2024-01-04T00:00:00Z", {"id": "a", "relation": "remix"}),
    )
    with pytest.raises(ArchiveError) as refused:
        import_archive(
            open_ledger("memory://"), lines, source="x.jsonl", fast_path=fast, strict=True
        )
    assert str(refused.value) == (
        "x.jsonl:4: the act is dated 2024-01-04T00:00:00Z, before its source 'A'"
        " was contributed (2024-01-05T00:00:00Z)"
    )


@pytest.mark.parametrize("fast", [True, False], ids=["fast path", "commands"])
def test_the_import_refuses_an_act_dated_in_the_future_either_way(fast: bool) -> None:
    later = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    lines = _archive(_MEMBER, _work("a", later))
    with pytest.raises(ArchiveError, match=r"^x\.jsonl:3: the act is dated .*, in the future"):
        import_archive(open_ledger("memory://"), lines, source="x.jsonl", fast_path=fast)


def test_commands_refuse_acts_dated_in_the_future_but_allow_a_little_clock_skew(
    ledger: Ledger,
) -> None:
    now = datetime.now(UTC)
    with pytest.raises(InvalidTimeError, match="in the future"):
        ledger.register_member(handle="ana", occurred_at=now + timedelta(minutes=6))
    ana = ledger.register_member(handle="ana", occurred_at=now + timedelta(minutes=4)).id
    with pytest.raises(InvalidTimeError, match="in the future"):
        ledger.contribute(authors=[ana], title="A", occurred_at=now + timedelta(hours=1))


def test_a_remix_dated_before_its_source_is_refused(ledger: Ledger) -> None:
    ana = ledger.register_member(handle="ana").id
    a = ledger.contribute(authors=[ana], title="A", occurred_at=datetime(2024, 5, 1, tzinfo=UTC))
    with pytest.raises(InvalidTimeError, match=r"before its source 'A' was contributed"):
        ledger.remix(
            authors=[ana],
            title="B",
            sources=[_cite(a.id)],
            occurred_at=datetime(2024, 4, 30, tzinfo=UTC),
        )


def test_a_citation_that_stacks_a_work_built_on_it_over_100_percent_is_refused(
    any_ledger: Ledger,
) -> None:
    """Citing a source in W raises the stacked claim of every work built on W too."""
    ledger = any_ledger
    ana = ledger.register_member(handle="ana").id
    a = ledger.contribute(authors=[ana], title="A").id
    b = ledger.remix(authors=[ana], title="B", sources=[_cite(a, 30)]).id  # claims 30%
    c = ledger.remix(authors=[ana], title="C", sources=[_cite(b, 20)]).id  # claims 50%
    d = ledger.remix(authors=[ana], title="D", sources=[_cite(c, 10), _cite(b, 5)]).id
    _production(ledger, d, policy="absolute")  # D claims 10+50+5+30 = 95%
    x = ledger.contribute(authors=[ana], title="X").id
    head = ledger.head
    # B would claim 40%: fine for B and C (60%), but D would claim 10+60+5+40 = 115%.
    with pytest.raises(RoyaltyOverAllocationError) as refused:
        ledger.cite_source(b, _cite(x, 10))
    assert str(refused.value) == (
        '"D" is built on "B"; production "P" pays "D" under the absolute policy: the royalty'
        ' percentages in the lineage of "D" would entitle its ancestors to 115% of a payment'
        ' under the absolute policy (at most 100%): "A" 60%, "B" 25%, "X" 20%, "C" 10%'
    )
    assert ledger.head == head
    ledger.cite_source(b, _cite(x, 0))  # claims nothing more: allowed
    assert ledger.head == head + 1


def test_a_citation_staged_in_a_batch_counts_the_works_built_in_that_batch(ledger: Ledger) -> None:
    ana = ledger.register_member(handle="ana").id
    a = ledger.contribute(authors=[ana], title="A").id
    x = ledger.contribute(authors=[ana], title="X").id
    curie = _curator(ledger)
    head = ledger.head
    refused = pytest.raises(RoyaltyOverAllocationError, match=r'^"B" is built on "A"; .* to 110%')
    with refused, ledger.batch():
        b = ledger.remix(authors=[ana], title="B", sources=[_cite(a, 60)]).id
        production = ledger.create_production(title="P", curator_id=curie).id
        ledger.include_work(production, b)
        ledger.choose_policy(production, "absolute")
        ledger.cite_source(a, _cite(x, 50))
    assert ledger.head == head
