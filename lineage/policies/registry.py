"""The policies by name, and reading their parameters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction

from ledger.domain.errors import InvalidValueError
from ledger.domain.numbers import check_decimal_size, parse_bounded_fraction
from ledger.domain.values import Relation
from lineage.errors import InvalidPolicyError, UnknownPolicyError
from lineage.policies.absolute import Absolute
from lineage.policies.base import (
    RoyaltyPolicy,
)
from lineage.policies.decay import Decay
from lineage.policies.equal import Equal
from lineage.policies.flow import Flow
from lineage.policies.relative import Relative

#: The policies by name, for the CLI, the API and the PolicyChosen event.
POLICIES: dict[str, type[RoyaltyPolicy]] = {
    policy.name: policy for policy in (Equal, Decay, Absolute, Relative, Flow)
}
_PARAMETERS = {"equal": (), "decay": ("r",), "absolute": (), "relative": (), "flow": ("alpha",)}
_WEIGHT = "weight_"


def policy_from_name(name: str, **params: object) -> RoyaltyPolicy:
    """The policy named ``name``, with parameters given as exact numbers or strings.

    A parameter given as None takes its default; floats are refused as inexact.
    ``flow`` also takes ``weight_<relation>`` parameters, its relation weights.

    >>> policy_from_name("decay", r="0.3")
    Decay(r=Fraction(3, 10))
    >>> str(policy_from_name("flow", alpha="1/10", weight_inspiration="1/2"))
    'flow(alpha=1/10, weight_inspiration=1/2)'
    """
    key = name.strip().lower()
    if key not in POLICIES:
        known = ", ".join(POLICIES)
        raise UnknownPolicyError(f"royalty policy {name!r} is not one of: {known}")
    given: dict[str, Fraction] = {}
    weights: dict[str, Fraction] = {}
    for param, value in params.items():
        if value is None:
            continue
        number = parse_fraction(value, f"{key} {param}")
        if key == "flow" and param.startswith(_WEIGHT):
            weights[_relation(param.removeprefix(_WEIGHT))] = number
        elif param in _PARAMETERS[key]:
            given[param] = number
        else:
            allowed = _PARAMETERS[key]
            takes = f"takes only {', '.join(allowed)}" if allowed else "takes no parameters"
            raise InvalidPolicyError(f"royalty policy {key!r} {takes}, not {param!r}")
    if weights:
        return Flow(relation_weights=weights, **given)
    return POLICIES[key](**given)


def check_policy_choice(name: str, params: Mapping[str, str], weights: Sequence[str]) -> str:
    """Refuse a production's policy choice that the policies could not pay under.

    Reads the policy and its parameters as statements will (``policy_from_name``)
    and each work weight with the same parser; answers the policy's name as it is
    recorded. The ledger calls it as its ``policy_check`` (it knows no policies).

    >>> check_policy_choice(" Decay ", {"r": "1/3"}, ["1", "0.5"])
    'decay'
    """
    policy = policy_from_name(name, **params)
    for value in weights:
        parse_fraction(value, "weight")
    return policy.name


def _relation(name: str) -> str:
    if name not in {relation.value for relation in Relation}:
        known = ", ".join(relation.value for relation in Relation)
        raise InvalidPolicyError(f"flow: {name!r} is not a relation; relations are {known}")
    return name


def parse_fraction(value: object, what: str) -> Fraction:
    """Read an exact number: a Fraction, int, Decimal, or a string like "1/2" or "0.3".

    Strings are matched as text first (``ledger.numbers``): at most 40 characters,
    at most 18 digits in the numerator and the denominator, no exponent; so no
    arithmetic ever starts on a number too large to compute with.

    >>> parse_fraction("1e-9", "decay r")
    Traceback (most recent call last):
    ...
    lineage.errors.InvalidPolicyError: decay r '1e-9' is not a number such as "3", "0.25" or "1/3"
    """
    if isinstance(value, Fraction):
        return value
    if isinstance(value, float | bool) or not isinstance(value, str | int | Decimal):
        raise InvalidPolicyError(f'{what} {value!r} must be exact, such as "1/2" or "0.3"')
    try:
        if isinstance(value, Decimal):
            return Fraction(check_decimal_size(value, what))
        return parse_bounded_fraction(value, what)
    except InvalidValueError as error:
        raise InvalidPolicyError(str(error)) from None
