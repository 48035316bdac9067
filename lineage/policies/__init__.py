"""Royalty policies: how a payment attributed to one work is shared over its lineage.

A policy answers, for a payment P attributed to a work W, which exact fraction of
P each work in W's ancestry earns (W and every work it descends from, through
every path). Five policies, each a small frozen dataclass named in ``POLICIES``:
``equal``, ``decay``, ``absolute`` (Story Protocol's LAP), ``relative`` (its LRP)
and ``flow`` (personalised PageRank, in the manner of SourceCred's cred).

Per work and per member
-----------------------
A policy gives two views of the same split, each summing to exactly 1:

- ``work_shares``: each work's share, with the paths and terms behind it;
- ``member_shares``: each contributor's share, which is what credits and
  statements pay. By default a work's share is split equally among its authors
  and summed per member.

``equal`` is the one policy defined per contributor ("every distinct member of
the lineage gets the same"), so it overrides ``member_shares`` and derives its
per-work view from that: each member's share is spread evenly over the works
they made in the lineage. Splitting those work shares among authors would not
give every member the same share (co-authors may have made different numbers of
works), which is why consumers ask the policy for member shares rather than
splitting work shares themselves.

All arithmetic is exact (``fractions.Fraction``, or integers over a common
denominator), except ``flow``, which computes in fixed point: its shares are
exact multiples of 2^-128 that sum to exactly 1 (see ``lineage.policies.flow``).
Rounding to money happens only in statements. A citation without a royalty
percentage counts as 0%. Retracted works keep their shares: retraction hides a
work from rankings, not from the credits and royalties of what was built on it.
"""

from lineage.policies.absolute import Absolute
from lineage.policies.base import RoyaltyPolicy
from lineage.policies.decay import Decay
from lineage.policies.equal import Equal
from lineage.policies.flow import Flow
from lineage.policies.registry import (
    POLICIES,
    check_policy_choice,
    parse_fraction,
    policy_from_name,
)
from lineage.policies.relative import Relative
from lineage.policies.shares import (
    MemberValues,
    PathSource,
    Share,
    ShareFamily,
    Shares,
    WorkValues,
)

__all__ = [
    "POLICIES",
    "Absolute",
    "Decay",
    "Equal",
    "Flow",
    "MemberValues",
    "PathSource",
    "Relative",
    "RoyaltyPolicy",
    "Share",
    "ShareFamily",
    "Shares",
    "WorkValues",
    "check_policy_choice",
    "parse_fraction",
    "policy_from_name",
]
