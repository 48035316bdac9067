"""The inner loops of credits and royalty policies: one pass over an ancestry each.

Credits for a work 10 000 generations deep run each of these over 10 000 works
per question; in the interpreter they are most of its time. They are written
here once in plain Python (the reference, and what runs when the C extension is
not built) and again in C in ``lineage/_kernels.c``, which this module loads in
their place when it was built (``COMPILED`` says which;
``REMIX_LEDGER_KERNELS=python`` keeps the Python ones). The two are kept equal
by the property tests in ``tests/lineage/test_kernels.py``. The C versions are
stricter about what they take: outside the conventions below (exact ints, lists,
tuples and dicts; numbers not negative) they raise ``TypeError`` or ``ValueError``
where the Python ones may go on, so that no Python code can run while C holds
borrowed references.

Conventions, as in ``LineageGraph.source_columns``: a work's sources are a bare
int for one and a tuple (ascending) for several or none; citation data is a
bare dict for one source. An ancestry's works are numbered 0, 1, ... in
``Ancestry.order`` (W is 0; every work after every work built on it), and its
``source_index`` gives each work's sources by those numbers, always as a tuple.
"""

from __future__ import annotations

import operator
import os
from collections.abc import Sequence
from functools import partial
from typing import Any, TypeVar

from lineage.exact import scaled_normal, scaled_sum

R = TypeVar("R", bound=tuple[Any, ...])
T = TypeVar("T")

__all__ = [
    "COMPILED",
    "PYTHON",
    "ancestry_columns",
    "gather_sorted",
    "group_by_author",
    "group_mins",
    "group_ors",
    "group_scaled_sums",
    "group_sums",
    "localize",
    "longest_path",
    "pass_on",
    "plain",
    "rank",
    "records",
    "relation_masks",
    "take",
    "take_codes",
    "walk_sources",
]


def take(column: Any, numbers: Sequence[Any]) -> list[Any]:
    """``[column[n] for n in numbers]``: a column of the graph (a list by work or
    member number, or any mapping) read at ``numbers``."""
    return list(map(column.__getitem__, numbers))


def plain(items: Sequence[T]) -> tuple[T, ...]:
    """``items`` as a tuple. The C version leaves the tuple untracked by the cyclic
    collector when none of its items is tracked (ints, strings, tuples of those):
    CPython does the same for such a tuple, but only at its next collection, which
    then walks it first. An ancestry keeps a dozen 10 000-item columns alive with
    its answer; made plain, the collection after a question does not walk them."""
    return tuple(items)


def take_codes(codes: Any, numbers: Sequence[int], overrides: dict[int, Any]) -> list[Any]:
    """``take`` from a column of numbers kept compactly (an ``array('q')``): the
    number at each of ``numbers``, or, where it is negative, ``overrides[n]``."""
    return [overrides[n] if (code := codes[n]) < 0 else code for n in numbers]


def walk_sources(sources: Sequence[Any], start: int) -> tuple[dict[int, int], bool]:
    """Every work ``start`` descends from, with its shortest generation distance.

    Breadth-first from ``start`` up ``sources`` (by graph number), so the first
    time a work is met is by a shortest path. Returns the distances (``start``
    at 0, then in the order met) and whether every citation met points to an
    earlier work (a smaller number).
    """
    distance = {start: 0}
    queue = [start]
    backwards = True
    # Appending to the list being walked is well defined: it is the queue.
    for work in queue:
        found = sources[work]
        onward = distance[work] + 1
        if found.__class__ is int:
            if found not in distance:
                distance[found] = onward
                queue.append(found)
            if found > work:
                backwards = False
            continue
        for source in found:
            if source not in distance:
                distance[source] = onward
                queue.append(source)
        if found and found[-1] > work:
            backwards = False
    return distance, backwards


def localize(
    numbers: Sequence[int], sources: Sequence[Any], data: Sequence[Any]
) -> tuple[list[tuple[int, ...]], list[Any]]:
    """The ancestry's ``source_index`` (sources by position in ``numbers``) and the
    citations' data of each of its works, from the graph's columns."""
    index = dict(zip(numbers, range(len(numbers)), strict=True))
    found_sources = list(map(sources.__getitem__, numbers))
    source_index = [
        (index[found],) if found.__class__ is int else tuple([index[s] for s in found])
        for found in found_sources
    ]
    return source_index, list(map(data.__getitem__, numbers))


