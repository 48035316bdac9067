"""Small helpers that record the usual cast of a test: members, works, a production."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from ledger import Citation, Ledger, Relation


@dataclass
class Cast:
    ledger: Ledger
    ana: UUID
    ben: UUID
    cat: UUID
    curator: UUID

    def story(self, title: str = "A tiny story", author: UUID | None = None) -> UUID:
        return self.ledger.contribute(authors=[author or self.ana], title=title, body="Once.").id

    def remix_of(self, *sources: UUID, author: UUID | None = None, title: str = "A remix") -> UUID:
        return self.ledger.remix(
            authors=[author or self.ben],
            title=title,
            kind="image",
            sources=[Citation(source, Relation.ILLUSTRATION) for source in sources],
        ).id

    def published_production(self, *works: UUID) -> UUID:
        production = self.ledger.create_production(
            title="The Tiny Book", curator_id=self.curator, actor_id=self.curator
        ).id
        for work in works:
            self.ledger.include_work(production, work, actor_id=self.curator)
        self.ledger.publish(production, actor_id=self.curator)
        return production


def cast_of(ledger: Ledger) -> Cast:
    ana = ledger.register_member(handle="ana", name="Ana A.").id
    ben = ledger.register_member(handle="ben").id
    cat = ledger.register_member(handle="cat").id
    curator = ledger.register_member(handle="curie", name="Curie").id
    ledger.grant_role(curator, "curator")
    return Cast(ledger, ana, ben, cat, curator)
