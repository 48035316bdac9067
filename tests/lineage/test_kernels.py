"""The C kernels (lineage._kernels) return exactly what the Python reference returns."""

from __future__ import annotations

import gc
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from array import array
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lineage import kernels
from lineage.kernels import PYTHON

try:
    from lineage import _kernels as C
except ImportError:  # pragma: no cover - CI builds it (see test_built_where_required)
    C = None

needs_c = pytest.mark.skipif(C is None, reason="the C extension lineage._kernels is not built")

RELATIONS = ["remix", "illustration", "adaptation", "translation", "audio", "edit"]
# Citation data dicts are shared between citations, as in the graph.
CITATIONS = [{"relation": name, "royalty_percent": None} for name in RELATIONS]


@st.composite
def graph_columns(draw: st.DrawFn) -> tuple[list[Any], list[Any], int]:
    """A graph's source and data columns (any digraph: late citations can point
    forward, and even make cycles, which a walk must survive) and a start."""
    count = draw(st.integers(1, 30))
    # Half as recorded with their works (each cites earlier ones only), half anything.
    earlier_only = draw(st.booleans())
    sources: list[Any] = []
    data: list[Any] = []
    for number in range(count):
        candidates = st.integers(0, number - 1 if earlier_only else count - 1)
        found = sorted(draw(st.sets(candidates, max_size=4))) if number or not earlier_only else []
        cited = [draw(st.sampled_from(CITATIONS)) for _ in found]
        if len(found) == 1:
            sources.append(found[0])
            data.append(cited[0])
        else:
            sources.append(tuple(found))
            data.append(tuple(cited) if found else None)
    return sources, data, draw(st.integers(0, count - 1))


@st.composite
def ancestries(draw: st.DrawFn) -> tuple[list[tuple[int, ...]], list[Any], list[Any]]:
    """An ancestry's source_index (each work's sources come after it), the
    citations' data and the authors (a bare member number, or a tuple)."""
    count = draw(st.integers(1, 40))
    source_index: list[tuple[int, ...]] = []
    data: list[Any] = []
    authors: list[Any] = []
    for number in range(count):
        last = number == count - 1
        later = st.integers(number + 1, count - 1)
        found = () if last else tuple(draw(st.lists(later, unique=True, max_size=3)))
        source_index.append(found)
        cited = tuple(draw(st.sampled_from(CITATIONS)) for _ in found)
        data.append(cited[0] if len(cited) == 1 else (cited or draw(st.sampled_from([None, ()]))))
        named = draw(st.lists(st.integers(0, 8), min_size=1, max_size=3, unique=True))
        authors.append(named[0] if len(named) == 1 else tuple(named))
    return source_index, data, authors


@needs_c
@given(graph_columns())
def test_walk_and_localize(columns: tuple[list[Any], list[Any], int]) -> None:
    sources, data, start = columns
    distance, backwards = C.walk_sources(sources, start)
    assert (distance, backwards) == PYTHON["walk_sources"](sources, start)
    assert list(distance) == list(PYTHON["walk_sources"](sources, start)[0])  # same order met
    numbers = tuple(sorted(distance, reverse=True))
    assert C.take(distance, numbers) == PYTHON["take"](distance, numbers)
    assert C.take(sources, numbers) == PYTHON["take"](sources, numbers)
    assert C.localize(numbers, sources, data) == PYTHON["localize"](numbers, sources, data)
    columns_c = C.ancestry_columns(sources, data, start)
    assert columns_c == PYTHON["ancestry_columns"](sources, data, start)
    assert (columns_c is not None) == backwards
    if columns_c is not None:
        assert columns_c[0] == numbers
        assert not any(map(gc.is_tracked, columns_c[:3]))
    # The same from the graph's compact codes (a single source and its data's
    # index; -1 for none; -2 for several, read from the columns).
    codes = array("q")
    for found, cited in zip(sources, data, strict=True):
        if isinstance(found, int):
            codes.extend((found, CITATIONS.index(cited)))
        else:
            codes.extend((-1 if found == () else -2, -1))
    assert C.ancestry_columns(sources, data, start, codes, CITATIONS) == columns_c


