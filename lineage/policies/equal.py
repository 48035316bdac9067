"""``equal``: every distinct contributor gets the same share."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import ClassVar

from lineage.ancestry import Ancestry
from lineage.exact import Over, over_fractions, primes_of
from lineage.policies.base import (
    RoyaltyPolicy,
)
from lineage.policies.shares import MemberValues, WorkValues


@dataclass(frozen=True)
class Equal(RoyaltyPolicy):
    """Every distinct contributor to the lineage gets the same share.

    With n distinct authors among W and all its ancestors, each member gets 1/n,
    however many works they made. Per work, a member's 1/n is spread evenly over
    the works they made in the lineage.

    Examples
    --------
    Ana wrote A; Ana and Ben made B from it; Ben made C from B. Two contributors:

    >>> from ledger import Citation, Relation, open_ledger
    >>> from lineage.graph import LineageGraph
    >>> ledger = open_ledger("memory://")
    >>> ana, ben = (ledger.register_member(handle=h).id for h in ("ana", "ben"))
    >>> a = ledger.contribute(authors=[ana], title="A").id
    >>> b = ledger.remix(authors=[ana, ben], title="B", sources=[Citation(a, Relation.EDIT)]).id
    >>> c = ledger.remix(authors=[ben], title="C", sources=[Citation(b, Relation.EDIT)]).id
    >>> lineage = LineageGraph.from_ledger(ledger)
    >>> members = Equal().member_shares(lineage, c)
    >>> str(members[ana].value), str(members[ben].value)
    ('1/2', '1/2')
    >>> works = Equal().work_shares(lineage, c)
    >>> [str(works[w].value) for w in (c, b, a)]
    ['1/4', '1/2', '1/4']
    """

    name: ClassVar[str] = "equal"

    def member_values(self, ancestry: Ancestry) -> MemberValues:
        members = tuple(ancestry.member_works)
        count = len(members)
        terms = (
            f'one of {count} contributors to the lineage of "{ancestry.title(ancestry.seed)}"',
        )
        values = Over([1] * count, count, primes_of(count))
        return MemberValues(members, values, lambda _: terms)

    def work_values(self, ancestry: Ancestry) -> WorkValues:
        made = ancestry.member_works
        each = Fraction(1, len(made))
        values = over_fractions(
            sum((each / len(made[author]) for author in authors), Fraction(0))
            for authors in ancestry.author_numbers
        )
        terms = (f"1/{len(made)} of each author, spread over the works they made",)
        return WorkValues(values, lambda _: terms)
