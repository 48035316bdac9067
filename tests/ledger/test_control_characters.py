"""Control characters are refused when an act is recorded, in every text field.

NUL cannot be stored in a PostgreSQL text column, so one recorded title used to
stop the read models for good; escape sequences and line breaks in a name let it
pass for another on a terminal, in a CSV or a DOT file. Bodies and comments are
prose: tab and line breaks are text there.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given

from ledger import Citation, Ledger, Money, Relation
from ledger.application.tokens import issue_token
from ledger.archive import import_archive
from ledger.domain.errors import ArchiveError, ControlCharacterError, LedgerError
from ledger.domain.values import check_text, refused_character
from tests.builders import Cast, cast_of
from tests.strategies import hostile_text, one_line_text, prose_text

HOSTILE = ["nul\u0000title", "bell\u0007", "esc\u001b[31mred", "two\nlines", "cr\rhere",
           "del\u007f", "c1\u0085", "line\u2028sep", "para\u2029sep", "rlo\u202eevil",
           "isolate\u2066x\u2069", "lone\ud800surrogate"]  # fmt: skip


@pytest.fixture
def cast(ledger: Ledger) -> Cast:
    return cast_of(ledger)


def commands(cast: Cast) -> dict[str, Callable[[str], Any]]:
    """Every command with a text field, each given the text in that one field."""
    led = cast.ledger
    work = cast.story()
    production = cast.published_production(work)
    to_retract = cast.story()
    return {
        "handle": lambda t: led.register_member(handle=t),
        "name": lambda t: led.register_member(handle="newbie", name=t),
        "member external id": lambda t: led.register_member(handle="newbie", external_id=t),
        "rename": lambda t: led.rename_member(cast.ana, name=t),
        "pseudonym": lambda t: led.set_credit_preference(cast.ana, "pseudonym", pseudonym=t),
        "title": lambda t: led.contribute(authors=[cast.ana], title=t),
        "licence": lambda t: led.contribute(authors=[cast.ana], title="x", license=t),
        "uri": lambda t: led.contribute(authors=[cast.ana], title="x", uri=t),
        "work external id": lambda t: led.contribute(authors=[cast.ana], title="x", external_id=t),
        "remix title": lambda t: led.remix(
            authors=[cast.ben], title=t, sources=[Citation(work, Relation.REMIX)]
        ),
        "retraction reason": lambda t: led.retract_work(to_retract, reason=t),
        "comment external id": lambda t: led.comment(
            work_id=work, author_id=cast.ben, text="fine", external_id=t
        ),
        "production title": lambda t: led.create_production(title=t, curator_id=cast.curator),
        "production external id": lambda t: led.create_production(
            title="x", curator_id=cast.curator, external_id=t
        ),
        "revenue external id": lambda t: led.record_revenue(
            production, Money.parse("10", "USD"), external_id=t
        ),
        "token label": lambda t: issue_token(led, cast.ana, label=t),
    }


@pytest.mark.parametrize("text", ["nul\u0000title", "esc\u001b[2J", "two\nlines", "rlo\u202e"])
def test_every_one_line_text_field_refuses_control_characters(cast: Cast, text: str) -> None:
    for field, command in commands(cast).items():
        head = cast.ledger.head
        with pytest.raises(LedgerError) as raised:
            command(text)
        assert cast.ledger.head == head, field
        if field != "handle":  # a handle is refused by its own pattern, as before
            assert raised.type is ControlCharacterError, field


@pytest.mark.parametrize("text", ["nul\u0000", "bell\u0007", "lone\rreturn", "lone\ud800"])
def test_bodies_and_comments_refuse_control_characters_other_than_tab_and_newlines(
    cast: Cast, text: str
) -> None:
    led = cast.ledger
    work = cast.story()
    head = led.head
    with pytest.raises(ControlCharacterError, match="body holds"):
        led.contribute(authors=[cast.ana], title="x", body=text)
    with pytest.raises(ControlCharacterError, match="comment holds"):
        led.comment(work_id=work, author_id=cast.ben, text=text)
    assert led.head == head


def test_bodies_and_comments_keep_tabs_and_line_endings_as_written(cast: Cast) -> None:
    led = cast.ledger
    body = "Once,\tupon\na time.\r\nThe end.\u2028"
    work = led.contribute(authors=[cast.ana], title="Lines", body=body).id
    comment = led.comment(work_id=work, author_id=cast.ben, text="Nice\r\n\tindeed").id
    assert led.work(work).body == body
    assert led.comment_record(comment).text == "Nice\r\n\tindeed"


def test_the_error_names_the_field_the_character_and_where_it_is() -> None:
    with pytest.raises(ControlCharacterError) as raised:
        check_text("title", "nul\u0000title", 200)
    assert str(raised.value) == (
        "title holds a control character (U+0000) at character 4;"
        " it must be one line of visible text"
    )


def test_emoji_joiners_direction_marks_and_other_scripts_are_text() -> None:
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # ZWNJ between words
    for text in ["👩\u200d👩\u200d👧", persian, "שלום\u200f!", "naïve café", "a\u00a0b"]:
        assert check_text("title", text, 200) == text


@given(hostile_text)
def test_hostile_text_is_refused_in_one_line_fields(text: str) -> None:
    assert refused_character(text) is not None


@given(one_line_text)
def test_recordable_one_line_text_is_accepted(text: str) -> None:
    assert refused_character(text) is None


@given(prose_text)
def test_recordable_prose_is_accepted(text: str) -> None:
    assert refused_character(text, prose=True) is None


WORK = {"type": "work", "id": "w1", "title": "T", "kind": "text", "authors": ["m1"]}


@pytest.mark.parametrize("fast_path", [True, False])
@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"type": "member", "id": "m2", "handle": "bo", "name": "Bo\u0000"}, "name"),
        ({**WORK, "title": "T\u001b"}, "title"),
        ({**WORK, "body": "\u0000"}, "body"),
        ({**WORK, "id": "w\n1"}, "external id"),
    ],
)
def test_the_import_refuses_control_characters_at_their_line(
    ledger: Ledger, fast_path: bool, line: dict[str, Any], field: str
) -> None:
    lines = [
        json.dumps({"type": "archive", "format": "remix-ledger-archive", "version": 1}),
        json.dumps({"type": "member", "id": "m1", "handle": "ana"}),
        json.dumps(line),
    ]
    with pytest.raises(ArchiveError, match=rf"^old\.jsonl:3: .*{field} holds"):
        import_archive(ledger, lines, source="old.jsonl", fast_path=fast_path)
    assert ledger.head == 0


def test_a_policy_name_holding_a_control_character_is_refused(cast: Cast) -> None:
    work = cast.story()
    production = cast.published_production(work)
    with pytest.raises(ControlCharacterError):
        cast.ledger.choose_policy(production, "equal\u0000", pool_percent=Decimal(50))