@needs_c
@given(ancestries())
def test_ancestry_loops(ancestry: tuple[list[tuple[int, ...]], list[Any], list[Any]]) -> None:
    source_index, data, authors = ancestry
    assert C.longest_path(source_index) == PYTHON["longest_path"](source_index)
    bits_c: dict[str, int] = {"edit": 1}
    bits_py: dict[str, int] = {"edit": 1}
    masks = C.relation_masks(source_index, data, bits_c)
    assert masks == PYTHON["relation_masks"](source_index, data, bits_py)
    assert bits_c == bits_py
    codes = array("q", [-1 if isinstance(named, tuple) else named for named in authors])
    several = {n: named for n, named in enumerate(authors) if isinstance(named, tuple)}
    everyone = list(range(len(authors)))
    assert C.take_codes(codes, everyone, several) == PYTHON["take_codes"](codes, everyone, several)
    assert C.take_codes(codes, everyone, several) == authors
    made = C.group_by_author(authors)
    assert made == PYTHON["group_by_author"](authors)
    assert list(made) == list(PYTHON["group_by_author"](authors))
    groups = list(made.values())
    assert C.group_ors(masks, groups) == PYTHON["group_ors"](masks, groups)
    depths = [number % 5 for number in range(len(source_index))]
    assert C.group_mins(depths, [*groups, []]) == PYTHON["group_mins"](depths, [*groups, []])
    items = [f"work {n}" for n in range(len(source_index))]
    key = [n * 7 % 5 for n in range(len(source_index))]  # ties: the group's order stands
    assert C.gather_sorted(items, groups, key) == PYTHON["gather_sorted"](items, groups, key)
    later = C.gather_sorted(items, groups, tuple(key), False, True)
    assert later == PYTHON["gather_sorted"](items, groups, tuple(key), False, True)
    untracked = C.gather_sorted(items, groups, key, True)
    assert untracked == PYTHON["gather_sorted"](items, groups, key, True)
    assert not any(map(gc.is_tracked, untracked))


class Row(NamedTuple):
    name: str
    count: int
    tags: tuple[str, ...]


@needs_c
@given(st.lists(st.tuples(st.text(max_size=5), st.integers(), st.lists(st.text(max_size=3)))))
def test_records(rows: list[tuple[str, int, list[str]]]) -> None:
    columns = (
        [name for name, _, _ in rows],
        tuple(count for _, count, _ in rows),
        [tuple(tags) for _, _, tags in rows],
    )
    made = C.records(Row, columns)
    assert made == PYTHON["records"](Row, columns)
    assert all(type(row) is Row for row in made)
    assert [row.tags for row in made] == columns[2]
    # Left to reference counting alone: the records cannot be in a cycle.
    assert not any(map(gc.is_tracked, made))
    assert C.records(tuple, columns) == [tuple(row) for row in made]


@needs_c
@given(
    ancestries(),
    st.sampled_from([(1, 2), (0, 1), (1, 1), (2, 3), (3, 7), (1, 4), (4, 6)]),
    st.integers(0, 200),
)
def test_pass_on_and_sums(
    ancestry: tuple[list[tuple[int, ...]], list[Any], list[Any]],
    ratio: tuple[int, int],
    bits: int,
) -> None:
    source_index, _, authors = ancestry
    passes, base = ratio
    # A whole that every division divides: base and every source count, per generation.
    whole = (base * 6) ** len(source_index) << bits
    found = C.pass_on(source_index, whole, passes, base)
    assert found == PYTHON["pass_on"](source_index, whole, passes, base)
    kept_mantissas, kept_shifts, reach_mantissas, reach_shifts = found
    kept = [m << s for m, s in zip(kept_mantissas, kept_shifts, strict=True)]
    reach = [m << s for m, s in zip(reach_mantissas, reach_shifts, strict=True)]
    assert sum(kept) == whole  # nothing lost: what every work keeps adds up to the payment
    assert kept == plain_pass_on(source_index, whole, passes, base)[0]
    assert reach == plain_pass_on(source_index, whole, passes, base)[1]
    # Binary-scaled values are written one way only: an odd mantissa, or 0 and 0.
    pairs = [*zip(kept_mantissas, kept_shifts, strict=True)]
    pairs += zip(reach_mantissas, reach_shifts, strict=True)
    for mantissa, shift in pairs:
        assert mantissa % 2 == 1 or (mantissa, shift) == (0, 0)
    groups = list(PYTHON["group_by_author"](authors).values())
    assert C.group_sums(kept, groups) == PYTHON["group_sums"](kept, groups)
    sums = C.group_scaled_sums(kept_mantissas, kept_shifts, groups)
    assert sums == PYTHON["group_scaled_sums"](kept_mantissas, kept_shifts, groups)
    assert [m << s for m, s in zip(*sums, strict=True)] == C.group_sums(kept, groups)


