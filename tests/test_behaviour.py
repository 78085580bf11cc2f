"""Field rules of behaviour dataclasses and the errors that name the field."""

import pickle
from dataclasses import dataclass, field

import pytest
from scipy import stats

from jaffle_sim import behaviour as rule
from jaffle_sim.distributions import (
    Beta,
    Constant,
    Distribution,
    DistributionError,
    Scipy,
    Uniform,
)
from jaffle_sim.mixes import Mix


@dataclass(frozen=True)
class Example:
    delay_hours: Distribution = field(metadata=rule.distribution(non_negative=True))
    share: float = field(metadata=rule.probability())
    sessions: int = field(default=1, metadata=rule.count(minimum=1))
    rate: Distribution = field(default=Beta(0.5, 10), metadata=rule.distribution(probability=True))
    extra_hours: Distribution | None = field(
        default=None, metadata=rule.distribution(optional=True)
    )
    growth: float = field(default=0.0, metadata=rule.number(above=-1, note="(0.1 = +10%)"))
    channels: Mix = field(
        default=Mix({"a": 1.0}), metadata=rule.mix(labels=("a", "b"), what="letter")
    )
    weekly: tuple[float, ...] = field(default=(1.0,) * 7, metadata=rule.weights(7, "Mon to Sun"))
    untouched: str = "kept as given"

    def __post_init__(self) -> None:
        rule.validate(self)


@pytest.mark.parametrize(
    "changes, name, problem",
    [
        ({"delay_hours": Uniform(-2, 3)}, "delay_hours", "cannot be negative (lowest value -2)"),
        ({"delay_hours": {"kind": "uniform", "low": 1}}, "delay_hours", "uniform needs high"),
        ({"share": 1.5}, "share", "must be a probability in [0, 1], got 1.5"),
        ({"share": True}, "share", "must be a probability in [0, 1], got True"),
        ({"sessions": 0}, "sessions", "must be a whole number >= 1, got 0"),
        ({"sessions": 2.0}, "sessions", "whole number"),
        ({"rate": Uniform(0.5, 2)}, "rate", "within [0, 1], got values from 0.5 to 2"),
        ({"growth": -1}, "growth", "must be > -1 (0.1 = +10%), got -1"),
        ({"growth": "lots"}, "growth", "must be a number, got 'lots'"),
        ({"channels": Mix({"c": 1.0})}, "channels", "unknown letter(s) ['c']; expected a, b"),
        ({"channels": {"a": 0.5}}, "channels", "sum to 1"),
        ({"weekly": (1, 2, 3)}, "weekly", "needs 7 weights > 0, Mon to Sun"),
    ],
)
def test_a_rule_rejects_a_bad_value_naming_the_field(changes, name, problem):
    values = {"delay_hours": 2.0, "share": 0.5, **changes}
    with pytest.raises(DistributionError) as err:
        Example(**values)
    assert err.value.field == name
    assert problem in err.value.problem
    assert str(err.value) == f"{name}: {err.value.problem}"


def test_rules_convert_numbers_tables_and_scipy_frozen_distributions():
    frozen = stats.gamma(2.0, scale=3.0)
    e = Example(delay_hours=frozen, share=1, weekly=[1, 2, 3, 4, 5, 6, 7], channels={"b": 1.0})
    assert isinstance(e.delay_hours, Scipy) and e.delay_hours.mean == pytest.approx(6.0)
    assert e.delay_hours.frozen.dist.name == "gamma"
    assert e.weekly == (1, 2, 3, 4, 5, 6, 7) and e.channels == Mix({"b": 1.0})
    assert e.share == 1 and e.untouched == "kept as given"
    assert Example(delay_hours=4, share=0.5).delay_hours == Constant(4.0)
    table = {"kind": "uniform", "low": 1, "high": 2}
    assert Example(delay_hours=table, share=0.5).delay_hours == Uniform(1, 2)


def test_an_optional_distribution_may_be_left_out():
    assert Example(2.0, 0.5, extra_hours="none").extra_hours is None
    assert Example(2.0, 0.5, extra_hours=None).extra_hours is None
    assert Example(2.0, 0.5, extra_hours=Uniform(-1, 1)).extra_hours == Uniform(-1, 1)


def test_a_value_that_passes_is_kept_as_the_same_object():
    delay = Uniform(1, 2)
    assert Example(delay, 0.5).delay_hours is delay


def test_a_field_without_a_rule_is_not_checked():
    assert rule.RULE not in Example.__dataclass_fields__["untouched"].metadata
    assert repr(Example.__dataclass_fields__["share"].metadata[rule.RULE]) == "Rule(probability)"


def test_distribution_error_keeps_its_field_through_pickling():
    err = DistributionError("must be > 0, got -1", field="ctr")
    assert str(err) == "ctr: must be > 0, got -1" and err.problem == "must be > 0, got -1"
    back = pickle.loads(pickle.dumps(err))
    assert (back.field, back.problem, str(back)) == ("ctr", err.problem, str(err))
    bare = DistributionError("median must be > 0")
    assert bare.field is None and str(bare) == "median must be > 0"
