"""The PROV-JSON export, read back by the `prov` library without a single warning."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from prov.model import (
    ProvAgent,
    ProvAttribution,
    ProvDerivation,
    ProvDocument,
    ProvEntity,
    ProvRecord,
)

from ledger import Citation, Ledger, Relation, open_ledger
from ledger.archive import import_archive
from ledger.domain.errors import UnknownWorkError
from lineage.graph import LineageGraph
from lineage.provenance import (
    NAMESPACE,
    member_qname,
    provenance_document,
    work_qname,
    write_provenance,
)
from tests.conftest import SAMPLE


@pytest.fixture(scope="module")
def sample() -> Iterator[tuple[Ledger, LineageGraph]]:
    ledger = open_ledger("memory://")
    with SAMPLE.open(encoding="utf-8") as lines:
        import_archive(ledger, lines)
    yield ledger, LineageGraph.from_ledger(ledger)
    ledger.close()


def read_back(content: str) -> ProvDocument:
    """Deserialize with `prov`, failing on any warning (a future rejection included)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return ProvDocument.deserialize(content=content, format="json")


def records(document: ProvDocument, kind: type[ProvRecord]) -> list[Any]:
    return [record for record in document.get_records() if isinstance(record, kind)]


def ids(found: list[Any]) -> set[str]:
    return {str(record.identifier) for record in found}


def attribute(record: ProvRecord, name: str) -> Any:
    (value,) = [v for k, v in record.attributes if str(k) == name]
    return value


def pairs(found: list[Any], first: str, second: str) -> set[tuple[str, str]]:
    return {(str(attribute(r, first)), str(attribute(r, second))) for r in found}


class Diamond:
    """A story, drawn and translated, both merged into a comic; an unrelated later remix."""

    def __init__(self) -> None:
        self.ledger = ledger = open_ledger("memory://")
        self.ana = ledger.register_member(handle="ana", name="Ana").id
        self.owl = ledger.register_member(handle="owl", name="Owen").id
        self.ghost = ledger.register_member(handle="ghost", name="Gwen Harper").id
        ledger.set_credit_preference(self.owl, "pseudonym", pseudonym="The Night Owl")
        ledger.set_credit_preference(self.ghost, "none")
        self.story = ledger.contribute(
            authors=[self.ana], title="Story", license="CC-BY-4.0", external_id="rec-1"
        ).id
        self.drawing = ledger.remix(
            authors=[self.owl],
            title="Drawing",
            kind="image",
            sources=[Citation(self.story, Relation.ILLUSTRATION, Decimal("12.5"))],
        ).id
        self.translation = ledger.remix(
            authors=[self.ghost],
            title="Histoire",
            sources=[Citation(self.story, Relation.TRANSLATION)],
        ).id
        self.comic = ledger.remix(
            authors=[self.ana, self.ghost],
            title="Comic",
            kind="image",
            sources=[
                Citation(self.drawing, Relation.ADAPTATION),
                Citation(self.translation, Relation.REMIX),
            ],
        ).id
        self.sequel = ledger.remix(
            authors=[self.ana], title="Sequel", sources=[Citation(self.comic, Relation.REMIX)]
        ).id
        self.lineage = LineageGraph.from_ledger(ledger)

    def read(self, work: UUID, as_of: int | None = None) -> ProvDocument:
        return read_back(json.dumps(provenance_document(self.lineage, work, as_of)))


@pytest.fixture
def diamond() -> Iterator[Diamond]:
    made = Diamond()
    yield made
    made.ledger.close()


def test_the_sample_chain_reads_back_with_every_record(sample: tuple[Ledger, LineageGraph]) -> None:
    ledger, lineage = sample
    focus = ledger.find_work("rec-0109")
    works = [focus, *lineage.ancestors(focus)]
    authors = [a for work in works for a in lineage.work(work)["authors"]]

    document = read_back(json.dumps(provenance_document(lineage, focus)))

    assert ids(records(document, ProvEntity)) == {work_qname(w) for w in works}
    assert ids(records(document, ProvAgent)) == {member_qname(a) for a in authors}
    assert len(records(document, ProvDerivation)) == 7
    assert len(records(document, ProvAttribution)) == len(authors) == 9


def test_the_namespace_is_the_projects(sample: tuple[Ledger, LineageGraph]) -> None:
    ledger, lineage = sample
    document = provenance_document(lineage, ledger.find_work("rec-0109"))

    assert document["prefix"]["rl"] == NAMESPACE
    entities = records(read_back(json.dumps(document)), ProvEntity)
    assert {entity.identifier.namespace.uri for entity in entities} == {NAMESPACE}


def test_works_are_entities_with_type_title_kind_and_licence(diamond: Diamond) -> None:
    document = diamond.read(diamond.comic)
    (story,) = [
        e for e in records(document, ProvEntity) if str(e.identifier) == work_qname(diamond.story)
    ]

    assert str(attribute(story, "prov:type")) == "rl:Work"
    assert attribute(story, "prov:label") == "Story"
    assert attribute(story, "dcterms:title") == "Story"
    assert attribute(story, "rl:kind") == "text"
    assert attribute(story, "dcterms:license") == "CC-BY-4.0"
    assert attribute(story, "dcterms:identifier") == "rec-1"
    assert attribute(story, "dcterms:created").tzinfo is not None