def plain_pass_on(
    source_index: list[tuple[int, ...]], whole: int, passes: int, base: int
) -> tuple[list[int], list[int]]:
    """Decay with plain ints (the formula as written), to check the binary-scaled kernels by."""
    reach = [0] * len(source_index)
    kept = [0] * len(source_index)
    reach[0] = whole
    for number, found in enumerate(source_index):
        if not found:
            kept[number] = reach[number]
            continue
        for source in found:
            reach[source] += reach[number] * passes // (base * len(found))
        kept[number] = reach[number] * (base - passes) // base
    return kept, reach


@needs_c
@given(
    st.lists(st.tuples(st.integers(-(2**70), 2**70), st.integers(0, 140))),
    st.lists(st.lists(st.integers(0, 40), max_size=5), max_size=8),
)
def test_scaled_sums_of_any_ints(values: list[tuple[int, int]], groups: list[list[int]]) -> None:
    """Mantissas need not be odd going in (a co-authored share is multiplied first)."""
    mantissas = [m for m, _ in values]
    shifts = [s for _, s in values]
    groups = [[n for n in group if n < len(values)] for group in groups]
    sums = C.group_scaled_sums(mantissas, shifts, groups)
    assert sums == PYTHON["group_scaled_sums"](mantissas, shifts, groups)
    assert [m << s for m, s in zip(*sums, strict=True)] == [
        sum(mantissas[n] << shifts[n] for n in group) for group in groups
    ]


# Ints around a machine word's edges, where the C kernels read an int's bits in
# different ways: inside a long long, past it, and with 64 or more zero low bits.
EDGES = [2**63 - 1, 2**63, 2**64 - 1, 2**64, 2**64 + 2**63, 2**127, 3 << 200, 2**1000]


@st.composite
def ints_past_a_word(draw: st.DrawFn) -> int:
    """An int as odd << zeros, either sign: often wider than 64 bits, often with
    64 or more trailing zeros, sometimes one of the EDGES."""
    if draw(st.booleans()):
        value = draw(st.sampled_from(EDGES))
    else:
        odd = draw(st.integers(0, 2**200)) * 2 + 1
        value = odd << draw(st.integers(0, 300))
    return -value if draw(st.booleans()) else value


@needs_c
@given(st.lists(st.tuples(ints_past_a_word(), st.integers(0, 140)), min_size=1, max_size=6))
def test_bits_of_ints_past_a_machine_word(values: list[tuple[int, int]]) -> None:
    """Trailing zeros (binary scaling) and bit lengths (ranking) of wide ints."""
    mantissas = [m for m, _ in values]
    shifts = [s for _, s in values]
    groups = [[n] for n in range(len(values))] + [list(range(len(values)))]
    sums = C.group_scaled_sums(mantissas, shifts, groups)
    assert sums == PYTHON["group_scaled_sums"](mantissas, shifts, groups)
    written = [m << s for m, s in values]
    assert [m << s for m, s in zip(*sums, strict=True)] == [*written, sum(written)]
    distances = [0] * len(values)
    handles = tuple("a" for _ in values)
    ranked = C.rank(distances, mantissas, shifts, handles)
    assert ranked == PYTHON["rank"](distances, mantissas, shifts, handles)
    assert ranked == sorted(range(len(values)), key=lambda n: (-written[n], n))


