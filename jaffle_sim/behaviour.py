"""Validation of behaviour dataclasses from field metadata.

A frozen behaviour dataclass states the rule of each field next to the field, and validates itself
in `__post_init__`:

    from jaffle_sim import behaviour as rule

    @dataclass(frozen=True)
    class ShopBehaviour:
        order_amount_cents: Distribution = field(metadata=rule.distribution(non_negative=True))
        return_share: float = field(metadata=rule.probability())

        def __post_init__(self) -> None:
            rule.validate(self)

`validate` walks the fields in their declared order and applies each field's `Rule`, which returns
the value to keep (a rule may convert: a number or a scipy.stats frozen distribution becomes a
`Distribution`, a list of weights a tuple) or raises. The first problem raises a
`DistributionError` whose `field` is the field's name and whose message starts with it
(`"return_share: must be a probability in [0, 1], got 1.5"`), so the scenario layer can name the
dotted key. Checks that relate two fields stay in the class's `__post_init__`, after `validate`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from jaffle_sim.distributions import Distribution, DistributionError, from_dict
from jaffle_sim.mixes import Mix

RULE = "jaffle_sim.behaviour.rule"  # the key of a field's rule in its metadata


@dataclass(frozen=True)
class Rule:
    """The check of one field: `check(value)` returns the value to store, or raises a
    `DistributionError` about the value (without the field's name; `validate` adds it)."""

    name: str
    check: Callable[[Any], Any]

    def __repr__(self) -> str:
        return f"Rule({self.name})"


def validate(obj: Any) -> None:
    """Apply the rule of every field of the dataclass instance `obj` (frozen or not) that has one,
    storing converted values; raise a `DistributionError` naming the first field in error."""
    for f in fields(obj):
        rule = f.metadata.get(RULE)
        if rule is None:
            continue
        value = getattr(obj, f.name)
        try:
            checked = rule.check(value)
        except DistributionError as exc:
            raise DistributionError(str(exc), field=f.name) from None
        if checked is not value:
            object.__setattr__(obj, f.name, checked)


def _metadata(name: str, check: Callable[[Any], Any]) -> Mapping[str, Rule]:
    return {RULE: Rule(name, check)}


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


# -- rules ----------------------------------------------------------------------------------------


def distribution(
    *, non_negative: bool = False, probability: bool = False, optional: bool = False
) -> Mapping[str, Rule]:
    """A `Distribution`, also given as its TOML form, a plain number (a constant) or a scipy.stats
    frozen distribution. `non_negative`: no value below 0 (a delay, an amount, a rate);
    `probability`: every value in [0, 1]; `optional`: None or "none" leaves it out (stored None).
    """

    def check(value: Any) -> Distribution | None:
        if optional and (value is None or (isinstance(value, str) and value == "none")):
            return None
        dist = from_dict(value)
        lo, hi = dist.support
        if probability and not (lo >= 0 and hi <= 1):
            raise DistributionError(
                f"a probability must stay within [0, 1], got values from {lo:g} to {hi:g} "
                '(kind = "beta" fits)'
            )
        if non_negative and lo < 0:
            raise DistributionError(f"a delay or amount cannot be negative (lowest value {lo:g})")
        return dist

    kind = "probability" if probability else "non-negative" if non_negative else "any"
    return _metadata(f"distribution, {kind}{', optional' if optional else ''}", check)


def probability() -> Mapping[str, Rule]:
    """A plain probability: a number in [0, 1]."""

    def check(value: Any) -> Any:
        if not (_is_number(value) and 0 <= value <= 1):
            raise DistributionError(f"must be a probability in [0, 1], got {value!r}")
        return value

    return _metadata("probability", check)


def number(
    *, minimum: float | None = None, above: float | None = None, note: str = ""
) -> Mapping[str, Rule]:
    """A finite number, at least `minimum` and/or greater than `above`; `note` explains the unit
    in the message (e.g. "(0.06 = +6% a month)")."""
    bounds = [f">= {minimum:g}"] if minimum is not None else []
    bounds += [f"> {above:g}"] if above is not None else []
    suffix = f" {note}" if note else ""

    def check(value: Any) -> Any:
        if not _is_number(value):
            raise DistributionError(f"must be a number, got {value!r}")
        if (minimum is not None and value < minimum) or (above is not None and value <= above):
            raise DistributionError(f"must be {' and '.join(bounds)}{suffix}, got {value!r}")
        return value

    return _metadata(f"number {' and '.join(bounds)}".rstrip(), check)


def count(minimum: int = 0) -> Mapping[str, Rule]:
    """A whole number (not a bool) of at least `minimum`."""

    def check(value: Any) -> Any:
        if not (isinstance(value, int) and not isinstance(value, bool) and value >= minimum):
            raise DistributionError(f"must be a whole number >= {minimum}, got {value!r}")
        return value

    return _metadata(f"count >= {minimum}", check)


def mix(*, labels: Sequence[str], what: str) -> Mapping[str, Rule]:
    """A `Mix` (also given as a mapping of label to share) whose labels are among `labels`;
    `what` names one label in the message ("channel", "method")."""
    allowed = tuple(labels)

    def check(value: Any) -> Mix:
        if isinstance(value, Mix):
            shares = value
        elif isinstance(value, Mapping):
            shares = Mix(value)
        else:
            raise DistributionError(f"expected a mix of label = share, got {value!r}")
        unknown = set(shares.labels) - set(allowed)
        if unknown:
            raise DistributionError(
                f"unknown {what}(s) {sorted(unknown)}; expected {', '.join(allowed)}"
            )
        return shares

    return _metadata(f"mix of {', '.join(allowed)}", check)


def weights(n: int, meaning: str) -> Mapping[str, Rule]:
    """Exactly `n` relative weights, each a number > 0, stored as a tuple; `meaning` says what they
    stand for in the message ("Monday to Sunday")."""

    def check(value: Any) -> tuple[Any, ...]:
        try:
            items = tuple(value)
        except TypeError:
            items = ()
        if len(items) != n or not all(_is_number(w) and w > 0 for w in items):
            raise DistributionError(f"needs {n} weights > 0, {meaning}")
        return items

    return _metadata(f"{n} weights > 0", check)
