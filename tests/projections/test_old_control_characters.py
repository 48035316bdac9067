"""A ledger that holds text recorded before control characters were refused still projects.

PostgreSQL's text columns cannot hold NUL: one such title used to stop the
projector for good (rankings and histories frozen, every ``?after=`` read 503).
"""

from __future__ import annotations

import logging

import pytest

from ledger import Ledger
from projections.projector import Projector
from projections.storable import REPLACEMENT
from tests.conftest import BACKENDS, Databases
from tests.projections.stores import ledger_and_models
from tests.recorded_before import before_the_control_character_rule


def record_old_text(ledger: Ledger) -> None:
    with before_the_control_character_rule():
        ana = ledger.register_member(handle="ana", name="Ana\u0000A.").id
        ledger.contribute(authors=[ana], title="nul\u0000title", body="x\u0000y")
        ledger.rename_member(ana, name="Ana\u0000\u001b[2J")
        ledger.contribute(authors=[ana], title="T1 \u001b[31m\r\n")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("path", ["incremental", "rebuild"])
def test_old_text_with_nul_projects_on_every_backend_with_one_warning_each(
    databases: Databases, backend: str, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    ledger, models = ledger_and_models(databases, backend)
    record_old_text(ledger)
    projector: Projector = models.projector
    with caplog.at_level(logging.WARNING, logger="remix_ledger.projections"):
        if path == "rebuild":
            projector.rebuild()
        else:
            projector.catch_up()
    assert projector.position == ledger.head
    titles = sorted(ranked.work.title for ranked in models.rankings(limit=10))
    assert titles == sorted([f"nul{REPLACEMENT}title", "T1 \u001b[31m\r\n"])
    (member,) = models.leaderboard(limit=10)
    assert member.name == f"Ana{REPLACEMENT}\u001b[2J"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 3, warnings
    assert "the title recorded at position" in " ".join(warnings)


def test_the_log_keeps_the_text_as_recorded(databases: Databases) -> None:
    ledger, models = ledger_and_models(databases, "postgres")
    record_old_text(ledger)
    models.projector.catch_up()
    titles = {ledger.work(ranked.work.work_id).title for ranked in models.rankings(limit=10)}
    assert "nul\u0000title" in titles


def test_new_writes_after_old_text_are_projected(databases: Databases) -> None:
    ledger, models = ledger_and_models(databases, "postgres")
    record_old_text(ledger)
    models.projector.catch_up()
    ana = ledger.find_member("ana")
    ledger.contribute(authors=[ana], title="Fresh")
    models.projector.catch_up()
    assert "Fresh" in {ranked.work.title for ranked in models.rankings(limit=10)}
