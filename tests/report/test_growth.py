"""The growth and noise-floor lines of the profile: they pass on runs of the scenario and catch a
model that does not do what the scenario says (a cold start of the ads, spend off the growth
curve, orders off their customers' process, order hours off the profile)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from jaffle_sim import Scenario, simulate
from jaffle_sim.clock import DAY, HOUR
from jaffle_sim.report import fidelity_orders, fidelity_quality, trends
from jaffle_sim.report.profile import profile
from jaffle_sim.report.run_data import RunData
from tests.conftest import END_DATE

GROWTH_LINES = (
    "demand.growth_per_30_days: spend per ad",
    "ads running a day: change per 30 days",
    "ads running a day: mean",
    "demand.growth_per_30_days: ad spend",
    "demand.growth_per_30_days: organic visitor sessions",
    "orders: change per 30 days",
)


@pytest.fixture(scope="module")
def run() -> RunData:
    scenario = Scenario.default().scaled(0.5)
    return RunData.from_result(simulate(scenario, days=42, seed=11, end_date=END_DATE))


def _with(data: RunData, kind: str, frame) -> RunData:
    return dataclasses.replace(data, events={**data.events, kind: frame})


def test_growth_lines_pass_on_a_run_of_the_scenario(run: RunData) -> None:
    p = profile(run)
    for name in GROWTH_LINES:
        assert p.check(name).status == "ok", p.check(name)
    assert p.check("orders: change per 30 days").expected > 0  # the customer base builds up
    assert p.check("journey.order_timing.order_hours (distance to profile)").status == "ok"
    assert p.check("traffic.visit_hours (distance to profile)").status == "ok"


def test_a_cold_start_of_the_ads_is_caught(run: RunData) -> None:
    """Without the ads launched before day 0, the running ads and the spend ramp up."""
    launched = run.events["ad_launched"]
    warm = set(launched[launched.start_day < 0].ad_id)
    ad_day = run.events["ad_day"]
    cold = _with(run, "ad_day", ad_day[~ad_day.ad_id.isin(warm)])
    p = profile(cold)
    assert p.check("ads running a day: change per 30 days").status == "off"
    assert p.check("demand.growth_per_30_days: ad spend").status == "off"


def test_spend_off_the_growth_curve_is_caught(run: RunData) -> None:
    ad_day = run.events["ad_day"]
    flat = ad_day.assign(
        cost_cents=np.rint(ad_day.cost_cents / 1.06 ** (ad_day.day / 30)).astype("int64")
    )
    p = profile(_with(run, "ad_day", flat))
    assert p.check("demand.growth_per_30_days: spend per ad").status == "off"


def test_orders_off_their_customers_process_are_caught(run: RunData) -> None:
    """Half of the orders of the second half of the run gone: orders grow less than the
    customers' process says."""
    orders = run.events["order_placed"]
    late = orders.ordered_at >= run.days // 2 * DAY
    drop = late & (orders.order_id % 2 == 0)
    p = profile(_with(run, "order_placed", orders[~drop]))
    assert p.check("orders: change per 30 days").status == "off"


def test_order_hours_off_the_profile_are_caught(run: RunData) -> None:
    orders = run.events["order_placed"]
    later = orders.assign(ordered_at=orders.ordered_at + 3 * HOUR)
    p = profile(_with(run, "order_placed", later))
    assert p.check("journey.order_timing.order_hours (distance to profile)").status == "off"


def test_an_unreachable_order_hour_profile_is_expected_as_far_as_the_model_reaches() -> None:
    """Orders at breakfast with sessions in the morning and 70% on the same day: the windows
    cannot reach that profile; the line expects the distance the model comes to."""
    changed = (
        Scenario.default()
        .scaled(0.25)
        .updated({"journey.order_timing.order_hours": [1] * 6 + [10] * 6 + [1] * 12})
    )
    data = RunData.from_result(simulate(changed, days=21, seed=2, end_date=END_DATE))
    check = profile(data).check("journey.order_timing.order_hours (distance to profile)")
    assert check.expected is not None and check.expected > 0.05
    assert check.status == "ok" and "reaches the profile only" in check.note


