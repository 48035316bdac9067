"""The lineage budget: answers within it, 503-style refusals past it or when full."""

from __future__ import annotations

import threading
import time

import pytest

from lineage.budget import LineageBudget, LineageBusyError, LineageTooSlowError
from lineage.errors import InvalidPolicyError


def test_work_within_the_budget_answers_and_its_errors_reach_the_request() -> None:
    budget = LineageBudget(5, workers=1)
    assert budget.run(lambda: 42) == 42
    with pytest.raises(InvalidPolicyError, match="bad r"):
        budget.run(lambda: (_ for _ in ()).throw(InvalidPolicyError("bad r")))


def test_work_past_its_budget_is_refused_and_a_full_budget_refuses_at_once() -> None:
    budget = LineageBudget(0.05, workers=1)
    release = threading.Event()
    for _ in range(2):  # one runs, one waits for the worker: both past the budget
        with pytest.raises(LineageTooSlowError, match=r"budget of 0\.05s") as slow:
            budget.run(release.wait)
        assert slow.value.retry_after == 1
    with pytest.raises(LineageBusyError, match="busy"):
        budget.run(lambda: 1)
    release.set()
    for _ in range(100):  # the abandoned work ends, and frees its places
        try:
            assert budget.run(lambda: 1) == 1
            break
        except LineageTooSlowError:
            time.sleep(0.05)
    else:
        pytest.fail("the budget never freed its places")
