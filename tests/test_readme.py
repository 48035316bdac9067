"""The README stays true: its set-up commands, its command tables, and its demo output.

The command tables under "Using it" are read from the README itself, not copied
here: every command and option a row names must exist, and every row is run
against a scratch ledger through the real CLI, its placeholders (``WORK``,
``MEMBER``, ``FILE.json``...) replaced by real records made beforehand. The demo's
sample output must be what the demo prints. A README that drifts from the CLI
fails here.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import typer

from ledger.domain.identity import production_id_for
from ledger.domain.proposal_rules import proposal_id_for
from service.cli.main import app
from tests.service.test_cli import Cli, run_console

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SAMPLE = ROOT / "ledger" / "samples" / "tiny-stories.jsonl"


def section(title: str) -> str:
    return README.split(f"## {title}", 1)[1].split("\n## ", 1)[0]


def setup_commands() -> list[str]:
    return [line.strip() for line in section("Set up").splitlines() if re.match(r"^    \S", line)]


def test_the_readme_has_exactly_two_setup_commands() -> None:
    commands = setup_commands()
    assert len(commands) == 2
    assert commands[0].endswith("remix-ledger demo")
    assert commands[1].endswith(".venv/bin/pytest")


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert setup_commands()[1] in ci.splitlines()


# ------------------------------------------------------------ the command tables


def synopses() -> list[str]:
    """Each command synopsis in the first column of the tables under "Using it"."""
    found = []
    for line in section("Using it").splitlines():
        if line.startswith("| `"):
            first_cell = re.split(r"(?<!\\)\|", line)[1]
            found += [span.replace("\\|", "|") for span in re.findall(r"`([^`]+)`", first_cell)]
    return found


def command_paths(synopsis: str) -> tuple[list[list[str]], str]:
    """The command path(s) a synopsis names (``a|b`` names several), and the rest of it."""
    group = typer.main.get_command(app)
    words = synopsis.split()
    path: list[str] = []
    while words and _is_group(group):
        names = words[0].split("|")
        if not all(name in group.commands for name in names):
            break
        words.pop(0)
        if len(names) > 1:
            return [[*path, name] for name in names], " ".join(words)
        path.append(names[0])
        group = group.commands[names[0]]
    return [path], " ".join(words)


def _is_group(command: Any) -> bool:
    # Typer 0.29 vendors its own click: a group is what has sub-commands.
    return isinstance(getattr(command, "commands", None), dict)


def command_at(path: list[str]) -> Any:
    command = typer.main.get_command(app)
    for name in path:
        assert _is_group(command), path
        command = command.commands[name]
    return command


def test_the_tables_name_every_command_of_the_cli() -> None:
    named = {" ".join(path) for synopsis in synopses() for path in command_paths(synopsis)[0]}
    root = typer.main.get_command(app)
    leaves = set()
    for name, command in root.commands.items():
        if _is_group(command):
            leaves |= {f"{name} {sub}" for sub in command.commands}
            if getattr(command, "invoke_without_command", False):
                leaves.add(name)  # a group that answers on its own (notifications)
        else:
            leaves.add(name)
    assert named and named <= leaves
    assert leaves - named <= {"serve"} | {name for name in leaves if name.startswith("serve")}


@pytest.mark.parametrize("synopsis", synopses())
def test_every_option_a_table_row_names_is_an_option_of_its_command(synopsis: str) -> None:
    paths, rest = command_paths(synopsis)
    for path in paths:
        assert path, f"{synopsis!r}: no such command"
        params = command_at(path).params
        options = {opt for param in params for opt in (*param.opts, *param.secondary_opts)}
        for option in re.findall(r"(?<![\w-])(--?[a-z][\w-]*)", rest):
            assert option in options, f"{synopsis!r}: {' '.join(path)} has no {option}"


# Values for the placeholders: after an option, by the option; else by the word.
BY_OPTION = {
    "--name": "Ana Ng",
    "--title": "A tiny story",
    "--body": "Once upon a time.",
    "--kind": "text",
    "--external-id": "mem-ana",
    "--policy": "decay",
    "--param": "r=1/3",
    "--revenue": "1",
    "--up": "1",
    "--down": "1",
    "--since": "2000-01-01T00:00:00Z",
    "--after": "1",
    "--limit": "5",
    "--position": "1",
    "--size": "2",
    "--from": "1",
    "--email": "ana@example.org",
    "--paypal": "ana@example.org",
    "--wise": "ana@example.org",
    "--wise-name": "Ana Ng",
    "--window-days": "14",
    "--version": "1",
    "--reason": "Because.",
    "--description": "Printing",
    "--minimum": "1",
    "--reference": "ref-1",
    "--amount": "1",
}
BY_WORD = {
    "HANDLE": "ana",
    "MEMBER": "ana",
    "M": "ana",
    "M2": "bo",
    "WORK": "w-original",
    "W": "w-original",
    "SOURCE": "w-original",
    "RELATION": "inspiration",
    "PERCENT": "5",
    "TEXT": "Lovely.",
    "PRODUCTION": "book",
    # The first proposal of the book's first revenue payment, as its draft row makes it.
    "P": str(proposal_id_for(production_id_for("book"), "revenue:1", 1)),
    "ROLE": "Editors",
    "OBJECTION": "1",
    # Only in rows that are not run (NOT_RUN below), but every row is parsed.
    "ID": "no-such-token",
    "PROOF": "proof.json",
    "KEY": "no-such-key",
}
# Where one command needs another record than the word names everywhere else.
BY_COMMAND = {
    ("member grant", "MEMBER"): "bo",
    ("cite", "WORK"): "w-later",
    ("retract", "WORK"): "w-retracted",
    ("import", "FILE"): str(SAMPLE),
    ("members list", "HANDLE"): "ana",
    ("proposal adjust", "ROLE=PERCENT"): "Editors=5",
}


def invocations(synopsis: str, scratch: Path) -> Iterator[list[str]]:
    """The runnable argument lists of one synopsis: every optional part included,
    the first of each choice, each side of an ``A | B`` alternative. A row that only
    lists sub-commands runs those that need no arguments."""
    paths, rest = command_paths(synopsis)
    rest = rest.replace("...", "")
    sides = re.fullmatch(r"(.*?)(--\S+ \S+) \| (--\S+ \S+)(.*)", rest)
    variants = [sides[1] + sides[2] + sides[4], sides[1] + sides[3] + sides[4]] if sides else [rest]
    for path in paths:
        name = " ".join(path)
        if not rest and any(param.required for param in command_at(path).params):
            continue  # a row that only names sub-commands (production): checked above
        for variant in variants:
            flat = re.sub(r"\(([^)]*)\)", lambda m: _choose(m[1].split("|")), variant)
            words = flat.replace("[", "").replace("]", "").split()
            args = list(path)
            for index, word in enumerate(words):
                before = words[index - 1] if index else ""
                args.append(_value(name, before, _choose(word.split("|")), scratch))
            yield args


def _choose(choices: list[str]) -> str:
    # json where offered: it needs no Graphviz; otherwise the first choice.
    return "json" if "json" in choices else choices[0]


def _value(command: str, before: str, word: str, scratch: Path) -> str:
    if word.startswith("-") or (word.islower() and "=" not in word):
        return word
    if (command, word) in BY_COMMAND:
        return BY_COMMAND[(command, word)]
    if before in BY_OPTION:
        return BY_OPTION[before]
    if before == "--until":
        return datetime.now(UTC).isoformat(timespec="seconds")
    if word == "DIR":
        return str(scratch / "tiles")
    file = re.fullmatch(r"FILE(\.\w+)?", word)
    if file:
        return BY_COMMAND.get((command, "FILE")) or str(scratch / f"out{file[1] or '.jsonl'}")
    parts = word.split(":")
    unknown = [part for part in parts if (command, part) not in BY_COMMAND and part not in BY_WORD]
    assert not unknown, f"{command}: no value for the README's placeholder(s) {unknown}"
    return ":".join(BY_COMMAND.get((command, part)) or BY_WORD[part] for part in parts)


def _prepare(cli: Cli) -> None:
    """The records the rows refer to (``ana`` is the first row's own member)."""
    cli("member", "add", "bo")
    cli("member", "add", "curie", "--curator")
    for external_id in ("w-original", "w-later", "w-retracted"):
        cli("contribute", "--title", external_id, "--author", "bo", "--external-id", external_id)
    cli("production", "create", "Book", "--curator", "curie", "--external-id", "book")
    cli("production", "include", "book", "w-original", "--as", "curie")
    cli("production", "publish", "book", "--as", "curie")
    cli("production", "revenue", "book", "100.00", "--as", "curie")


# Commands the tables name that are checked above but not run here: ``demo`` has a
# test of its own below, ``projections run`` follows the log until interrupted,
# ``token revoke``, ``log check-proof`` and ``notifications read`` need what an
# earlier row printed (a token's id, a proof, a notification's id):
# tests/service/http, tests/transparency and tests/service run them.
NOT_RUN = {
    "demo",
    "projections run",
    "token revoke",
    "log check-proof",
    # A proposal's window lasts 14 days: finalize waits for it, and payouts and
    # outcomes for final; tests/service/test_cli_proposal*.py run them backdated.
    "proposal finalize",
    "proposal payouts",
    "proposal outcome",
    "notifications read",
}


def test_every_table_row_runs_against_a_scratch_ledger(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = Cli(str(tmp_path / "readme.db"), capsys)
    rows = [args for synopsis in synopses() for args in invocations(synopsis, tmp_path)]
    first = rows.pop(0)
    assert first[:2] == ["member", "add"], "the tables start by registering a member"
    cli(*first)
    _prepare(cli)
    ran = []
    for args in rows:
        if " ".join(args[:2]) in NOT_RUN or args[0] in NOT_RUN:
            continue
        cli(*args)
        ran.append(args[0])
    assert {"remix", "cite", "credits", "royalties", "tree", "history", "census"} <= set(ran)


# ------------------------------------------------------------ the demo's output


def demo_sample() -> list[str]:
    block = section("What the demo shows").split("\n\n")
    lines = next(part for part in block if part.startswith("    Built the Tiny Stories"))
    return [line[4:] for line in lines.splitlines()]


def _matches_in_order(shown: list[str], printed: list[str]) -> list[str]:
    """The README lines not found, in order, among the printed ones. A README line
    may be cut short and continued on the next (a long line wrapped to fit)."""
    normal = [" ".join(line.split()) for line in printed]
    missing, at, carry = [], 0, ""
    for line in (" ".join(line.split()) for line in shown):
        if line == "...":
            continue
        wanted = f"{carry} {line}".strip() if carry else line
        while at < len(normal) and not normal[at].startswith(wanted):
            at += 1
        if at == len(normal):
            missing.append(line)
            at, carry = 0, ""
            continue
        carry = wanted if normal[at] != wanted else ""
        if not carry:
            at += 1
    return missing


def test_the_demo_prints_what_the_readme_shows(tmp_path: Path) -> None:
    done = run_console("demo", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    sample = demo_sample()
    assert len(sample) > 10
    assert _matches_in_order(sample, done.stdout.splitlines()) == []
    tree = re.search(r"writes its family tree to `([^`]+)`", section("What the demo shows"))
    assert tree is not None
    name = Path(tree[1])
    assert (tmp_path / name).exists() or (
        shutil.which("dot") is None and (tmp_path / name.with_suffix(".dot")).exists()
    )
