"""Teach eventsourcing's JSON transcoder the two value types that events carry.

Without these the store could not write a Citation or Money; with them the stored
JSON stays plain and readable (``{"_type_": "citation", "_data_": {...}}``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder, Transcoding

from ledger.domain.values import Citation, Money, Relation

__all__ = ["register_ledger_transcodings"]


class CitationAsDict(Transcoding):
    type = Citation
    name = "citation"

    def encode(self, obj: Citation) -> dict[str, Any]:
        percent = obj.royalty_percent
        return {
            "work_id": obj.work_id.hex,
            "relation": obj.relation.value,
            "royalty_percent": None if percent is None else str(percent),
        }

    def decode(self, data: dict[str, Any]) -> Citation:
        percent = data["royalty_percent"]
        return Citation(
            work_id=UUID(data["work_id"]),
            relation=Relation(data["relation"]),
            royalty_percent=None if percent is None else Decimal(percent),
        )


class MoneyAsDict(Transcoding):
    type = Money
    name = "money"

    def encode(self, obj: Money) -> dict[str, Any]:
        return {"minor_units": obj.minor_units, "currency": obj.currency}

    def decode(self, data: dict[str, Any]) -> Money:
        return Money(minor_units=int(data["minor_units"]), currency=str(data["currency"]))


def register_ledger_transcodings(transcoder: JSONTranscoder) -> None:
    """Register the ledger's value types on ``transcoder``."""
    transcoder.register(CitationAsDict())
    transcoder.register(MoneyAsDict())
