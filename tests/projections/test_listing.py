"""Listing works and members: every store gives the same pages as the plain definition."""

from __future__ import annotations

from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import Citation, Relation
from projections.listing import WorkQuery, list_members, list_works
from projections.memory_store import MemoryReadModels
from projections.queries import ReadModels
from tests.conftest import Databases
from tests.projections.stores import ledger_and_models

TITLES = ["Lighthouse", "lighthouse keeper", "Night Shift", "ÉCLAIR", "éclair noir", "50%_off"]


def _record(models: ReadModels) -> dict[str, UUID]:
    ledger = models.ledger
    ana = ledger.register_member(handle="ana").id
    bo = ledger.register_member(handle="bo").id
    ids: dict[str, UUID] = {"ana": ana, "bo": bo}
    for number, title in enumerate(TITLES):
        authors = [ana] if number % 2 else [ana, bo]
        kind = "text" if number % 3 else "image"
        if number:
            source = Citation(ids[TITLES[number - 1]], Relation.REMIX)
            work = ledger.remix(authors=authors, title=title, kind=kind, sources=[source])
        else:
            work = ledger.contribute(authors=authors, title=title, kind=kind)
        ids[title] = work.id
    ledger.retract_work(ids["Night Shift"])
    for handle in ("cy", "dee", "eve"):
        ledger.register_member(handle=handle)
    models.projector.catch_up()
    return ids


def _every_page(models: ReadModels, query: WorkQuery, limit: int) -> list[str]:
    titles, after = [], 0
    while True:
        rows = list_works(models.store, query, after, limit)
        titles += [row.title for row in rows]
        if len(rows) < limit:
            return titles
        after = rows[-1].position


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=st.sampled_from([None, "text", "image"]),
    author=st.sampled_from([None, "ana", "bo"]),
    title=st.sampled_from([None, "light", "LIGHT", "éclair", "%", "_", "nothing"]),
    retracted=st.sampled_from([None, True, False]),
    limit=st.integers(1, 4),
)
def test_works_pages_on_sql_stores_equal_the_plain_filter(
    databases: Databases,
    kind: str | None,
    author: str | None,
    title: str | None,
    retracted: bool | None,
    limit: int,
) -> None:
    sql = _models(databases, "sqlite")
    memory = ReadModels(sql.ledger, MemoryReadModels())
    memory.projector.catch_up()
    ids = _IDS[id(databases)]
    query = WorkQuery(kind, None if author is None else ids[author], title, retracted)
    expected = [
        t
        for t in TITLES
        if (kind is None or ("text" if TITLES.index(t) % 3 else "image") == kind)
        and (author != "bo" or TITLES.index(t) % 2 == 0)
        and (title is None or title.casefold() in t.casefold())
        and (retracted is None or (t == "Night Shift") == retracted)
    ]
    assert _every_page(sql, query, limit) == expected
    assert _every_page(memory, query, limit) == expected


_IDS: dict[int, dict[str, UUID]] = {}
_MODELS: dict[int, ReadModels] = {}


def _models(databases: Databases, backend: str) -> ReadModels:
    key = id(databases)
    if key not in _MODELS:
        _, models = ledger_and_models(databases, backend)
        _IDS[key] = _record(models)
        _MODELS[key] = models
    return _MODELS[key]


def test_members_are_paged_by_handle_on_every_store(databases: Databases, backend: str) -> None:
    _, models = ledger_and_models(databases, backend)
    _record(models)
    memory = ReadModels(models.ledger, MemoryReadModels())
    memory.projector.catch_up()
    for store in (models.store, memory.store):
        handles, after = [], ""
        while True:
            rows = list_members(store, after, 2)
            handles += [row.handle for row in rows]
            if len(rows) < 2:
                break
            after = rows[-1].handle
        assert handles == ["ana", "bo", "cy", "dee", "eve"]


def test_works_are_listed_the_same_on_every_backend(databases: Databases, backend: str) -> None:
    _, models = ledger_and_models(databases, backend)
    ids = _record(models)
    query = WorkQuery(title="LIGHT", author=ids["bo"], retracted=False)
    assert [r.title for r in list_works(models.store, query, 0, 10)] == ["Lighthouse"]
    assert [r.title for r in list_works(models.store, WorkQuery(retracted=True), 0, 10)] == [
        "Night Shift"
    ]
