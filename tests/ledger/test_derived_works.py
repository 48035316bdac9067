"""The works built on a work are found in the log, however its events are stored."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

import pytest

from ledger import Citation, Ledger, Relation, open_ledger
from ledger.adapters.derived_works import citing_works, derived_works, may_be_cited


def _story(ledger: Ledger) -> dict[str, str]:
    ana = ledger.register_member(handle="ana", external_id="ana").id
    a = ledger.contribute(authors=[ana], title="A", external_id="a").id
    b = ledger.remix(
        authors=[ana], title="B", sources=[Citation(a, Relation.REMIX)], external_id="b"
    ).id
    c = ledger.contribute(authors=[ana], title="C", external_id="c").id
    ledger.cite_source(c, Citation(b, Relation.EDIT, Decimal(5)))
    d = ledger.remix(
        authors=[ana],
        title="D",
        sources=[Citation(b, Relation.REMIX), Citation(a, Relation.REMIX)],
        external_id="d",
    ).id
    return {"a": a.hex, "b": b.hex, "c": c.hex, "d": d.hex}


@pytest.mark.parametrize("compressed", [False, True], ids=["plain JSON", "compressed"])
def test_the_works_built_on_a_work_are_found_nearest_first(compressed: bool) -> None:
    if compressed:  # the bytes cannot be searched: each event is decoded
        ledger = Ledger(
            env={"PERSISTENCE_MODULE": "eventsourcing.popo", "COMPRESSOR_TOPIC": "zlib"}
        )
    else:
        ledger = open_ledger("memory://")
    assert (ledger.mapper.compressor is not None) is compressed
    ids = _story(ledger)
    citing = citing_works(ledger.recorder, ledger.mapper)
    named = {value: key for key, value in ids.items()}
    nearest = sorted(["b", "d"], key=lambda k: ids[k])  # same distance: in id order
    assert [named[w] for w in derived_works(ids["a"], citing)] == [*nearest, "c"]
    assert {named[w] for w in derived_works(ids["b"], citing)} == {"c", "d"}
    assert derived_works(ids["d"], citing) == []


def test_a_work_nothing_names_is_known_uncited_with_one_query(any_ledger: Ledger) -> None:
    ids = _story(any_ledger)
    recorder, mapper = any_ledger.recorder, any_ledger.mapper
    for key in ("a", "b"):
        assert may_be_cited(recorder, mapper, UUID(hex=ids[key]))
    if any_ledger.env.get("PERSISTENCE_MODULE", "").endswith("popo"):
        assert may_be_cited(recorder, mapper, UUID(hex=ids["d"]))  # not searched: look further
    else:
        assert not may_be_cited(recorder, mapper, UUID(hex=ids["d"]))
        assert not may_be_cited(recorder, mapper, UUID(hex=ids["c"]))
    citing = citing_works(recorder, mapper)
    assert {ids["b"], ids["d"]} <= set(derived_works(ids["a"], citing))
