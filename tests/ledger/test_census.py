"""The census counts chains and diamonds."""

from __future__ import annotations

from ledger import Citation, Ledger, Relation
from ledger.application.census import take_census
from tests.builders import cast_of


def test_a_five_thousand_work_chain_is_measured(ledger: Ledger) -> None:
    cast = cast_of(ledger)
    work = cast.story("root")
    with ledger.batch():
        for n in range(5_000):
            work = ledger.remix(
                authors=[cast.ben], title=f"link {n}", sources=[Citation(work, Relation.EDIT)]
            ).id
    census = take_census(ledger)
    assert census.deepest_chain == 5_001
    assert census.diamonds == 0


def test_a_diamond_is_two_sources_sharing_an_ancestor(ledger: Ledger) -> None:
    cast = cast_of(ledger)
    root = cast.story("root")
    left, right = cast.remix_of(root, title="left"), cast.remix_of(root, title="right")
    other = cast.story("unrelated")
    cast.remix_of(left, right, title="diamond")
    cast.remix_of(left, other, title="not a diamond")
    cast.remix_of(root, left, title="source and its ancestor")
    census = take_census(ledger)
    assert census.diamonds == 2
    assert census.deepest_chain == 3
