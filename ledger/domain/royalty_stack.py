"""A remix's royalty percentages may not promise more than a whole payment.

Two rules, each checked where it binds:

- a work's own citations claim at most 100% of what it receives: no policy can
  pay more (``relative``, Story Protocol's LRP, would refuse it at payment), so
  it is checked when a citation is recorded (``remix``, ``cite``, the import);
- its ancestors' stacked claims under the ``absolute`` policy (LAP) add up to at
  most 100% of a payment to it. Only ``absolute`` pays them so (under ``relative``
  a diamond of two 100% paths is fine), so it is checked where a production pays
  the work under ``absolute`` (``ledger.paying_productions``).

Under LAP, a payment to W owes each ancestor A the sum, over every citation
``B cites A at p%``, of ``paths(W to B) * p``. That total is linear in the sources::

    claim(W) = sum over W's citations (S, p) of  p + claim(S)

so a work's stacked claim follows from its sources' claims alone, and a store of
them (``StackedClaims``) makes each check cost as much as the work's own sources.
Only when a check fails is the lineage walked to name every ancestor's share.

The rules live here, not in an ``@event`` body, so a ledger recorded before them
(or under other rules) still replays; the policies keep their own error for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from fractions import Fraction
from uuid import UUID

from ledger.domain.errors import RoyaltyOverAllocationError
from ledger.domain.values import Citation

__all__ = [
    "MAX_NAMED",
    "Lineage",
    "StackedClaims",
    "check_absolute_stack",
    "check_own_split",
    "percent_of",
    "percent_text",
]

#: How a check reads a recorded work: its title and its citations.
Lineage = Callable[[UUID], tuple[str, Sequence[Citation]]]

#: An error names at most this many ancestors (the largest claims first).
MAX_NAMED = 10

_WHOLE = Fraction(100)
_NONE = Fraction(0)


def percent_of(citation: Citation) -> Fraction:
    """A citation's declared percentage as an exact fraction of 100 (none is 0)."""
    declared = citation.royalty_percent
    return _NONE if declared is None else Fraction(declared)


def percent_text(percent: Fraction) -> str:
    """``Fraction(135)`` -> ``135%``; ``Fraction(100, 3)`` -> ``33.33...%``."""
    for digits in range(7):
        scaled = percent * 10**digits
        if scaled.denominator == 1:
            whole, part = divmod(scaled.numerator, 10**digits)
            return f"{whole}.{part:0{digits}d}%" if digits else f"{whole}%"
    return f"{float(percent):.6g}...%"


class StackedClaims:
    """Each work's stacked LAP claim (in percent), computed once per work.

    The claims are kept until ``forget``: a new citation of an existing work
    changes the claims of it and of what is built on it. At most ``limit`` are
    kept (then they are forgotten and read again as needed).
    """

    def __init__(self, limit: int = 500_000) -> None:
        self._known: dict[UUID, Fraction] = {}
        self._limit = limit

    @property
    def known(self) -> int:
        """How many works' claims are kept."""
        return len(self._known)

    def forget(self) -> None:
        self._known.clear()

    def claim(self, work_id: UUID, lineage: Lineage) -> Fraction:
        """The stacked claim of a recorded work; ``lineage`` reads what is not known yet.

        Iterative (a lineage can be thousands of generations deep).
        """
        known = self._known
        found = known.get(work_id)
        if found is not None:
            return found
        if len(known) > self._limit:
            known.clear()
        sources: dict[UUID, Sequence[Citation]] = {}
        stack = [work_id]
        while stack:
            current = stack[-1]
            if current in known:
                stack.pop()
                continue
            cited = sources.get(current)
            if cited is None:
                cited = sources[current] = lineage(current)[1]
                waiting = [c.work_id for c in cited if c.work_id not in known]
                if waiting:
                    stack.extend(waiting)
                    continue
            stack.pop()
            known[current] = stacked_claim(cited, known.__getitem__)
        return known[work_id]


def stacked_claim(sources: Iterable[Citation], claim_of: Callable[[UUID], Fraction]) -> Fraction:
    """The stacked claim of a work citing ``sources``: the sum of ``p + claim(S)``."""
    return sum((percent_of(c) + claim_of(c.work_id) for c in sources), _NONE)


def check_own_split(title: str, sources: Sequence[Citation], lineage: Lineage) -> None:
    """Refuse a work (titled ``title``) whose citations ``sources`` claim over 100%.

    Raises ``RoyaltyOverAllocationError`` naming each claiming source.
    """
    own = sum((percent_of(c) for c in sources), _NONE)
    if own > _WHOLE:
        listed = ", ".join(
            f'"{lineage(c.work_id)[0]}" {percent_text(percent_of(c))}'
            for c in sources
            if percent_of(c)
        )
        raise RoyaltyOverAllocationError(
            f'"{title}" would owe its sources {percent_text(own)} of what it receives'
            f" (at most 100%): {listed}"
        )


def check_absolute_stack(
    title: str, sources: Sequence[Citation], claims: StackedClaims, lineage: Lineage
) -> None:
    """Refuse a work citing ``sources`` whose ancestors' LAP claims stack over 100%.

    Raises ``RoyaltyOverAllocationError`` naming the stack: every ancestor's share
    of a payment to the work under the absolute policy.
    """
    total = stacked_claim(sources, lambda work_id: claims.claim(work_id, lineage))
    if total > _WHOLE:
        shares = ancestor_shares(sources, lineage)
        named = sorted((w for w in shares if shares[w]), key=lambda w: -shares[w])
        listed = ", ".join(
            f'"{lineage(w)[0]}" {percent_text(shares[w])}' for w in named[:MAX_NAMED]
        )
        if len(named) > MAX_NAMED:
            listed += f", and {len(named) - MAX_NAMED} more works"
        raise RoyaltyOverAllocationError(
            f'the royalty percentages in the lineage of "{title}" would entitle its ancestors'
            f" to {percent_text(total)} of a payment under the absolute policy (at most 100%):"
            f" {listed}"
        )


def ancestor_shares(sources: Sequence[Citation], lineage: Lineage) -> dict[UUID, Fraction]:
    """Each ancestor's LAP share (in percent) of a payment to a work citing ``sources``.

    Walks the ancestry in topological order from the work, counting paths.
    """
    cited: dict[UUID, Sequence[Citation]] = {}
    derived_count: dict[UUID, int] = {}
    stack = [c.work_id for c in sources]
    for work_id in stack:
        derived_count[work_id] = derived_count.get(work_id, 0) + 1
    while stack:
        current = stack.pop()
        if current in cited:
            continue
        cited[current] = lineage(current)[1]
        for citation in cited[current]:
            source = citation.work_id
            derived_count[source] = derived_count.get(source, 0) + 1
            stack.append(source)
    paths: dict[UUID, int] = {}
    shares: dict[UUID, Fraction] = {}
    for citation in sources:
        paths[citation.work_id] = 1
        shares[citation.work_id] = percent_of(citation)
    # A work is ready once every work citing it, the new one included, has
    # passed its path count on.
    remaining = dict(derived_count)
    for citation in sources:
        remaining[citation.work_id] -= 1
    ready = [w for w in paths if remaining[w] == 0]
    while ready:
        current = ready.pop()
        for citation in cited[current]:
            source = citation.work_id
            paths[source] = paths.get(source, 0) + paths[current]
            shares[source] = shares.get(source, _NONE) + paths[current] * percent_of(citation)
            remaining[source] -= 1
            if remaining[source] == 0:
                ready.append(source)
    return shares