def test_expected_orders_follow_the_customers() -> None:
    """The customers' process with one customer who never churns and buys twice a day: about
    two orders a day."""
    scenario = Scenario.default().updated(
        {"customers.purchase_rate_per_day": 2.0, "customers.churn_after_order": 0.0}
    )
    data = RunData.from_result(simulate(scenario.scaled(0.01), days=20, seed=1, end_date=END_DATE))
    existing = int(data.events["signed_up"].session_id.isna().sum())
    counts = fidelity_orders.expected_orders(data, replicates=50)
    assert counts[:, 5:].mean() >= 2.0 * existing * 0.9


def test_a_share_of_the_customers_draws_that_share_of_the_orders_and_their_trend() -> None:
    """A big run's process is drawn for a share of its customers: about that share of the
    orders, growing by about the same trend as the whole's, with a spread that shrinks back to
    the whole's by the square root of the share."""
    data = RunData.from_result(
        simulate(Scenario.default().scaled(0.5), days=40, seed=2, end_date=END_DATE)
    )
    whole = fidelity_orders.expected_orders(data, replicates=20)
    part = fidelity_orders.expected_orders(data, replicates=20, share=0.25)
    assert part.sum() / whole.sum() == pytest.approx(0.25, abs=0.03)
    days = np.arange(data.days)
    slopes = [[trends.trend(days, row)[0] for row in x] for x in (whole, part)]
    assert np.mean(slopes[1]) == pytest.approx(np.mean(slopes[0]), abs=0.002)
    assert np.std(slopes[1]) * 0.25**0.5 == pytest.approx(np.std(slopes[0]), rel=0.4)


@pytest.mark.parametrize("mean", [1e-9, 0.5, 3.0, 47.3, 4_800.0, 3.3e6])
@pytest.mark.parametrize("tail", [3.2e-5, 0.05, 0.5])
def test_the_poisson_upper_count_inverts_its_survival_function(mean: float, tail: float) -> None:
    from scipy import stats

    assert fidelity_quality.poisson_upper(tail, mean) == stats.poisson.isf(tail, mean)


def test_rare_defects_get_room_for_a_skewed_count() -> None:
    normal = fidelity_quality.rare("q", "x", 0.01, 9, 300, floor=0.0)
    assert normal.status == "ok"  # 9 of 300 at 1%: unlikely under a normal guess, not so rare
    assert fidelity_quality.rare("q", "x", 0.01, 30, 300, floor=0.0).status == "off"


@pytest.mark.parametrize("share", [0.3, 0.7, 0.9])
def test_orders_land_on_the_configured_order_hours(share: float) -> None:
    """`order_hours` is the orders' outcome: orders of sessions that follow the visit profile
    land on it (as closely as the same-day share allows), and the same-day share holds."""
    from jaffle_sim.agents.order_timing import OrderTiming
    from jaffle_sim.mixes import HourProfile
    from jaffle_sim.simulation.default_scenario import ORDER_HOURS, VISIT_HOURS

    timing = OrderTiming(same_day_share=share, order_hours=HourProfile(ORDER_HOURS))
    visits = HourProfile(VISIT_HOURS)
    rng = np.random.default_rng(0)
    session = visits.sample_hours(rng, 300_000)
    gap = timing.sample_gap_seconds(rng, session, timing.tilt_for(visits)) / 3600
    assert (session + gap < 24).mean() == pytest.approx(share, abs=0.005)
    assert gap.min() >= 1.0 and gap.max() <= 24.0
    hours = np.bincount(((session + gap) % 24).astype(int), minlength=24) / len(gap)
    target = np.asarray(ORDER_HOURS, dtype=float) / sum(ORDER_HOURS)
    reach = 0.5 * np.abs(timing.order_hour_shares(visits) - target).sum()
    assert 0.5 * np.abs(hours - target).sum() <= reach + 0.01
    assert reach < (0.04 if share == 0.9 else 0.005)
    # the draw within the windows is not the profile itself: drawn as is, orders come later
    assert timing.tilt_for(visits).draw_hours != timing.order_hours
