"""Selecting a family tree: generations up and down, the node cap, display attributes."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from uuid import UUID

import pytest

from ledger import Citation, Ledger, Relation, open_ledger
from ledger.archive import import_archive
from ledger.domain.errors import InvalidValueError, UnknownWorkError
from lineage.family_tree import (
    ANONYMOUS,
    MORE_ANCESTORS,
    MORE_DESCENDANTS,
    FamilyTree,
    family_tree,
)
from lineage.graph import LineageGraph
from tests.conftest import SAMPLE


@pytest.fixture(scope="module")
def sample() -> Iterator[tuple[Ledger, LineageGraph]]:
    ledger = open_ledger("memory://")
    with SAMPLE.open(encoding="utf-8") as lines:
        import_archive(ledger, lines)
    yield ledger, LineageGraph.from_ledger(ledger)
    ledger.close()


def titles_by_distance(tree: FamilyTree) -> list[tuple[int, str]]:
    return sorted((data["distance"], data["title"]) for _, data in tree.graph.nodes(data=True))


def remix(ledger: Ledger, author: UUID, title: str, *sources: UUID, kind: str = "text") -> UUID:
    citations = [Citation(source, Relation.REMIX) for source in sources]
    return ledger.remix(authors=[author], title=title, kind=kind, sources=citations).id


class Family:
    """Grandparent G -> parents P1, P2, P3 -> focus F -> children C1, C2 -> grandchild K."""

    def __init__(self) -> None:
        self.ledger = open_ledger("memory://")
        ana = self.ledger.register_member(handle="ana", name="Ana").id
        self.g = self.ledger.contribute(authors=[ana], title="G").id
        self.p1 = remix(self.ledger, ana, "P1", self.g)
        self.p2 = remix(self.ledger, ana, "P2", self.g)
        self.p3 = remix(self.ledger, ana, "P3")
        self.f = remix(self.ledger, ana, "F", self.p1, self.p2, self.p3)
        self.c1 = remix(self.ledger, ana, "C1", self.f)
        self.c2 = remix(self.ledger, ana, "C2", self.f)
        self.k = remix(self.ledger, ana, "K", self.c1)

    def tree(self, **limits: int | None) -> FamilyTree:
        return family_tree(LineageGraph.from_ledger(self.ledger), self.f, **limits)  # type: ignore[arg-type]


@pytest.fixture
def family() -> Iterator[Family]:
    made = Family()
    yield made
    made.ledger.close()


def test_without_limits_the_tree_holds_the_whole_eight_generation_chain(
    sample: tuple[Ledger, LineageGraph],
) -> None:
    ledger, lineage = sample
    focus = ledger.find_work("rec-0109")

    tree = family_tree(lineage, focus)

    assert tree.focus == str(focus)
    assert [distance for distance, _ in titles_by_distance(tree)] == list(range(-7, 1))
    assert tree.graph.number_of_edges() == 7
    assert (tree.hidden_ancestors, tree.hidden_descendants) == (0, 0)
    assert MORE_ANCESTORS not in tree.graph and MORE_DESCENDANTS not in tree.graph
    focus_node = tree.graph.nodes[str(focus)]
    assert focus_node["focus"] is True
    assert focus_node["external_id"] == "rec-0109"
    assert focus_node["kind"] == "image"
    assert sum(1 for _, is_focus in tree.graph.nodes(data="focus") if is_focus) == 1


def test_edges_carry_the_relation_and_the_royalty_percent(
    sample: tuple[Ledger, LineageGraph],
) -> None:
    ledger, lineage = sample
    focus = ledger.find_work("rec-0109")
    source = ledger.find_work("rec-0107")

    tree = family_tree(lineage, focus)

    edge = tree.graph.edges[str(source), str(focus)]
    assert edge == {"type": "citation", "relation": "illustration", "royalty_percent": Decimal(15)}


def test_up_limits_ancestor_generations_and_a_marker_counts_the_rest(
    sample: tuple[Ledger, LineageGraph],
) -> None:
    ledger, lineage = sample
    focus = ledger.find_work("rec-0109")

    tree = family_tree(lineage, focus, up=2)

    assert tree.work_ids == [
        str(focus),
        str(ledger.find_work("rec-0107")),
        str(ledger.find_work("rec-0105")),
    ]
    assert tree.hidden_ancestors == 5
    marker = tree.graph.nodes[MORE_ANCESTORS]
    assert marker["title"] == "+5 more ancestors"
    assert (marker["type"], marker["side"], marker["hidden"]) == ("more", "ancestors", 5)
    # The marker hangs above the farthest shown ancestor, where the chain goes on.
    assert list(tree.graph.out_edges(MORE_ANCESTORS)) == [
        (MORE_ANCESTORS, str(ledger.find_work("rec-0105")))
    ]


def test_down_limits_descendant_generations(family: Family) -> None:
    tree = family.tree(down=1, up=0)

    assert titles_by_distance(tree) == [
        (-1, "+4 more ancestors"),
        (0, "F"),
        (1, "C1"),
        (1, "C2"),
        (2, "+1 more descendant"),
    ]
    assert list(tree.graph.in_edges(MORE_DESCENDANTS)) == [(str(family.c1), MORE_DESCENDANTS)]


def test_zero_generations_show_the_focus_with_a_marker_on_each_side(family: Family) -> None:
    tree = family.tree(up=0, down=0)

    assert tree.work_ids == [str(family.f)]
    assert (tree.hidden_ancestors, tree.hidden_descendants) == (4, 3)
    assert set(tree.graph.edges) == {
        (MORE_ANCESTORS, str(family.f)),
        (str(family.f), MORE_DESCENDANTS),
    }


def test_the_cap_keeps_the_nearest_generation_first_in_recording_order(family: Family) -> None:
    """Parents (recorded before F) and children (after) are both one generation away."""
    tree = family.tree(max_nodes=5)

    assert tree.work_ids == [str(w) for w in (family.f, family.p1, family.p2, family.p3, family.c1)]
    assert tree.hidden_ancestors == 1  # G
    assert tree.hidden_descendants == 2  # C2 and K
    assert tree.graph.nodes[MORE_DESCENDANTS]["title"] == "+2 more descendants"
    assert set(tree.graph.in_edges(MORE_DESCENDANTS)) == {
        (str(family.f), MORE_DESCENDANTS),  # C2 was cut
        (str(family.c1), MORE_DESCENDANTS),  # K was cut
    }
    assert set(tree.graph.out_edges(MORE_ANCESTORS)) == {
        (MORE_ANCESTORS, str(family.p1)),
        (MORE_ANCESTORS, str(family.p2)),
    }


def test_the_cap_counts_works_only_and_a_cap_of_one_keeps_the_focus(family: Family) -> None:
    tree = family.tree(max_nodes=1)

    assert tree.work_ids == [str(family.f)]
    assert len(tree.graph) == 3  # the focus and the two markers


def test_the_same_question_gives_the_same_tree_in_the_same_order(family: Family) -> None:
    first, second = family.tree(max_nodes=6), family.tree(max_nodes=6)

    assert list(first.graph.nodes(data=True)) == list(second.graph.nodes(data=True))
    assert list(first.graph.edges(data=True)) == list(second.graph.edges(data=True))


def test_authors_are_shown_as_credited_and_no_credit_reads_anonymous() -> None:
    ledger = open_ledger("memory://")
    named = ledger.register_member(handle="ana", name="Ana Lima").id
    masked = ledger.register_member(handle="owl", name="Owen").id
    hidden = ledger.register_member(handle="ghost", name="Gwen").id
    ledger.set_credit_preference(masked, "pseudonym", pseudonym="The Night Owl")
    ledger.set_credit_preference(hidden, "none")
    work = ledger.contribute(authors=[named, masked, hidden], title="Together").id

    tree = family_tree(LineageGraph.from_ledger(ledger), work)

    assert tree.graph.nodes[str(work)]["authors"] == ("Ana Lima", "The Night Owl", ANONYMOUS)


def test_a_retracted_work_is_flagged_but_kept_in_the_tree(family: Family) -> None:
    family.ledger.retract_work(family.k, reason="duplicate")

    tree = family.tree()

    assert tree.graph.nodes[str(family.k)]["retracted"] is True
    assert tree.graph.nodes[str(family.c1)]["retracted"] is False


def test_as_of_shows_the_tree_and_the_names_as_they_were() -> None:
    ledger = open_ledger("memory://")
    ana = ledger.register_member(handle="ana", name="Ana").id
    story = ledger.contribute(authors=[ana], title="Story").id
    before = ledger.head
    remix(ledger, ana, "Later remix", story)
    ledger.set_credit_preference(ana, "none")
    lineage = LineageGraph.from_ledger(ledger)

    then = family_tree(lineage, story, as_of=before)
    now = family_tree(lineage, story)

    assert then.work_ids == [str(story)]
    assert then.graph.nodes[str(story)]["authors"] == ("Ana",)
    assert len(now.work_ids) == 2
    assert now.graph.nodes[str(story)]["authors"] == (ANONYMOUS,)


def test_an_unknown_work_or_a_negative_limit_is_refused(family: Family) -> None:
    lineage = LineageGraph.from_ledger(family.ledger)

    with pytest.raises(UnknownWorkError):
        family_tree(lineage, UUID(int=7))
    with pytest.raises(InvalidValueError, match="up must be 0 or more"):
        family_tree(lineage, family.f, up=-1)
    with pytest.raises(InvalidValueError, match="max_nodes must be at least 1"):
        family_tree(lineage, family.f, max_nodes=0)
