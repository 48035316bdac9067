"""A citation staged against stale state is refused when it is saved.

Deterministic companion of the two-process race in test_race.py: one ledger
stages a citation in a batch, another ledger object on the same database cites
the other way round and commits first; the batch must then fail as a whole.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest

from ledger import open_ledger
from ledger.adapters.citation_guard import check_citations_acyclic
from ledger.archive import import_archive
from ledger.domain.errors import ArchiveError, CycleError
from ledger.domain.values import Citation, Kind, Relation
from ledger.domain.work import Work
from tests.conftest import Databases

WHEN = "2020-01-01T00:00:00Z"


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_citation_that_another_writer_turned_into_a_cycle_is_refused_at_save(
    backend: str, databases: Databases
) -> None:
    url = databases.url(backend)
    ledger, other = open_ledger(url), open_ledger(url)
    author = ledger.register_member(handle="author").id
    first = ledger.contribute(authors=[author], title="first").id
    second = ledger.contribute(authors=[author], title="second").id
    third = ledger.contribute(authors=[author], title="third").id
    head = ledger.head

    refused = pytest.raises(CycleError, match="would make 'first' its own ancestor")
    with refused, ledger.batch():
        ledger.cite_source(first, Citation(third, Relation.EDIT, None))
        ledger.cite_source(first, Citation(second, Relation.REMIX, None))
        # Meanwhile another writer cites first as a source of second.
        other.cite_source(second, Citation(first, Relation.REMIX, None))

    assert ledger.head == head + 1  # only the other writer's citation
    assert ledger.work(first).source_ids == ()
    assert ledger.work(second).source_ids == (first,)
    other.close()
    ledger.close()


def test_citations_in_one_batch_are_checked_together() -> None:
    ledger = open_ledger("memory://")
    author = ledger.register_member(handle="author").id
    with ledger.batch():
        a = ledger.contribute(authors=[author], title="a").id
        b = ledger.remix(
            authors=[author], title="b", sources=[Citation(a, Relation.REMIX, None)]
        ).id
        c = ledger.contribute(authors=[author], title="c").id
        ledger.cite_source(c, Citation(b, Relation.EDIT, None))
    assert ledger.work(c).source_ids == (b,)
    with pytest.raises(CycleError, match="'c' as a source of 'a'"):
        ledger.cite_source(a, Citation(c, Relation.EDIT, None))


def test_the_check_sees_works_created_and_cited_earlier_in_the_same_save() -> None:
    author = uuid4()
    when = datetime(2020, 1, 1, tzinfo=UTC)
    fields = {"body": None, "uri": None, "license": None, "external_id": None}
    a = Work.create(id=uuid4(), authors=[author], title="a", kind=Kind.TEXT, actor_id=author,
                    occurred_at=when, **fields)  # fmt: skip
    b = Work.create(id=uuid4(), authors=[author], title="b", kind=Kind.IMAGE, actor_id=author,
                    occurred_at=when, sources=[Citation(a.id, Relation.ILLUSTRATION, None)],
                    **fields)  # fmt: skip
    events = [*a.collect_events(), *b.collect_events()]
    check_citations_acyclic(events, lambda _: None)  # a -> b alone is fine

    a.cite_source(citation=Citation(b.id, Relation.EDIT, None), actor_id=author, occurred_at=when)
    with pytest.raises(CycleError, match="citing 'b' as a source of 'a'"):
        check_citations_acyclic([*events, *a.collect_events()], lambda _: None)


def test_an_import_batch_whose_citation_became_a_cycle_fails_with_its_lines(
    tmp_path: Path,
) -> None:
    url = str(tmp_path / "ledger.db")
    ledger, other = open_ledger(url), open_ledger(url)
    lines = [
        {"type": "member", "id": "m1", "handle": "ana", "name": "Ana"},
        {"type": "work", "id": "w1", "authors": ["m1"], "title": "first", "kind": "text"},
        {"type": "work", "id": "w2", "authors": ["m1"], "title": "second", "kind": "text"},
    ]
    import_archive(ledger, [json.dumps(line) for line in lines])
    first, second = ledger.find_work("w1"), ledger.find_work("w2")
    citation = {"id": "w2", "relation": "remix"}
    late = [
        json.dumps({"type": "citation", "work": "w1", "source": citation, "cited_at": WHEN}),
        json.dumps(
            {"type": "work", "id": "w3", "authors": ["m1"], "title": "third", "kind": "text"}
        ),
    ]

    def meanwhile(line: int, _: int) -> None:
        if line == 1:  # the citation is staged; another writer cites the other way
            other.cite_source(second, Citation(first, Relation.REMIX, None))

    head = ledger.head
    with pytest.raises(ArchiveError, match=r"^late\.jsonl:1-2: citing 'second' as a source of"):
        import_archive(ledger, late, source="late.jsonl", on_progress=meanwhile)
    assert ledger.head == head + 1  # only the other writer's citation
    assert ledger.work(first).source_ids == ()
    other.close()
    ledger.close()
