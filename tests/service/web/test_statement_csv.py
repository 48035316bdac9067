"""A statement's CSV defuses formulas, whatever a name an old ledger holds starts with."""

from __future__ import annotations

import csv
import io

import pytest

from ledger.application.tokens import issue_token
from tests.recorded_before import before_the_control_character_rule
from tests.service.web.conftest import Api, Member
from tests.service.web.test_pages import production_with_revenue, settled


@pytest.mark.parametrize("name", ["\n=1+1", " =1+1", "\r\n@SUM(A1)", "\u00a0+1", "\x00-1"])
def test_a_name_with_a_formula_behind_spaces_or_control_characters_is_written_as_text(
    api: Api, name: str
) -> None:
    ledger = api.services.ledger
    with before_the_control_character_rule():
        sly_id = ledger.register_member(handle="sly", name=name).id
    sly = Member(str(sly_id), "sly", issue_token(ledger, sly_id).secret)
    story = api.work(sly, "Story")
    production = production_with_revenue(api, api.curator("cora"), [story["work_id"]], "10")
    settled(api)
    download = api.get(f"/productions/{production}/statements/1.csv")
    assert download.status_code == 200, download.text
    (row,) = csv.DictReader(io.StringIO(download.text))
    assert row["credited_as"] == "'" + name
