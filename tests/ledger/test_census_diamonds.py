"""The census counts diamonds as it always has, without walking each work's whole ancestry."""

from __future__ import annotations

import time
from uuid import UUID, uuid4

from hypothesis import given
from hypothesis import strategies as st

from ledger.application.census import count_diamonds


def reference_is_diamond(cited: list[UUID], sources: dict[UUID, list[UUID]]) -> bool:
    """The census's diamond test before issue 23: a walk of the work's whole ancestry."""
    if len(cited) < 2:
        return False
    reached_from: dict[UUID, int] = {}
    stack = [(source, index) for index, source in enumerate(cited)]
    while stack:
        work, origin = stack.pop()
        seen = reached_from.get(work)
        if seen is not None:
            if seen != origin:
                return True
            continue
        reached_from[work] = origin
        stack.extend((source, origin) for source in sources.get(work, ()))
    return False


def reference_count(sources: dict[UUID, list[UUID]]) -> int:
    return sum(1 for cited in sources.values() if reference_is_diamond(cited, sources))


@st.composite
def lineages(draw: st.DrawFn) -> dict[UUID, list[UUID]]:
    """A random lineage: each work cites 0-4 earlier works (repeats allowed, as a
    citation added later may repeat one), in a random recording order."""
    count = draw(st.integers(0, 40))
    works = [uuid4() for _ in range(count)]
    sources: dict[UUID, list[UUID]] = {}
    for index, work in enumerate(works):
        cited = draw(st.lists(st.integers(0, index - 1), max_size=4)) if index else []
        sources[work] = [works[source] for source in cited]
    order = draw(st.permutations(works))
    return {work: sources[work] for work in order}


@given(lineages())
def test_the_diamond_count_is_the_whole_ancestry_walks_count(
    sources: dict[UUID, list[UUID]],
) -> None:
    assert count_diamonds(sources) == reference_count(sources)


def test_a_long_chain_with_many_merges_is_counted_without_walking_each_ancestry() -> None:
    """30 000 works on a main chain, every tenth a merge of a short branch: the old walk
    visited the whole chain below each merge (~45 million steps, minutes); a generous
    bound proves it does not any more."""
    main: list[UUID] = []
    sources: dict[UUID, list[UUID]] = {}
    for number in range(30_000):
        work = uuid4()
        cited = main[-1:]
        if number % 10 == 9:
            branch = uuid4()
            sources[branch] = [main[-5]]
            cited = [main[-1], branch]
        sources[work] = cited
        main.append(work)
    started = time.perf_counter()
    assert count_diamonds(sources) == 3_000
    assert time.perf_counter() - started < 10
