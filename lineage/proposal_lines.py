"""The revision math of Community Payment Proposals: pure functions over lines.

Shares are exact (``Fraction``, of the pool) and are rounded once, to the minor
unit, by ``lineage.rounding.largest_remainder`` (ties to the smaller member id),
so the amounts always add up to the pool. This lives in the lineage layer, beside
the rounding it shares with the statements: the ledger may not import the lineage,
and it receives the lines computed here (and checks they fit the pool).

A line is ``{"member_id", "amount_minor", "share": "n/d", "role", "explanation"}``;
lines with a ``role`` are role credits, the others the lineage split.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any
from uuid import UUID

from ledger.domain.errors import InvalidValueError
from lineage.rounding import largest_remainder

__all__ = [
    "apply_revision",
    "base_lines",
    "override_share",
    "parse_role_credit",
    "return_share",
    "role_credit",
]

Line = dict[str, Any]
Shares = dict[tuple[str, str | None], Fraction]


def base_lines(
    shares: Mapping[UUID, Fraction],
    explanations: Mapping[UUID, list[Any]],
    pool_minor: int,
) -> list[Line]:
    """Lines from a statement's exact shares over ``pool_minor``.

    >>> from uuid import UUID
    >>> a, b = UUID(int=1), UUID(int=2)
    >>> lines = base_lines({a: Fraction(2, 3), b: Fraction(1, 3)}, {}, 100)
    >>> [line["amount_minor"] for line in lines]
    [67, 33]
    """
    keyed: Shares = {(str(m), None): share for m, share in shares.items()}
    notes: dict[tuple[str, str | None], list[Any]] = {
        (str(m), None): list(explanations.get(m, [])) for m in shares
    }
    return _lines(keyed, notes, pool_minor)


def _shares(lines: Sequence[Line]) -> tuple[Shares, dict[tuple[str, str | None], list[Any]]]:
    shares: Shares = {}
    notes: dict[tuple[str, str | None], list[Any]] = {}
    for line in lines:
        key = (str(line["member_id"]), line.get("role"))
        shares[key] = shares.get(key, Fraction(0)) + Fraction(str(line["share"]))
        notes[key] = list(line.get("explanation") or [])
    return shares, notes


def _lines(
    shares: Shares, notes: Mapping[tuple[str, str | None], list[Any]], pool_minor: int
) -> list[Line]:
    total = sum(shares.values(), Fraction(0))
    if total != 1:
        raise InvalidValueError(f"the shares must add up to the whole pool, not {total}")
    amounts = largest_remainder(shares, pool_minor, tie_break=lambda k: (k[0], k[1] or ""))
    ordered = sorted(shares, key=lambda k: (-shares[k], k[0], k[1] or ""))
    return [
        {
            "member_id": member,
            "amount_minor": amounts[(member, role)],
            "share": f"{shares[(member, role)].numerator}/{shares[(member, role)].denominator}",
            "role": role,
            "explanation": list(notes.get((member, role), [])),
        }
        for member, role in ordered
    ]


def _scale_lineage(shares: Shares, to: Fraction) -> Shares:
    """Scale the lineage (non-role) lines so they add up to ``to``, proportionally."""
    lineage = {k: v for k, v in shares.items() if k[1] is None}
    total = sum(lineage.values(), Fraction(0))
    if total == 0:
        if to != 0:
            raise InvalidValueError("no lineage line is left to take the rest of the pool")
        return {**shares}
    factor = to / total
    return {k: (v * factor if k[1] is None else v) for k, v in shares.items()}


def _roles_total(shares: Shares) -> Fraction:
    return sum((v for k, v in shares.items() if k[1] is not None), Fraction(0))


def parse_role_credit(text: str) -> tuple[str, Fraction, list[str]]:
    """``"Editors=5:ann,bo"`` -> ``("Editors", 5/100, ["ann", "bo"])`` (members as written).

    >>> parse_role_credit("Editors=5:ann,bo")
    ('Editors', Fraction(1, 20), ['ann', 'bo'])
    """
    role, _, rest = text.partition("=")
    percent, _, members = rest.partition(":")
    names = [name.strip() for name in members.split(",") if name.strip()]
    try:
        value = Fraction(percent.strip()) / 100
    except (ValueError, ZeroDivisionError):
        raise InvalidValueError(f"a role credit is ROLE=PERCENT:MEMBER,..., not {text!r}") from None
    if not role.strip() or not names or not 0 < value < 1:
        raise InvalidValueError(f"a role credit is ROLE=PERCENT:MEMBER,..., not {text!r}")
    return role.strip(), value, names


def role_credit(
    lines: Sequence[Line], pool_minor: int, role: str, percent: Fraction, members: Sequence[str]
) -> list[Line]:
    """``percent`` of the pool to ``role``, split equally among ``members``, taken
    before the lineage split (the lineage lines shrink proportionally)."""
    shares, notes = _shares(lines)
    shares = {k: v for k, v in shares.items() if k[1] != role}
    roles = _roles_total(shares) + percent
    if roles >= 1:
        raise InvalidValueError("role credits would take the whole pool")
    shares = _scale_lineage(shares, 1 - roles)
    each = percent / len(members)
    for member in dict.fromkeys(members):
        shares[(member, role)] = each
        notes[(member, role)] = [{"role_credit": role, "percent": _n_d(percent * 100)}]
    return _lines(shares, notes, pool_minor)


def return_share(lines: Sequence[Line], pool_minor: int, member: str) -> list[Line]:
    """Cross out ``member``'s lines; their share goes to the other lineage lines, proportionally."""
    shares, notes = _shares(lines)
    if not any(k[0] == member for k in shares):
        raise InvalidValueError("the proposal has no line for that member")
    kept = {k: v for k, v in shares.items() if k[0] != member}
    if not any(k[1] is None for k in kept):
        raise InvalidValueError("no other lineage line is left to take the returned share")
    kept = _scale_lineage(kept, 1 - _roles_total(kept))
    return _lines(kept, notes, pool_minor)