def test_pass_on_refuses_a_whole_it_cannot_divide_exactly() -> None:
    kernels_to_check = [PYTHON["pass_on"], *([C.pass_on] if C is not None else [])]
    for pass_on in kernels_to_check:
        with pytest.raises(ValueError, match="not a multiple"):
            pass_on([(1,), ()], 3, 1, 2)  # half of 3
        with pytest.raises(ValueError, match="not a multiple"):
            pass_on([(1, 2), (), ()], 4, 1, 3)  # a sixth of 4


@needs_c
@given(
    st.lists(
        st.tuples(
            st.integers(0, 3),
            st.integers(-(2**70), 2**70),
            st.integers(0, 80),
            st.sampled_from(["ana", "bo", "Cy"]),
        )
    ),
    st.booleans(),
)
def test_rank(credits: list[tuple[int, int, int, str]], scaled: bool) -> None:
    distances = [distance for distance, _, _, _ in credits]
    # Many equal shares, so that the handles and the input order decide too.
    numerators = [numerator % 4 if numerator % 2 else numerator for _, numerator, _, _ in credits]
    shifts = [shift for _, _, shift, _ in credits] if scaled else None
    handles = tuple(handle for _, _, _, handle in credits)
    ranked = C.rank(distances, numerators, shifts, handles)
    assert ranked == PYTHON["rank"](distances, numerators, shifts, handles)
    # Binary-scaled shares rank as the numerators they stand for.
    if shifts is not None:
        written = [m << s for m, s in zip(numerators, shifts, strict=True)]
        assert ranked == C.rank(distances, written, None, handles)


@needs_c
def test_plain_tuples_are_untracked_only_when_nothing_in_them_is() -> None:
    values = [1, "a", (2, "b"), None, 2**80]
    made = C.plain(values)
    assert made == PYTHON["plain"](values) == tuple(values)
    assert not gc.is_tracked(made)
    holder: list[Any] = []
    assert gc.is_tracked(C.plain([1, holder]))  # a list could lead back: left tracked
    assert C.plain(()) == ()


@needs_c
def test_a_tuple_holding_a_container_stays_tracked_even_if_the_container_is_not_yet() -> None:
    """An empty dict is not tracked until it holds something that is; a tuple of
    one could still end up in a cycle through it (from the review)."""
    empty: dict[str, Any] = {}
    made = C.plain([empty])
    assert gc.is_tracked(made)
    assert not gc.is_tracked(C.plain([1, "a", C.plain([2])]))


@needs_c
def test_grouping_survives_a_collection_that_empties_its_input() -> None:
    """A collection during group_by_author can run a finaliser; here one clears the
    list being grouped. The kernel reads a copy (from the review: it crashed)."""
    authors: list[Any] = [(1000 + i, 100000 + i) for i in range(5000)] * 2
    expected = PYTHON["group_by_author"](list(authors))

    class Clearing:
        me: Any

        def __del__(self) -> None:
            authors.clear()

    threshold = gc.get_threshold()
    gc.collect()
    try:
        gc.set_threshold(100)
        cycle = Clearing()
        cycle.me = cycle
        del cycle
        assert C.group_by_author(authors) == expected
    finally:
        gc.set_threshold(*threshold)


@needs_c
def test_sparse_member_numbers_group_as_dense_ones() -> None:
    authors = [(n % 7) << 40 for n in range(200)] + [(1 << 40, 3 << 40)]
    assert C.group_by_author(authors) == PYTHON["group_by_author"](authors)


@needs_c
def test_hashes_and_refusals_of_records() -> None:
    made = C.records(Row, (["a", "b"], [1, 2], [(), ("x",)]))
    # Equal to plain tuples, so they must hash alike (newer CPython caches a tuple's hash).
    assert [hash(row) for row in made] == [hash(tuple(row)) for row in made]
    assert {made[0]: 1}[("a", 1, ())] == 1
    # A tuple type defined in C has fields of its own (tuple.__new__ refuses it too);
    # a record with a __dict__ could lead back to itself.
    with pytest.raises(TypeError):
        C.records(time.struct_time, tuple([n] for n in range(9)))

    class Loose(tuple[Any, ...]):
        pass

    with pytest.raises(TypeError):
        C.records(Loose, ([1],))


