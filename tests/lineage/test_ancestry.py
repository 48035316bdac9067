"""The ancestry's order: each work after every work built on it, whichever way it is found.

Usually every citation points to an earlier work and the order is simply from
the latest recorded to the earliest; a citation added later (``cite_source``)
may point to a work recorded after the citing one, and then the order comes
from a topological sort. Both must give a valid order and the same credits.
"""

from __future__ import annotations

import gc

import pytest

from ledger import Ledger
from lineage.ancestry import Ancestry
from lineage.credits import credits_for
from lineage.policies import Decay
from tests.lineage.dags import Sketch


@pytest.fixture
def sketch(ledger: Ledger) -> Sketch:
    return Sketch(ledger)


def assert_topological(ancestry: Ancestry) -> None:
    place = {work: at for at, work in enumerate(ancestry.order)}
    for work, sources in ancestry.sources.items():
        for source in sources:
            assert place[source] > place[work], "a source came before a work built on it"


def test_when_every_source_is_older_the_order_is_latest_recorded_first(sketch: Sketch) -> None:
    sketch.work("A", "ana")
    sketch.work("B", "ben", cites=["A"])
    sketch.work("C", "cy", cites=["A"])
    sketch.work("D", "dee", cites=["B", "C"])
    ancestry = Ancestry(sketch.lineage(), sketch.works["D"])
    assert ancestry.latest_first
    assert ancestry.order == tuple(sketch.works[title] for title in "DCBA")
    assert_topological(ancestry)


def test_a_later_citation_of_a_newer_work_still_gives_a_topological_order(
    sketch: Sketch,
) -> None:
    sketch.work("Old", "ana")
    sketch.work("Top", "ben", cites=["Old"])
    sketch.work("New", "ana")  # recorded after "Old", then cited by it
    sketch.cite("Old", "New")
    ancestry = Ancestry(sketch.lineage(), sketch.works["Top"])
    assert not ancestry.latest_first
    assert ancestry.order == tuple(sketch.works[title] for title in ("Top", "Old", "New"))
    assert_topological(ancestry)
    credits = credits_for(sketch.lineage(), sketch.works["Top"], Decay())
    ana = next(credit for credit in credits if credit.handle == "ana")
    # Her works nearest first: "Old" (1 generation), then "New" (2).
    assert [work.title for work in ana.works] == ["Old", "New"]
    assert [work.distance for work in ana.works] == [1, 2]
    # Top keeps 1/2, Old keeps 1/4, New (an original) keeps the last 1/4.
    assert ana.share == 1 / 2
    assert {credit.handle: str(credit.share) for credit in credits} == {"ben": "1/2", "ana": "1/2"}


def test_a_members_works_are_listed_nearest_first_then_earliest_recorded(
    sketch: Sketch,
) -> None:
    sketch.work("First", "ana")
    sketch.work("Second", "ana")
    sketch.work("Third", "ana", cites=["First"])
    sketch.work("Top", "ben", cites=["Third", "Second"])
    credits = credits_for(sketch.lineage(), sketch.works["Top"], Decay())
    ana = next(credit for credit in credits if credit.handle == "ana")
    # Second and Third are both one generation away: the earlier recorded first.
    assert [work.title for work in ana.works] == ["Second", "Third", "First"]
    assert ana.distance == 1
    assert ana.relations == ("remix",)


def test_credits_leave_the_garbage_collector_as_they_found_it(sketch: Sketch) -> None:
    sketch.work("A", "ana")
    sketch.work("B", "ben", cites=["A"])
    assert gc.isenabled()
    credits_for(sketch.lineage(), sketch.works["B"], Decay())
    assert gc.isenabled()
