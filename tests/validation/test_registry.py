"""The one registry of anomaly kinds: every kind declared completely, applied in the documented
order (values, then rows, then the type change)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import yaml

from jaffle_sim.validation.anomalies import DEFAULT_ANOMALIES, KINDS, ORDER, Anomaly, inject
from jaffle_sim.validation.registry import KindRegistry, Stage, Tables
from jaffle_sim.warehouse.dbt_project import bundled_project_dir
from tests.validation.conftest import DATES, DAY, END

# The order the kinds are applied in; it fixes the planted bytes, so a change here is a change
# of the output.
APPLICATION_ORDER = (
    "invalid_status",
    "hour_shift",
    "zero_amounts",
    "amount_shift",
    "method_mix_shift",
    "blank_first_names",
    "names_swapped",
    "shared_email",
    "duplicate_order_ids",
    "duplicate_signup_ids",
    "volume_spike",
    "orphan_signups",
    "volume_drop",
    "customers_without_signup",
    "freshness_gap",
    "schema_change",
)


@pytest.mark.parametrize("name", KINDS)
def test_every_kind_is_declared_completely(name: str) -> None:
    kind = KINDS[name]
    assert kind.name == name
    assert callable(kind.inject)
    assert kind.table in ("customers", "orders", "payments", "signups")
    assert kind.expected_tests and all(isinstance(t, str) and t for t in kind.expected_tests)
    assert len(set(kind.expected_tests)) == len(kind.expected_tests)
    assert kind.description
    assert isinstance(kind.stage, Stage)
    assert ORDER.index(name) == kind.position
    Anomaly(name, -1, dict(kind.defaults))  # its defaults pass its own validation


def _named_tests(folder: str) -> set[str]:
    """The explicit names of the data tests in the yml files under the project's `folder`."""
    names = set()
    for path in (bundled_project_dir() / folder).rglob("*.yml"):
        for model in yaml.safe_load(path.read_text()).get("models", []):
            columns = model.get("columns", [])
            for test in [
                *model.get("data_tests", []),
                *(t for c in columns for t in c.get("data_tests", [])),
            ]:
                if isinstance(test, dict):
                    (args,) = test.values()
                    if isinstance(args, dict) and "name" in args:
                        names.add(args["name"])
    return names


def test_every_expected_test_is_a_test_of_the_validation_flavour() -> None:
    """anomalies.json names the tests of the validation flavour's models (the ones a validation
    run fails), never a training test."""
    validation, training = _named_tests("models/validation"), _named_tests("models/staging")
    training |= _named_tests("models/monitoring")
    expected = {t for kind in KINDS.values() for t in kind.expected_tests}
    assert expected <= validation, sorted(expected - validation)
    assert not expected & training


def test_the_order_reproduces_the_documented_stages() -> None:
    assert len(KINDS) == 16
    assert ORDER == tuple(KINDS) == APPLICATION_ORDER
    assert sorted(k.position for k in KINDS.values()) == list(range(len(KINDS)))
    stages = [KINDS[name].stage for name in ORDER]
    assert stages == sorted(stages)
    assert [n for n in ORDER if KINDS[n].stage is Stage.TYPE] == ["schema_change"]
    assert all(KINDS[n].column is not None for n in ORDER if KINDS[n].stage is Stage.VALUES)
    assert {a.kind for a in DEFAULT_ANOMALIES} == set(KINDS)


def test_a_share_is_taken_before_the_whole_day_goes(clean: Tables) -> None:
    """volume_drop comes before freshness_gap: it removes its share of the day's real orders,
    and the gap takes the rest, whatever order the anomalies are listed in."""
    n_day = int((clean.order_dates() == DAY).sum())
    for listed in (("freshness_gap", "volume_drop"), ("volume_drop", "freshness_gap")):
        anomalies = [Anomaly(kind, -3) for kind in listed]
        dirty, planted = inject(clean, anomalies, DATES, seed=1, up_to=END)
        rows = {p.anomaly.kind: p.rows for p in planted}
        assert rows["volume_drop"] == round(0.8 * n_day) > 0
        assert rows["freshness_gap"] == n_day - rows["volume_drop"] > 0
        assert not (dirty.order_dates() == DAY).any()


def test_a_registry_refuses_incomplete_or_repeated_kinds() -> None:
    registry = KindRegistry()

    def declare(name: str, table: str = "orders", tests: tuple[str, ...] = ("t",)) -> None:
        def nothing(t: Tables, p: Any, day: dt.date, rng: Any) -> int:
            return 0

        registry.kind(
            name, table=table, column=None, stage=Stage.ROWS, expected_tests=tests, description=""
        )(nothing)

    declare("k")
    assert list(registry.kinds()) == ["k"] and registry.kinds()["k"].defaults == {}
    with pytest.raises(ValueError, match="declared twice"):
        declare("k")
    with pytest.raises(ValueError, match="unknown table"):
        declare("x", table="sessions")
    with pytest.raises(ValueError, match="no test"):
        declare("y", tests=())
    assert list(registry.kinds()) == ["k"]
