"""Ledgers as they were recorded before a rule existed, for the code that must still read them.

A rule checked in a command (never in an event body) can be turned off while
recording: what is recorded then is what an older version of the ledger let
through, and every reader must keep handling it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import ledger.application.members as members
import ledger.application.productions as productions
import ledger.application.works as works

__all__ = [
    "before_names_were_shared",
    "before_the_control_character_rule",
    "before_the_royalty_rule",
    "before_the_weight_rule",
]


@contextmanager
def before_the_royalty_rule() -> Iterator[None]:
    """Record citations claiming over 100%, as ledgers did before the commands refused them."""
    checked = works.check_own_split

    def unchecked(*args: Any) -> None:
        return None

    works.check_own_split = unchecked
    try:
        yield
    finally:
        works.check_own_split = checked


@contextmanager
def before_the_weight_rule() -> Iterator[None]:
    """Record any work weights (all zero, some missing), as ledgers did before
    ``choose_policy`` checked them."""
    checked = productions.ProductionCommands._check_weights

    def unchecked(*args: Any) -> None:
        return None

    productions.ProductionCommands._check_weights = unchecked  # type: ignore[method-assign]
    try:
        yield
    finally:
        productions.ProductionCommands._check_weights = checked  # type: ignore[method-assign]


@contextmanager
def before_the_control_character_rule() -> Iterator[None]:
    """Record text holding NUL and other control characters, as ledgers did before the
    commands refused them (``check_text`` asks ``refused_character``)."""
    import ledger.domain.values as values

    checked = values.refused_character

    def unchecked(text: str, *, prose: bool = False) -> None:
        return None

    values.refused_character = unchecked  # type: ignore[assignment]
    try:
        yield
    finally:
        values.refused_character = checked


@contextmanager
def before_names_were_shared() -> Iterator[None]:
    """Register external ids without claiming their names, as ledgers did before
    handles and external ids shared one namespace: an external id could then be
    another member's handle."""
    reserve = members.external_name_to_reserve

    def no_name(canonical_handle: str, external_id: str | None) -> None:
        return None

    members.external_name_to_reserve = no_name  # type: ignore[assignment]
    try:
        yield
    finally:
        members.external_name_to_reserve = reserve
