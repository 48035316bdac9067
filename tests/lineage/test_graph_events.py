"""The graph decodes only the events it takes, and is the same as one that decodes all."""

from __future__ import annotations

from ledger import open_ledger
from ledger.application.log import iter_events
from ledger.domain.values import Money
from lineage.graph import LineageGraph
from lineage.graph_state import LINEAGE_EVENTS
from lineage.royalties import statement_for_revenue
from tests.conftest import Databases
from tests.lineage.test_snapshot import described, drawn


def test_a_graph_that_skips_other_events_equals_one_that_decodes_every_event(
    databases: Databases,
) -> None:
    ledger = open_ledger(databases.url("sqlite"))
    sketch = drawn(ledger)  # members, works, a remix, a production and its revenue
    ana, ben = sketch.members["ana"], sketch.members["ben"]
    film = sketch.works["Film"]
    ledger.rename_member(ana, name="Ana Renamed")
    ledger.set_credit_preference(ben, "pseudonym", pseudonym="B.")
    sketch.work("Draft", "dee")
    sketch.cite("Film", "Draft")
    ledger.retract_work(sketch.works["Draft"])
    ledger.vote(member_id=sketch.members["dee"], work_id=film, value=1)
    ledger.comment(work_id=film, author_id=sketch.members["dee"], text="lovely")
    ledger.record_revenue(sketch.production_id, Money(50_00, "USD"))
    statement = statement_for_revenue(LineageGraph.from_ledger(ledger), sketch.production_id, 1)
    ledger.issue_statement(sketch.production_id, 1, statement.as_dict())

    every = LineageGraph()
    every.apply_all(iter_events(ledger))
    filtered = LineageGraph.from_ledger(ledger)
    assert filtered.position == every.position == ledger.head
    assert described(filtered, sketch) == described(every, sketch)
    assert filtered.production(sketch.production_id) == every.production(sketch.production_id)


def test_iter_events_yields_every_position_and_decodes_only_the_classes_asked_for(
    databases: Databases,
) -> None:
    ledger = open_ledger(databases.url("sqlite"))
    sketch = drawn(ledger)
    ledger.vote(member_id=sketch.members["ben"], work_id=sketch.works["Song"], value=1)
    ledger.comment(work_id=sketch.works["Song"], author_id=sketch.members["ben"], text="hi")
    all_events = list(iter_events(ledger))
    some = list(iter_events(ledger, only=LINEAGE_EVENTS))
    assert [position for position, _ in some] == [position for position, _ in all_events]
    for (_, event), (_, decoded) in zip(some, all_events, strict=True):
        if isinstance(decoded, LINEAGE_EVENTS):
            assert event == decoded
        else:
            assert event is None
    assert sum(event is None for _, event in some) >= 3  # handle claims, the vote, the comment