def ancestry_columns(
    sources: Sequence[Any],
    data: Sequence[Any],
    start: int,
    codes: Any = None,
    table: list[Any] | None = None,
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[tuple[int, ...], ...], tuple[Any, ...]] | None:
    """``start``'s ancestry ready to compute on, in one pass, when every citation
    in it points to an earlier work (as every citation recorded with its work
    does); None when one does not (a late citation of a later work), and the
    caller orders the works itself.

    Returns ``(numbers, distances, source_index, source_data)``: the graph numbers
    of the works latest recorded first (``start`` first: every work then comes
    before its sources), their generation distances, and ``localize``'s columns.
    The C version keeps its bookkeeping in C arrays instead of ``walk_sources``'
    and ``localize``'s dicts, and reads ``codes`` when given: the graph's compact
    twin of the two columns (``LineageGraph.citation_codes_as_of``: per work its
    single source's number, -1 for none, or -2 to read the columns; and the index
    of that citation's data in ``table``). They must say what the columns say;
    this version reads the columns only.
    """
    distance, backwards = walk_sources(sources, start)
    if not backwards:
        return None
    numbers = tuple(sorted(distance, reverse=True))
    source_index, source_data = localize(numbers, sources, data)
    return numbers, tuple(take(distance, numbers)), tuple(source_index), tuple(source_data)


def longest_path(source_index: Sequence[tuple[int, ...]]) -> int:
    """The number of citations on the longest path from work 0 back to an original."""
    depth = [0] * len(source_index)
    for number, found in enumerate(source_index):
        onward = depth[number] + 1
        for source in found:
            if depth[source] < onward:
                depth[source] = onward
    return max(depth, default=0)


def relation_masks(
    source_index: Sequence[tuple[int, ...]], data: Sequence[Any], bits: dict[str, int]
) -> list[int]:
    """Per work, the relations on every citation along its paths to work 0, as bits.

    ``bits`` maps relation names to bits; a relation not in it yet gets the next
    free bit (added to ``bits``).
    """
    masks = [0] * len(source_index)
    for number, datum in enumerate(data):
        if not datum:
            continue
        mask = masks[number]
        found = source_index[number]
        if datum.__class__ is dict:
            datum = (datum,)
        for source, citation in zip(found, datum, strict=True):
            relation = citation["relation"]
            bit = bits.get(relation)
            if bit is None:
                bit = bits[relation] = 1 << len(bits)
            masks[source] |= mask | bit
    return masks


def group_by_author(authors: Sequence[int | tuple[int, ...]]) -> dict[int, tuple[int, ...]]:
    """For each author (in order of first appearance), the numbers of their works.

    ``authors`` holds per work a bare member number, or a tuple for several.
    """
    made: dict[int, list[int]] = {}
    for number, named in enumerate(authors):
        for author in (named,) if named.__class__ is int else named:  # type: ignore[union-attr]
            works = made.get(author)
            if works is None:
                made[author] = [number]
            else:
                works.append(number)
    return {author: tuple(works) for author, works in made.items()}


def group_sums(values: Sequence[int], groups: Sequence[Sequence[int]]) -> list[int]:
    """For each group of numbers, the sum of ``values`` at them."""
    return [
        values[group[0]] if len(group) == 1 else sum(map(values.__getitem__, group))
        for group in groups
    ]


def group_ors(values: Sequence[int], groups: Sequence[Sequence[int]]) -> list[int]:
    """For each group of numbers, the bitwise OR of ``values`` at them (0 for none)."""
    found: list[int] = []
    for group in groups:
        mask = 0
        for number in group:
            mask |= values[number]
        found.append(mask)
    return found


def group_mins(values: Sequence[int], groups: Sequence[Sequence[int]]) -> list[int]:
    """For each group of numbers, the least of ``values`` at them (0 for none)."""
    return [min(map(values.__getitem__, group), default=0) for group in groups]


def gather_sorted(
    items: Sequence[Any],
    groups: Sequence[Sequence[int]],
    key: Sequence[int],
    untracked: bool = False,
    later_first: bool = False,
) -> list[tuple[Any, ...]]:
    """For each group of numbers, the ``items`` at them as a tuple, ordered by ``key``
    at each number; ties keep the group's order, or with ``later_first`` put the
    larger number first.

    ``untracked``: as for ``records``, the C version leaves the tuples out of the
    cyclic collector (the items must be such records).
    """

    def order(number: int) -> tuple[int, int]:
        return key[number], -number if later_first else 0

    return [
        (items[group[0]],)
        if len(group) == 1
        else tuple(map(items.__getitem__, sorted(group, key=order)))
        for group in groups
    ]


def rank(
    distances: list[int],
    numerators: list[int],
    shifts: list[int] | None,
    handles: tuple[str, ...],
) -> list[int]:
    """The order of credits: by distance, then share (the numerators over one common
    denominator, largest first; ``numerators[i] << shifts[i]`` when ``shifts`` is
    given, see ``pass_on``), then handle, then as given."""
    values = numerators if shifts is None else list(map(operator.lshift, numerators, shifts))
    # Three stable sorts, the last key first.
    ranked = sorted(range(len(handles)), key=handles.__getitem__)
    ranked.sort(key=values.__getitem__, reverse=True)
    ranked.sort(key=distances.__getitem__)
    return ranked