@needs_c
def test_kernels_agree_outside_the_ancestry_rules_too() -> None:
    """Inputs an Ancestry never gives (a source before its citer), from the review."""
    for index in ([(1,), (0,)], [(), (0,)], [(0,)], [(0, 1), ()]):
        assert C.longest_path(index) == PYTHON["longest_path"](index)
    data = [(CITATIONS[0], CITATIONS[1]), None]
    bits_c: dict[str, int] = {}
    bits_py: dict[str, int] = {}
    assert C.relation_masks([(0, 1), ()], data, bits_c) == PYTHON["relation_masks"](
        [(0, 1), ()], data, bits_py
    )


@needs_c
def test_bad_input_raises_instead_of_crashing() -> None:
    with pytest.raises(IndexError):
        C.walk_sources([5], 0)
    with pytest.raises(TypeError):
        C.walk_sources([("a",)], 0)
    with pytest.raises(IndexError):
        C.longest_path([(3,)])
    with pytest.raises(TypeError):
        C.pass_on("not a list", 1, 1, 2)
    with pytest.raises(KeyError):
        C.localize((0,), [7], [None])
    with pytest.raises(IndexError):
        C.group_sums([1], [[4]])
    with pytest.raises(IndexError):
        C.take([1, 2], [2])
    with pytest.raises(TypeError):
        C.take_codes([1, 2], [0], {})
    with pytest.raises(KeyError):
        C.take_codes(array("q", [-1]), [0], {})
    with pytest.raises(KeyError):
        C.take({1: 2}, [2])
    with pytest.raises(ValueError):
        C.records(Row, (["a"], [1, 2], [()]))
    with pytest.raises(TypeError):
        C.records(dict, ([1],))
    with pytest.raises(TypeError):
        C.group_sums([True, 2], [[0, 1]])  # an int subclass could run Python code
    with pytest.raises(TypeError):
        C.gather_sorted([1], [iter([0])], [0])
    with pytest.raises(TypeError):
        C.group_by_author([1.5])
    with pytest.raises(ValueError):
        C.group_by_author([-1])
    with pytest.raises(IndexError):
        C.ancestry_columns([5], [None], 0)
    with pytest.raises(TypeError):
        C.ancestry_columns([("a",)], [None], 0)
    with pytest.raises(TypeError):
        C.ancestry_columns([()], [None], True)
    with pytest.raises(IndexError):  # a code naming a work past the end
        C.ancestry_columns([()], [None], 0, array("q", [3, 0]), CITATIONS)
    with pytest.raises(IndexError):  # a data index past the table
        C.ancestry_columns([(), 0], [None, None], 1, array("q", [-1, -1, 0, 99]), CITATIONS)
    with pytest.raises(TypeError):
        C.ancestry_columns([()], [None], 0, array("q", [-1, -1]), None)
    with pytest.raises(TypeError):
        C.ancestry_columns([()], [None], 0, array("i", [-1, -1]), CITATIONS)
    with pytest.raises(TypeError):
        C.pass_on([()], True, 1, 2)
    with pytest.raises(ZeroDivisionError):
        C.pass_on([(1,), ()], 4, 1, 0)
    with pytest.raises(TypeError):
        C.group_scaled_sums([1, 2.5], [0, 0], [[0, 1]])
    with pytest.raises(ValueError):
        C.group_scaled_sums([1, 2], [0], [[0, 1]])
    with pytest.raises(ValueError):
        C.group_scaled_sums([1], [-1], [[0]])
    with pytest.raises(IndexError):
        C.group_scaled_sums([1], [0], [[3]])
    with pytest.raises(TypeError):
        C.rank([0], [1], (0,), ("a",))
    with pytest.raises(ValueError):
        C.rank([0], [1], [-2], ("a",))
    with pytest.raises(OverflowError):  # a shift past what a bit count can hold
        C.rank([0, 0], [1, 1], [2**63 - 1, 2**63 - 2], ("a", "b"))


