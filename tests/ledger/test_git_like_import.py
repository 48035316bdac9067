"""A git-like history imports as recorded: commits dated before a parent included (issue 20)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given

from ledger import Citation, Ledger, Relation, open_ledger
from ledger.application.log import position_at
from ledger.archive import ImportReport, export_archive, import_archive
from ledger.domain.errors import ArchiveError, InvalidTimeError, UnknownWorkError
from ledger.domain.identity import work_id_for
from ledger.domain.work import Work
from lineage.credits import credits_for
from lineage.family_tree import family_tree
from lineage.graph import LineageGraph
from lineage.policies.registry import policy_from_name
from tests.ledger.git_like_history import GitLikeHistory, git_like_history
from tests.ledger.test_fast_import import aggregates, stored
from tests.strategies import git_like_histories

HISTORY = git_like_history(300, seed=11)
LINES = HISTORY.archive_lines()
PATHS = pytest.mark.parametrize("fast", [True, False], ids=["fast path", "commands"])


def _imported(fast: bool = True, **options: object) -> tuple[Ledger, ImportReport]:
    ledger = open_ledger("memory://")
    report = import_archive(ledger, LINES, source="g.jsonl", fast_path=fast, **options)  # type: ignore[arg-type]
    return ledger, report


def _export(ledger: Ledger) -> str:
    out = io.StringIO()
    export_archive(ledger, out)
    return out.getvalue()


def test_the_history_is_shaped_like_a_real_one() -> None:
    """A long main chain, merges, ~2% dated before a parent, equal seconds, several spellings."""
    commits = HISTORY.commits
    assert len(commits) == 300
    assert sum(len(c.parents) == 2 for c in commits) >= 5
    assert len(HISTORY.out_of_order) == 6
    dates = {c.sha: c.date for c in commits}
    assert max(max(dates[p] for p in c.parents) - c.date for c in HISTORY.out_of_order) > (
        timedelta(days=365)
    )
    assert any(c.date in {dates[p] for p in c.parents} for c in commits)
    assert len(HISTORY.mailmap) > len(HISTORY.members) == 30


@PATHS
def test_a_remix_dated_before_its_source_imports_as_recorded_and_is_named(fast: bool) -> None:
    ledger, report = _imported(fast)
    assert report.events == ledger.head == len(HISTORY.members) * 2 + len(HISTORY.commits)
    assert (report.fast_lines == len(LINES)) is fast  # no hand-over for an early commit
    early = HISTORY.out_of_order
    assert report.out_of_order == len(early)
    assert report.out_of_order_lines == [f"g.jsonl:{HISTORY.line_of(c.sha)}" for c in early[:5]]
    for commit in early:
        work = ledger.repository.get(work_id_for(commit.sha))
        assert isinstance(work, Work)
        assert work.contributed_at == commit.date  # the archive's date, kept


def test_both_import_paths_record_a_git_like_history_alike() -> None:
    """Same events, same reports (counts of acts out of order included), same aggregates."""
    outcomes = {}
    ledgers = {}
    for fast in (True, False):
        ledger = open_ledger("memory://")
        reports = [
            import_archive(ledger, LINES[:cut], source="g.jsonl", batch_lines=40, fast_path=fast)
            for cut in (170, len(LINES), len(LINES))
        ]
        outcomes[fast], ledgers[fast] = reports, ledger
    assert outcomes[True] == outcomes[False]
    before_cut = sum(HISTORY.line_of(c.sha) <= 170 for c in HISTORY.out_of_order)
    assert 0 < before_cut < len(HISTORY.out_of_order)
    assert [r.out_of_order for r in outcomes[True]] == [
        before_cut,
        len(HISTORY.out_of_order) - before_cut,
        0,
    ]
    assert outcomes[True][0].fast_lines == 170
    assert stored(ledgers[True]) == stored(ledgers[False])
    assert aggregates(ledgers[True]) == aggregates(ledgers[False])


@PATHS
def test_the_strict_import_refuses_the_first_commit_dated_before_a_parent(fast: bool) -> None:
    ledger = open_ledger("memory://")
    first = HISTORY.out_of_order[0]
    parent = max((c for c in HISTORY.commits if c.sha in first.parents), key=lambda c: c.date)
    with pytest.raises(ArchiveError) as refused:
        import_archive(ledger, LINES, source="g.jsonl", fast_path=fast, strict=True)
    assert str(refused.value) == (
        f"g.jsonl:{HISTORY.line_of(first.sha)}: the act is dated"
        f" {first.date:%Y-%m-%dT%H:%M:%SZ}, before its source {parent.subject!r}"
        f" was contributed ({parent.date:%Y-%m-%dT%H:%M:%SZ})"
    )
    assert ledger.head == 0  # nothing half-applied


@PATHS
def test_reimporting_a_git_like_history_records_nothing(fast: bool) -> None:
    ledger, _ = _imported(fast)
    head = ledger.head
    again = import_archive(ledger, LINES, source="g.jsonl", fast_path=fast)
    assert (again.applied, again.events, again.out_of_order) == (0, 0, 0)
    assert again.skipped == len(LINES) - 1
    assert ledger.head == head


def test_a_git_like_history_round_trips_byte_identical() -> None:
    ledger, _ = _imported()
    first = _export(ledger)
    again = open_ledger("memory://")
    report = import_archive(again, first.splitlines(), source="export.jsonl")
    assert report.out_of_order == len(HISTORY.out_of_order)
    assert _export(again) == first


def test_the_credits_of_a_commit_are_the_authors_git_names_for_its_history() -> None:
    ledger, _ = _imported()
    lineage = LineageGraph.from_ledger(ledger)
    for commit in [HISTORY.commits[-1], *HISTORY.out_of_order]:
        expected = {HISTORY.author_of(c) for c in _commits(HISTORY, commit.sha)}
        for policy in ("equal", "decay"):
            credits = credits_for(lineage, work_id_for(commit.sha), policy_from_name(policy))
            assert {credit.external_id for credit in credits} == expected
            assert sum(credit.share for credit in credits) == 1


def test_the_family_tree_of_a_commit_dated_before_its_parent_holds_its_ancestry() -> None:
    ledger, _ = _imported()
    lineage = LineageGraph.from_ledger(ledger)
    for commit in HISTORY.out_of_order:
        tree = family_tree(lineage, work_id_for(commit.sha), down=0, max_nodes=10_000)
        ancestry = {str(work_id_for(c.sha)) for c in _commits(HISTORY, commit.sha)}
        assert set(tree.work_ids) == ancestry


def test_as_of_any_position_no_work_is_shown_without_its_sources() -> None:
    ledger, _ = _imported()
    lineage = LineageGraph.from_ledger(ledger)
    for as_of in range(0, ledger.head + 1, 7):
        view = lineage.view(as_of)
        for number in view.nodes:
            assert set(lineage.graph.predecessors(number)) <= set(view.nodes)


def test_as_of_a_time_means_as_recorded_by_then_not_as_the_archive_dates_acts() -> None:
    """``--as-of TIME`` is the ledger's own recording clock: by its occurred date (years
    before the import) a commit dated before its parent was not recorded yet, and once
    it is, so are its parents."""
    ledger, _ = _imported(batch_lines=25)
    lineage = LineageGraph.from_ledger(ledger)
    for commit in HISTORY.out_of_order:
        work_id = work_id_for(commit.sha)
        assert position_at(ledger, commit.date) == 0
        with pytest.raises(UnknownWorkError, match="as of position 0"):
            credits_for(lineage, work_id, policy_from_name("equal"), as_of=0)
        position = lineage.position_at(lineage.number(work_id))
        recorded = ledger.recorder.select_notifications(position, 1)[0]
        recorded_at = ledger.mapper.to_domain_event(recorded).timestamp
        as_of = position_at(ledger, recorded_at)
        assert as_of >= position
        credits = credits_for(lineage, work_id, policy_from_name("equal"), as_of=as_of)
        expected = {HISTORY.author_of(c) for c in _commits(HISTORY, commit.sha)}
        assert {credit.external_id for credit in credits} == expected
        assert position_at(ledger, recorded_at - timedelta(microseconds=1)) < position


@given(history=git_like_histories)
def test_any_small_git_like_history_imports_counts_its_early_commits_and_round_trips(
    history: GitLikeHistory,
) -> None:
    lines = history.archive_lines()
    reports = []
    exports = []
    for fast in (True, False):
        ledger = open_ledger("memory://")
        reports.append(import_archive(ledger, lines, source="h.jsonl", fast_path=fast))
        exports.append(_export(ledger))
    assert reports[0] == reports[1]
    assert reports[0].out_of_order == len(history.out_of_order)
    assert exports[0] == exports[1]
    again = open_ledger("memory://")
    import_archive(again, exports[0].splitlines())
    assert _export(again) == exports[0]


def _commits(history: GitLikeHistory, sha: str) -> list[object]:
    ancestors = history.ancestors(sha)
    return [c for c in history.commits if c.sha in ancestors]


def test_a_live_citation_dated_before_its_source_is_refused_and_an_import_keeps_it(
    ledger: Ledger,
) -> None:
    ana = ledger.register_member(handle="ana", external_id="ana").id
    a = ledger.contribute(authors=[ana], title="A", external_id="a", occurred_at=_day(2020, 1))
    b = ledger.contribute(authors=[ana], title="B", external_id="b", occurred_at=_day(2024, 5))
    with pytest.raises(InvalidTimeError, match=r"before its source 'B' was contributed"):
        ledger.cite_source(a.id, Citation(b.id, Relation.REMIX), occurred_at=_day(2024, 4))
    assert ledger.head == b.position
    lines = [
        *_export(ledger).splitlines(),
        '{"type":"citation","work":"a","source":{"id":"b","relation":"remix"},'
        '"cited_at":"2024-04-01T00:00:00Z"}',
    ]
    fresh = open_ledger("memory://")
    report = import_archive(fresh, lines, source="c.jsonl")
    assert (report.out_of_order, report.out_of_order_lines) == (1, [f"c.jsonl:{len(lines)}"])
    cited = fresh.repository.get(a.id)
    assert isinstance(cited, Work) and cited.source_ids == (b.id,)
    assert _export(fresh).splitlines() == lines
    with pytest.raises(ArchiveError, match=rf"^c\.jsonl:{len(lines)}: the act is dated 2024-04-01"):
        import_archive(open_ledger("memory://"), lines, source="c.jsonl", strict=True)


def _day(year: int, month: int) -> datetime:
    return datetime(year, month, 1, tzinfo=UTC)