def records(cls: type[R], columns: tuple[Sequence[Any], ...]) -> list[R]:
    """A record of the tuple type ``cls`` (a named tuple) per row of ``columns``.

    Built straight through ``tuple.__new__``: a named tuple's own ``__new__`` is
    a Python function, and credits make tens of thousands of records. The C
    version also leaves every record untracked by the cyclic garbage collector,
    as CPython leaves a tuple of plain values: a question's answer is then not
    walked again by the collection that follows it (on the 1M-work benchmark
    that pass was a fifth of a credits question). That is only right for records
    that cannot be part of a reference cycle, so the caller promises that no
    field leads back to a record (ids, strings, numbers, tuples of such, or
    objects that never refer to records).
    """
    return list(map(partial(tuple.__new__, cls), zip(*columns, strict=True)))


def pass_on(
    source_index: Sequence[tuple[int, ...]], whole: int, passes: int, base: int
) -> tuple[list[int], list[int], list[int], list[int]]:
    """Geometric decay: what each work keeps and what reaches it, as binary-scaled integers.

    ``whole`` reaches work 0; each work with sources keeps ``(base - passes) /
    base`` of what reaches it and passes ``passes / base`` on, split equally
    among its sources; an original keeps all. ``whole`` must be a multiple of
    every denominator this makes (``Decay`` chooses it so): ``ValueError`` if a
    division is not exact.

    Returns ``(kept, kept_shifts, reach, reach_shifts)``: each value is
    ``mantissa << shift`` with an odd mantissa (or 0 and 0; see
    ``scaled_normal``). Along a chain under r = 1/2 the values are ``whole``
    halved again and again: as plain ints each has thousands of bits (the
    numerators of 10 000 generations filled 6 MB per question); here each is
    the same small odd int with its own shift.
    """
    count = len(source_index)
    reach, reach_shifts = [0] * count, [0] * count
    kept, kept_shifts = [0] * count, [0] * count
    if not count:
        return kept, kept_shifts, reach, reach_shifts
    reach[0], reach_shifts[0] = scaled_normal(whole, 0)
    keeps = base - passes
    for number, found in enumerate(source_index):
        here, shift = reach[number], reach_shifts[number]
        if not found:
            kept[number], kept_shifts[number] = here, shift
            continue
        passed, passed_shift = _times_over(here, shift, passes, base * len(found))
        for source in found:
            reach[source], reach_shifts[source] = scaled_sum(
                reach[source], reach_shifts[source], passed, passed_shift
            )
        kept[number], kept_shifts[number] = _times_over(here, shift, keeps, base)
    return kept, kept_shifts, reach, reach_shifts


def _times_over(mantissa: int, shift: int, times: int, divisor: int) -> tuple[int, int]:
    # (mantissa << shift) * times / divisor, exactly, binary-scaled.
    if not mantissa or not times:
        return 0, 0
    twos = (divisor & -divisor).bit_length() - 1
    odd = divisor >> twos
    value = mantissa * times
    if odd != 1:
        value, rest = divmod(value, odd)
        if rest:
            raise ValueError("pass_on: whole is not a multiple of every denominator")
    value, shift = scaled_normal(value, shift)
    if shift < twos:
        raise ValueError("pass_on: whole is not a multiple of every denominator")
    return value, shift - twos


def group_scaled_sums(
    mantissas: Sequence[int], shifts: Sequence[int], groups: Sequence[Sequence[int]]
) -> tuple[list[int], list[int]]:
    """``group_sums`` of binary-scaled values (see ``pass_on``): for each group of
    numbers, the sum of ``mantissas[n] << shifts[n]`` at them, binary-scaled."""
    sums: list[int] = []
    sum_shifts: list[int] = []
    for group in groups:
        total, total_shift = 0, 0
        for number in group:
            total, total_shift = scaled_sum(total, total_shift, mantissas[number], shifts[number])
        sums.append(total)
        sum_shifts.append(total_shift)
    return sums, sum_shifts


#: The Python versions by name, whichever are in use (the tests hold the C ones to these).
PYTHON: dict[str, Any] = {
    name: globals()[name] for name in __all__ if name not in ("COMPILED", "PYTHON")
}

#: Whether the C versions (``lineage._kernels``) are in use: they are when the
#: extension was built, unless ``REMIX_LEDGER_KERNELS=python`` asks for these.
COMPILED = False

#: Set to 1 where the extension must have been built (CI): then a missing or
#: unloadable ``lineage._kernels`` is an ImportError here, not the slow path.
REQUIRE_ENV = "REMIX_LEDGER_REQUIRE_KERNELS"

if os.environ.get("REMIX_LEDGER_KERNELS") != "python":
    try:
        from lineage._kernels import (
            ancestry_columns,
            gather_sorted,
            group_by_author,
            group_mins,
            group_ors,
            group_scaled_sums,
            group_sums,
            localize,
            longest_path,
            pass_on,
            plain,
            rank,
            records,
            relation_masks,
            take,
            take_codes,
            walk_sources,
        )
    except ImportError as error:  # not built (no C compiler at install): the Python above runs
        if os.environ.get(REQUIRE_ENV) == "1":
            raise ImportError(
                f"{REQUIRE_ENV}=1 but the C extension lineage._kernels did not load ({error});"
                " rebuild it with `pip install -e .` and read the compiler's output"
            ) from error
    else:
        COMPILED = True