def test_built_where_required() -> None:
    """Where the extension is expected (REMIX_LEDGER_REQUIRE_KERNELS=1, as
    scripts/ci-pythons sets it, or CI), a broken build must not pass unnoticed as
    the slow path."""
    if os.environ.get(kernels.REQUIRE_ENV) != "1" and not os.environ.get("CI"):
        pytest.skip("only CI insists on the C extension (it is optional at install)")
    assert C is not None and kernels.COMPILED
    assert kernels.walk_sources is C.walk_sources


def test_the_c_source_uses_no_private_python_api() -> None:
    """Private CPython symbols (``_Py...``) and ints' internals can change in any
    minor release: the kernels read bits through the public C API only."""
    source = (Path(kernels.__file__).parent / "_kernels.c").read_text()
    assert re.findall(r"\b_Py\w*|ob_digit|long_value\.|PyLong_SHIFT", source) == []


def import_without_the_extension(**env: str) -> subprocess.CompletedProcess[str]:
    """Imports lineage.kernels in a process where lineage._kernels cannot be
    imported, as after a failed build, with ``env`` set; prints COMPILED."""
    code = (
        "import sys; sys.modules['lineage._kernels'] = None; "
        "import lineage.kernels as k; print(k.COMPILED)"
    )
    base = {k: v for k, v in os.environ.items() if k != "REMIX_LEDGER_KERNELS"}
    return subprocess.run(
        [sys.executable, "-c", code], env={**base, **env}, capture_output=True, text=True
    )


def test_a_missing_extension_fails_the_import_only_where_required() -> None:
    out = import_without_the_extension(REMIX_LEDGER_REQUIRE_KERNELS="0")
    assert (out.returncode, out.stdout.strip()) == (0, "False"), out.stderr
    out = import_without_the_extension(REMIX_LEDGER_REQUIRE_KERNELS="1")
    assert out.returncode == 1
    assert "REMIX_LEDGER_REQUIRE_KERNELS=1 but the C extension lineage._kernels did not load" in (
        out.stderr
    )
    # Choosing the Python kernels asks for no extension, so none is required.
    out = import_without_the_extension(
        REMIX_LEDGER_REQUIRE_KERNELS="1", REMIX_LEDGER_KERNELS="python"
    )
    assert (out.returncode, out.stdout.strip()) == (0, "False"), out.stderr


@pytest.mark.slow
def test_the_project_installs_without_a_c_compiler(tmp_path: Path) -> None:
    """setup.py's extension stays optional: with a compiler that always fails, pip
    still builds the project, without lineage._kernels (the Python kernels run)."""
    root = Path(__file__).parent.parent.parent
    source = tmp_path / "source"
    source.mkdir()
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy(root / name, source / name)
    for package in ("ledger", "projections", "lineage", "service"):
        shutil.copytree(
            root / package, source / package, ignore=shutil.ignore_patterns("*.so", "__pycache__")
        )
    env = {**os.environ, "CC": "false"}
    out = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), "."],
        cwd=source,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    (wheel,) = tmp_path.glob("remix_ledger-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "lineage/kernels.py" in names
    assert not [name for name in names if name.startswith("lineage/_kernels.") and ".so" in name]


def test_python_kernels_can_be_chosen() -> None:
    code = "import lineage.kernels as k; print(k.COMPILED)"
    env = {**os.environ, "REMIX_LEDGER_KERNELS": "python"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


@pytest.mark.slow
def test_the_lineage_tests_pass_on_the_python_kernels() -> None:
    """Without a C compiler the Python kernels run: the lineage tests must pass on them
    too (here the C ones are loaded, so they run again in a process that asks for the
    Python ones)."""
    files = [
        "test_ancestry.py",
        "test_credits.py",
        "test_graph_representation.py",
        "test_policies.py",
        "test_royalties.py",
        "test_statements.py",
    ]
    here = Path(__file__).parent
    env = {**os.environ, "REMIX_LEDGER_KERNELS": "python", "HYPOTHESIS_PROFILE": "ci"}
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        + [str(here / name) for name in files]
        + ["-k", "not python_kernels"],
        env=env,
        capture_output=True,
        text=True,
        cwd=here.parent.parent,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    # The run really used the Python kernels.
    code = "import lineage.kernels as k; assert not k.COMPILED"
    assert subprocess.run([sys.executable, "-c", code], env=env).returncode == 0
