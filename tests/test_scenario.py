import subprocess
import sys

import pytest
from scipy import stats

from jaffle_sim.distributions import Constant, LogNormal, Scipy
from jaffle_sim.simulation.scenario import Scenario, ScenarioError


def test_default_round_trips_through_plain_dict():
    scenario = Scenario.default()
    assert Scenario.from_dict(scenario.to_dict()) == scenario


def test_updated_changes_one_value_and_keeps_the_rest():
    base = Scenario.default()
    changed = base.updated({"journey.return_probability": 0.4, "traffic.session_minutes.median": 9})
    assert changed.journey.return_probability == 0.4
    assert changed.traffic.session_minutes == LogNormal(median=9, sigma=0.75, low=1, high=45)
    assert changed.shop == base.shop


def test_numbers_and_scipy_distributions_are_accepted():
    s = Scenario.default().updated({"journey.return_delay_hours": 12})
    assert s.journey.return_delay_hours == Constant(12.0)
    s = Scenario.default().updated({"traffic.session_minutes": stats.uniform(1, 20)})
    assert isinstance(s.traffic.session_minutes, Scipy)


@pytest.mark.parametrize(
    "changes, key, problem",
    [
        (
            {"journey.return_probability": 1.5},
            "journey.return_probability",
            "probability in [0, 1]",
        ),
        ({"journey.nope": 1}, "journey.nope", "unknown key"),
        ({"nope": 1}, "nope", "unknown key"),
        (
            {"shop.payment_methods": {"credit_card": 0.5, "coupon": 0.2}},
            "shop.payment_methods",
            "sum to 1",
        ),
        (
            {"shop.ship_hours": {"kind": "uniform", "low": -5, "high": 3}},
            "shop.ship_hours",
            "cannot be negative",
        ),
        (
            {"ads.google.ctr": {"kind": "uniform", "low": 0.5, "high": 2}},
            "ads.google.ctr",
            "within [0, 1]",
        ),
        ({"customers.existing_customers": 10.5}, "customers.existing_customers", "whole number"),
        ({"demand.weekly": [1, 2, 3]}, "demand.weekly", "7 weights"),
        (
            {"journey.order_timing.same_day_share": 2},
            "journey.order_timing.same_day_share",
            "probability",
        ),
        (
            {"journey.return_channels": {"tiktok": 1.0}},
            "journey.return_channels",
            "unknown channel",
        ),
        ({"traffic.visit_hours": [1, 2]}, "traffic.visit_hours", "24 weights"),
        ({"shop.second_payment_share": "half"}, "shop.second_payment_share", "number"),
        (
            {"customers.repeat_channels": {"organic": 0.5, "tiktok": 0.5}},
            "customers.repeat_channels",
            "unknown channel(s) ['tiktok']",
        ),
        (
            {"customers.churn_after_order": {"kind": "uniform", "low": 0, "high": 2}},
            "customers.churn_after_order",
            "within [0, 1]",
        ),
        ({"journey.max_sessions": 0}, "journey.max_sessions", "whole number >= 1"),
        ({"demand.growth_per_30_days": -1.5}, "demand.growth_per_30_days", "> -1"),
        (
            {"journey.order_timing.max_gap_hours": 30},
            "journey.order_timing.max_gap_hours",
            "must exceed min_gap_hours",
        ),
        (
            {"journey.order_timing.gap_hours": {"kind": "uniform", "low": -3, "high": 2}},
            "journey.order_timing.gap_hours",
            "cannot be negative",
        ),
        (
            {"journey.order_timing.gap_hours": {"kind": "uniform", "low": 3}},
            "journey.order_timing.gap_hours",
            "uniform needs high",
        ),
    ],
)
def test_invalid_values_name_the_key(changes, key, problem):
    with pytest.raises(ScenarioError) as err:
        Scenario.default().updated(changes)
    assert err.value.key == key
    assert problem in err.value.problem


def test_mix_is_replaced_whole_by_an_overlay():
    s = Scenario.from_dict({"shop": {"payment_methods": {"credit_card": 1.0}}})
    assert s.shop.payment_methods.labels == ["credit_card"]


def test_conversion_delay_distribution_through_toml_keys():
    s = Scenario.default().updated(
        {"journey.order_timing.gap_hours": {"kind": "lognormal", "median": 5, "sigma": 0.6}}
    )
    assert s.journey.order_timing.gap_hours == LogNormal(median=5, sigma=0.6)
    assert Scenario.from_dict(s.to_dict()) == s
    assert Scenario.default().to_dict()["journey"]["order_timing"]["gap_hours"] == "none"
    back = s.updated({"journey.order_timing.gap_hours": "none"})
    assert back == Scenario.default()


def test_scipy_stats_is_imported_only_for_a_scipy_distribution():
    probe = (
        "import sys\n"
        "from jaffle_sim.simulation.scenario import Scenario\n"
        "s = Scenario.default().updated({'journey.return_probability': 0.4})\n"
        "print('scipy.stats' in sys.modules)\n"
        "s.updated({'traffic.session_minutes': {'kind': 'scipy', 'name': 'expon'}})\n"
        "print('scipy.stats' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