def test_the_lineage_is_the_work_and_its_ancestors_only(diamond: Diamond) -> None:
    document = diamond.read(diamond.drawing)

    assert ids(records(document, ProvEntity)) == {
        work_qname(diamond.drawing),
        work_qname(diamond.story),
    }
    assert ids(records(document, ProvAgent)) == {
        member_qname(diamond.owl),
        member_qname(diamond.ana),
    }


def test_every_citation_is_a_derivation_with_its_relation(diamond: Diamond) -> None:
    derivations = records(diamond.read(diamond.comic), ProvDerivation)

    found = {
        (
            str(attribute(d, "prov:generatedEntity")),
            str(attribute(d, "prov:usedEntity")),
            attribute(d, "rl:relation"),
        )
        for d in derivations
    }
    assert found == {
        (work_qname(diamond.drawing), work_qname(diamond.story), "illustration"),
        (work_qname(diamond.translation), work_qname(diamond.story), "translation"),
        (work_qname(diamond.comic), work_qname(diamond.drawing), "adaptation"),
        (work_qname(diamond.comic), work_qname(diamond.translation), "remix"),
    }
    (with_percent,) = [
        d for d in derivations if "rl:royaltyPercent" in {str(k) for k, _ in d.attributes}
    ]
    percent = attribute(with_percent, "rl:royaltyPercent")
    assert (percent.value, str(percent.datatype)) == ("12.5", "xsd:decimal")


def test_every_author_is_attributed_and_the_shared_ancestor_appears_once(diamond: Diamond) -> None:
    document = diamond.read(diamond.comic)

    assert len(records(document, ProvEntity)) == 4
    assert pairs(records(document, ProvAttribution), "prov:entity", "prov:agent") == {
        (work_qname(diamond.story), member_qname(diamond.ana)),
        (work_qname(diamond.drawing), member_qname(diamond.owl)),
        (work_qname(diamond.translation), member_qname(diamond.ghost)),
        (work_qname(diamond.comic), member_qname(diamond.ana)),
        (work_qname(diamond.comic), member_qname(diamond.ghost)),
    }


def test_agents_are_people_named_as_credited_and_no_credit_is_an_unnamed_anonymous(
    diamond: Diamond,
) -> None:
    agents = {str(a.identifier): a for a in records(diamond.read(diamond.comic), ProvAgent)}

    owl = agents[member_qname(diamond.owl)]
    ghost = agents[member_qname(diamond.ghost)]
    assert str(attribute(owl, "prov:type")) == "prov:Person"
    assert attribute(owl, "foaf:name") == "The Night Owl"
    assert attribute(owl, "prov:label") == "The Night Owl"
    assert attribute(ghost, "prov:label") == "Anonymous"
    assert "foaf:name" not in {str(k) for k, _ in ghost.attributes}
    text = json.dumps(provenance_document(diamond.lineage, diamond.comic))
    assert "Gwen" not in text and "Owen" not in text and "ghost" not in text


def test_as_of_describes_the_lineage_and_names_as_they_were(diamond: Diamond) -> None:
    ledger = diamond.ledger
    before = ledger.head
    ledger.rename_member(diamond.ana, name="Ana Lima")
    lineage = LineageGraph.from_ledger(ledger)

    then = read_back(json.dumps(provenance_document(lineage, diamond.story, as_of=before)))
    now = read_back(json.dumps(provenance_document(lineage, diamond.story)))

    (ana_then,) = records(then, ProvAgent)
    (ana_now,) = records(now, ProvAgent)
    assert attribute(ana_then, "foaf:name") == "Ana"
    assert attribute(ana_now, "foaf:name") == "Ana Lima"


def test_a_retracted_ancestor_is_kept_and_marked(diamond: Diamond) -> None:
    diamond.ledger.retract_work(diamond.translation)
    lineage = LineageGraph.from_ledger(diamond.ledger)

    document = read_back(json.dumps(provenance_document(lineage, diamond.comic)))

    retracted = {
        str(e.identifier)
        for e in records(document, ProvEntity)
        if ("rl:retracted", True) in {(str(k), v) for k, v in e.attributes}
    }
    assert retracted == {work_qname(diamond.translation)}


def test_an_original_has_no_derivations(diamond: Diamond) -> None:
    document = provenance_document(diamond.lineage, diamond.story)

    assert "wasDerivedFrom" not in document
    assert len(records(read_back(json.dumps(document)), ProvRecord)) == 3


def test_write_provenance_writes_a_file_prov_reads(diamond: Diamond, tmp_path: Path) -> None:
    path = write_provenance(diamond.lineage, diamond.comic, tmp_path / "comic.prov.json")

    document = read_back(path.read_text(encoding="utf-8"))

    assert len(records(document, ProvDerivation)) == 4


def test_an_unknown_work_is_refused(diamond: Diamond) -> None:
    with pytest.raises(UnknownWorkError):
        provenance_document(diamond.lineage, UUID(int=1))
