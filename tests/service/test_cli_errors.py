"""Errors that name the real problem, and the time and value checks (issue 13, items 8-9)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ledger.domain.values import Role
from tests.service.cli_sample import sample_db
from tests.service.test_cli import Cli

__all__ = ["sample_db"]


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(str(tmp_path / "cli.db"), capsys)


@pytest.fixture
def tiny(sample_db: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(sample_db, capsys)


def _story(cli: Cli) -> None:
    cli("member", "add", "ana")
    cli("member", "add", "bo")
    cli("contribute", "--title", "A", "--author", "ana", "--external-id", "a")
    cli("contribute", "--title", "B", "--author", "ana", "--external-id", "b")


def _error(cli: Cli, *args: str) -> str:
    cli(*args, expect=2)
    lines = cli.err.strip().splitlines()
    assert len(lines) == 1, cli.err
    return lines[0]


def test_a_bad_relation_in_a_source_is_named_as_a_relation(cli: Cli) -> None:
    _story(cli)
    for spec in ("a:bogus", "a:bogus:5"):
        message = _error(cli, "remix", "--title", "R", "--author", "bo", "--source", spec)
        assert f"'bogus' in source '{spec}' is not a relation; use one of: remix," in message
    assert "no work has id or external id 'zz:remix'" not in _error(
        cli, "remix", "--title", "R", "--author", "bo", "--source", "zz:remix"
    )
    assert "'zz'" in cli.err


def test_an_impossible_split_is_refused_at_the_command_line_naming_the_stack(cli: Cli) -> None:
    _story(cli)
    message = _error(
        cli, "remix", "--title", "R", "--author", "bo", "--source", "a:remix:60",
        "--source", "b:remix:60",
    )  # fmt: skip
    assert message.endswith('"R" would owe its sources 120% of what it receives (at most 100%):'
                            ' "A" 60%, "B" 60%')  # fmt: skip
    cli("remix", "--title", "R", "--author", "bo", "--source", "a:remix:60", "--external-id", "r")
    cli("remix", "--title", "S", "--author", "bo", "--source", "r:remix:30", "--external-id", "s")
    cli("cite", "s", "b:edit:15")  # 105% stacked: fine while no production pays it so
    cli("member", "add", "curie", "--curator")
    cli("production", "create", "Book", "--curator", "curie", "--external-id", "book")
    cli("production", "include", "book", "s")
    message = _error(cli, "production", "policy", "book", "absolute")
    assert message.endswith(
        'production "Book" cannot pay under the absolute policy: the royalty percentages in the'
        ' lineage of "S" would entitle its ancestors to 105% of a payment under the absolute'
        ' policy (at most 100%): "A" 60%, "R" 30%, "B" 15%'
    )


def test_a_ledger_recorded_before_the_rule_still_loads_and_the_policy_keeps_its_error(
    cli: Cli,
) -> None:
    from tests.recorded_before import before_the_royalty_rule

    _story(cli)
    with before_the_royalty_rule():
        cli("remix", "--title", "R", "--author", "bo", "--source", "a:remix:60",
            "--source", "b:remix:60", "--external-id", "r")  # fmt: skip
    message = _error(cli, "credits", "r", "--policy", "absolute")
    assert "entitle its ancestors to 120%" in message
    message = _error(cli, "credits", "r", "--policy", "relative")
    assert "owes its sources 120%" in message
    assert "Credits for" in cli("credits", "r")  # decay pays it all the same
    assert "'R' (text) by @bo" in cli("history", "--work", "r")


@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        ("-1", "--as-of '-1' is not a position: positions are 0 or more"),
        ("99999", "--as-of 99999 is past the ledger's last position, "),
        ("2020-02-30", "--as-of '2020-02-30' is not a date"),
    ],
)
def test_as_of_names_what_is_wrong(tiny: Cli, as_of: str, message: str) -> None:
    for command in (["credits", "rec-0109"], ["rankings"], ["history", "--work", "rec-0109"]):
        assert message in _error(tiny, *command, "--as-of", as_of)


def test_a_tree_as_of_a_position_before_the_work_says_it_did_not_exist_yet(
    tiny: Cli, tmp_path: Path
) -> None:
    message = _error(tiny, "tree", "rec-0109", "--as-of", "1", "-o", str(tmp_path / "t.dot"))
    assert message.endswith(
        "work 'rec-0109' did not exist yet at position 1 (it was recorded at position 548)"
    )
    assert "did not exist yet at position 1" in _error(tiny, "credits", "rec-0109", "--as-of", "1")


def test_a_plain_date_means_the_end_of_that_day_in_utc(cli: Cli) -> None:
    """A time names the last event recorded by then; a date, the end of that UTC day."""
    _story(cli)
    today = datetime.now(UTC).date()
    assert "Credits for" in cli("credits", "a", "--as-of", today.isoformat())
    yesterday = (today - timedelta(days=1)).isoformat()
    assert "did not exist yet at position 0" in _error(cli, "credits", "a", "--as-of", yesterday)
    assert "the end of that day in UTC" in " ".join(cli("credits", "--help").split())


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("NaN", "amount 'NaN' is not a finite number"),
        ("inf", "amount 'inf' is not a finite number"),
        ("0", "amount '0' must be positive"),
        ("1" + "0" * 16, "is more than 1,000,000,000,000,000 USD"),
        ("1" + "0" * 49, "is more than 1,000,000,000,000,000 USD"),
    ],
)
def test_revenue_amounts_are_finite_positive_and_bounded(
    tiny: Cli, amount: str, message: str
) -> None:
    assert message in _error(tiny, "production", "revenue", "tiny-book-vol-1", amount)


def test_the_largest_amount_is_recorded_and_stated_exactly_to_the_cent(cli: Cli) -> None:
    _story(cli)
    cli("member", "grant", "bo", "curator")
    cli("production", "create", "P", "--curator", "bo", "--external-id", "p")
    cli("production", "include", "p", "a")
    cli("production", "publish", "p")
    cli("production", "revenue", "p", "999999999999999.99")
    out = cli("royalties", "p")
    assert "999999999999999.99 USD; contributor pool 50%" in out or "999999999999999.99" in out
    assert "499999999999999.99" in out or "500000000000000.00" in out  # the pool, to the cent


def test_rankings_of_a_bogus_kind_list_the_kinds(tiny: Cli) -> None:
    message = _error(tiny, "rankings", "--kind", "bogus")
    assert message.endswith("--kind 'bogus' is not one of: text, image, audio, video, other")


def test_vote_down_and_withdraw_together_is_a_usage_error(cli: Cli) -> None:
    _story(cli)
    message = _error(cli, "vote", "a", "--member", "bo", "--down", "--withdraw")
    assert "give --down or --withdraw, not both" in message
    assert "Voted" not in cli("history", "--member", "bo")


def test_a_remix_dated_before_its_source_or_in_the_future_is_refused(cli: Cli) -> None:
    cli("member", "add", "ana", "--at", "2020-01-01T00:00:00Z")
    cli("contribute", "--title", "A", "--author", "ana", "--external-id", "a",
        "--at", "2021-05-01T00:00:00Z")  # fmt: skip
    message = _error(cli, "remix", "--title", "R", "--author", "ana", "--source", "a",
                     "--at", "2021-04-30T23:59:59Z")  # fmt: skip
    assert message.endswith(
        "the act is dated 2021-04-30T23:59:59Z, before its source 'A' was contributed"
        " (2021-05-01T00:00:00Z)"
    )
    later = (datetime.now(UTC) + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert "in the future" in _error(cli, "member", "add", "bo", "--at", later)


def test_a_citation_that_overloads_a_work_built_on_it_is_refused_naming_it(cli: Cli) -> None:
    _story(cli)
    cli("remix", "--title", "R", "--author", "bo", "--source", "a:remix:60", "--external-id", "r")
    cli("remix", "--title", "S", "--author", "bo", "--source", "r:remix:30", "--external-id", "s")
    cli("member", "add", "curie", "--curator")
    cli("production", "create", "Book", "--curator", "curie", "--external-id", "book")
    cli("production", "include", "book", "s")
    cli("production", "policy", "book", "absolute")
    before = cli("history", "--work", "r")
    message = _error(cli, "cite", "r", "b:edit:15", "--as", "bo")
    assert message.endswith(
        '"S" is built on "R"; production "Book" pays "S" under the absolute policy: the royalty'
        ' percentages in the lineage of "S" would entitle its ancestors to 105% of a payment'
        ' under the absolute policy (at most 100%): "A" 60%, "R" 30%, "B" 15%'
    )
    assert cli("history", "--work", "r") == before


def test_weights_that_cannot_pay_are_refused_naming_the_weight_the_user_typed(cli: Cli) -> None:
    _story(cli)
    cli("member", "add", "curie", "--curator")
    cli("production", "create", "Book", "--curator", "curie", "--external-id", "book")
    cli("production", "include", "book", "a")
    cli("production", "include", "book", "b")
    policy = ("production", "policy", "book", "equal")
    assert _error(cli, *policy, "--weight", "b=0", "--weight", "a=0").endswith(
        "--weight: the weights total 0; at least one must be more than 0"
    )
    assert _error(cli, *policy, "--weight", "a=1").endswith(
        "--weight: production 'Book' includes 'B', which has no weight;"
        " give every included work one"
    )
    assert _error(cli, *policy, "--weight", "a=-1", "--weight", "b=1").endswith(
        "--weight a: weight -1 is not a number of 0 or more"
    )
    assert _error(cli, *policy, "--weight", "zz=1").endswith(
        "--weight zz: no work has id or external id 'zz'"
    )
    cli("contribute", "--title", "C", "--author", "ana", "--external-id", "c")
    assert _error(cli, *policy, "--weight", "c=1", "--weight", "a=1", "--weight", "b=1").endswith(
        "--weight c: 'C' is not in production 'Book'"
    )
    assert "--weight a: 'x' is not a decimal" in _error(cli, *policy, "--weight", "a=x")
    assert "decay: r must be" in _error(
        cli, "production", "policy", "book", "decay", "--param", "r=2"
    )
    cli(*policy, "--weight", "a=1", "--weight", "b=0")
    cli("production", "include", "book", "c")  # the weights no longer name every work
    assert "choose the policy again" in _error(cli, "production", "publish", "book")
    cli(*policy)
    cli("production", "publish", "book")


def test_an_external_id_that_is_another_members_handle_is_refused_and_grant_finds_its_owner(
    cli: Cli,
) -> None:
    """Issue 21 item 3: the operator's `member grant alice curator` made mallory a curator."""
    cli("member", "add", "alice")
    message = _error(cli, "member", "add", "mallory", "--external-id", "Alice")
    assert message.endswith(
        "external id 'Alice' is another member's handle"
        " (references try both, so the two may not name different members)"
    )
    cli("member", "add", "bo", "--external-id", "dora")
    assert "handle 'dora' is taken" in _error(cli, "member", "add", "Dora")
    cli("member", "grant", "alice", "curator")
    from ledger import open_ledger

    ledger = open_ledger(cli.db)
    alice = ledger.member(ledger.find_member("alice"))
    assert alice.handle == "alice" and alice.has_role(Role.CURATOR)
    ledger.close()


def test_a_grant_by_a_reference_an_older_ledger_gives_two_members_is_refused(cli: Cli) -> None:
    from ledger import open_ledger
    from tests.recorded_before import before_names_were_shared

    ledger = open_ledger(cli.db)
    alice = ledger.register_member(handle="alice").id
    with before_names_were_shared():
        mallory = ledger.register_member(handle="mallory", external_id="alice").id
    ledger.close()
    message = _error(cli, "member", "grant", "alice", "curator")
    assert "'alice' is the external id of member" in message
    assert str(alice) in message and str(mallory) in message
    cli("member", "grant", str(alice), "curator")
