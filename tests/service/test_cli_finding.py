"""Finding things from the command line: works, members and productions, page by page."""

from __future__ import annotations

import json

import pytest

from tests.service.cli_sample import sample_db
from tests.service.test_cli import Cli

__all__ = ["sample_db"]


@pytest.fixture
def tiny(sample_db: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(sample_db, capsys)


def _all_pages(cli: Cli, *command: str, key: str) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    after: list[str] = []
    while True:
        page = json.loads(cli(*command, *after, "--limit", "7", "--format", "json"))
        found += page[key]
        if page["next_after"] is None:
            return found
        after = ["--after", str(page["next_after"])]


def test_works_list_pages_through_every_work_once_in_order(tiny: Cli) -> None:
    works = _all_pages(tiny, "works", "list", key="works")
    assert len(works) == 144
    positions = [w["position"] for w in works]
    assert positions == sorted(set(positions))
    assert works[0]["external_id"] == "rec-0001"


def test_works_list_filters_by_kind_author_title_and_retraction(tiny: Cli) -> None:
    videos = _all_pages(tiny, "works", "list", "--kind", "video", key="works")
    assert len(videos) == 8 and {w["kind"] for w in videos} == {"video"}
    lighthouses = _all_pages(tiny, "works", "list", "--title", "LIGHTHOUSE", key="works")
    assert lighthouses and all("lighthouse" in str(w["title"]).lower() for w in lighthouses)
    retracted = _all_pages(tiny, "works", "list", "--retracted", key="works")
    assert [w["external_id"] for w in retracted] == ["rec-0125"]
    kept = _all_pages(tiny, "works", "list", "--not-retracted", key="works")
    assert len(kept) == 143
    mine = _all_pages(tiny, "works", "list", "--author", "brass-tacks", key="works")
    member = json.loads(tiny("members", "list", "--format", "json", "--limit", "1"))["members"][0]
    assert member["handle"] == "brass-tacks"
    assert len(mine) == member["works"] and all(member["id"] in w["authors"] for w in mine)


def test_works_list_in_text_shows_ids_and_the_next_cursor(tiny: Cli) -> None:
    out = tiny("works", "list", "--limit", "2").splitlines()
    assert out[0].split()[1] == "rec-0001"
    assert out[-1] == f"(more: --after {out[1].split()[0]})"
    assert "(retracted)" in tiny("works", "list", "--retracted")
    tiny("works", "list", "--kind", "bogus", expect=2)
    assert tiny.err.strip().endswith(
        "--kind 'bogus' is not one of: text, image, audio, video, other"
    )


def test_members_list_pages_by_handle(tiny: Cli) -> None:
    members = _all_pages(tiny, "members", "list", key="members")
    handles = [m["handle"] for m in members]
    assert len(handles) == 35 and handles == sorted(handles)
    assert all(m["external_id"] for m in members)


def test_productions_list_shows_each_production(tiny: Cli) -> None:
    productions = _all_pages(tiny, "productions", "list", key="productions")
    assert [p["external_id"] for p in productions] == ["tiny-book-vol-1", "tiny-book-vol-2"]
    assert productions[0]["published"] is True and productions[1]["published"] is False
    text = tiny("productions", "list")
    assert "tiny-book-vol-1" in text and "(published; 12 works, 3 revenue payments)" in text


def test_rankings_and_the_leaderboard_show_external_ids(tiny: Cli) -> None:
    ranking = tiny("rankings", "--limit", "3").splitlines()
    assert ranking[1].split()[-1] == "id" or "id" in ranking[1].split()
    assert all(" rec-0" in line for line in ranking[2:])
    data = json.loads(tiny("rankings", "--limit", "3", "--format", "json"))
    assert all(str(w["external_id"]).startswith("rec-") for w in data["works"])
    board = tiny("leaderboard", "--limit", "3").splitlines()
    assert "id" in board[0].split() and all(" mem-0" in line for line in board[1:])
    rows = json.loads(tiny("leaderboard", "--limit", "3", "--format", "json"))
    assert all(str(r["external_id"]).startswith("mem-") for r in rows)