def override_share(
    lines: Sequence[Line], pool_minor: int, member: str, percent: Fraction
) -> list[Line]:
    """Set ``member``'s lineage line to ``percent`` of the pool (adding it when they
    were left out); the other lineage lines are scaled proportionally."""
    shares, notes = _shares(lines)
    roles = _roles_total(shares)
    if not 0 <= percent <= 1 - roles:
        raise InvalidValueError(
            f"an override is from 0 to {_percent(1 - roles)} percent (what role credits leave)"
        )
    key = (member, None)
    others = {k: v for k, v in shares.items() if k != key}
    if percent < 1 - roles and not any(k[1] is None for k in others):
        raise InvalidValueError("no other lineage line is left to take the rest")
    result = _scale_lineage(others, 1 - roles - percent) if others else {}
    result[key] = percent
    notes.setdefault(key, [])
    notes[key] = [*notes[key], {"override": _n_d(percent * 100)}]
    return _lines({k: v for k, v in result.items() if v != 0 or k == key}, notes, pool_minor)


def apply_revision(
    lines: Sequence[Line], pool_minor: int, kind: str, change: Mapping[str, Any]
) -> list[Line]:
    """Re-apply a recorded revision (its ``change``) to other lines (a recompute)."""
    if kind == "role_credit":
        return role_credit(
            lines, pool_minor, change["role"], Fraction(change["percent"]) / 100, change["members"]
        )
    if kind == "return_share":
        return return_share(lines, pool_minor, change["member_id"])
    if kind == "override":
        return override_share(
            lines, pool_minor, change["member_id"], Fraction(change["percent"]) / 100
        )
    return list(lines)


def _n_d(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def _percent(value: Fraction) -> str:
    return str(float(value * 100))
