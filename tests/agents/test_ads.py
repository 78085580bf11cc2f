"""Ad platforms: launches, daily delivery and clicks routed to running ads, the steady state
they start in, and spend along the growth curve."""

import dataclasses

import numpy as np
import pytest

from jaffle_sim.agents.ads import AdPlatform
from jaffle_sim.clock import DAY
from jaffle_sim.distributions import LogNormal, Uniform
from jaffle_sim.events import EventLog
from jaffle_sim.simulation.scenario import Scenario

SCENARIO = Scenario.default()
VISITS = SCENARIO.traffic.visit_hours


def test_ad_platform_delivery_and_routed_clicks():
    log = EventLog()
    behaviour = SCENARIO.ads["facebook"]
    ads = AdPlatform(
        "facebook", behaviour, np.random.default_rng(3), log, SCENARIO.traffic.visit_hours
    )
    ads.warm_start()
    launched = log.drain()["ad_launched"]
    assert len(launched["ad_id"]) > 0 and min(launched["end_day"]) >= 0
    assert all(a.startswith("f") for a in launched["ad_id"])
    clicks = ads.deliver(0, budget_scale=2.0, audience=1.0)
    assert np.all((clicks.at >= 0) & (clicks.at < DAY))
    extra = ads.route_clicks(50)
    assert len(extra) == 50 and set(extra) <= set(ads.ad_ids)
    ads.close_day(0)
    rows = log.drain()["ad_day"]
    assert sum(rows["clicks"]) == len(clicks.at) + 50
    assert np.all(np.asarray(rows["impressions"]) >= np.asarray(rows["clicks"]))
    budget = dict(zip(launched["ad_id"], launched["daily_budget_cents"]))
    ratio = np.asarray(rows["cost_cents"]) / np.array([budget[a] for a in rows["ad_id"]])
    assert ratio.min() >= 2 * 0.8 - 0.01 and ratio.max() <= 2 * 1.2 + 0.01
    # An ad runs until its end day, then is gone.
    last = max(launched["end_day"])
    ads.deliver(last + 1, 1.0, 1.0)
    assert ads.running_today() == 0 or min(ads.end_day) > last


def _running_per_day(behaviour, days: int, seed: int) -> np.ndarray:
    log = EventLog()
    ads = AdPlatform("google", behaviour, np.random.default_rng(seed), log, VISITS)
    ads.warm_start()
    running = []
    for day in range(days):
        ads.launch_today(day)
        ads.deliver(day, 1.0, 1.0)
        running.append(ads.running_today())
        ads.close_day(day)
    return np.asarray(running, dtype=float)


@pytest.mark.parametrize(
    "duration",
    [Uniform(30, 60), LogNormal(median=20, sigma=0.8)],  # bounded, and unbounded
    ids=["uniform", "lognormal"],
)
def test_the_warm_start_is_in_steady_state(duration):
    """Ads launched at a steady rate that each live for a while: day 0 already has as many
    running as the launches a day times the mean life, and the number has no trend."""
    behaviour = dataclasses.replace(
        SCENARIO.ads["google"], launches_per_day=20.0, duration_days=duration
    )
    expected = behaviour.steady_state().running_ads
    runs = np.stack([_running_per_day(behaviour, 60, seed) for seed in range(8)])
    mean = runs.mean(axis=0)
    assert mean[0] == pytest.approx(expected, rel=0.05)
    assert mean.mean() == pytest.approx(expected, rel=0.03)
    slope = np.polyfit(np.arange(60), mean, 1)[0] * 30 / expected
    assert abs(slope) < 0.03


def test_steady_state_figures():
    b = SCENARIO.ads["facebook"]
    steady = b.steady_state()
    assert steady.running_ads == pytest.approx(b.launches_per_day * 45, rel=0.01)
    assert steady.spend_per_ad_cents == pytest.approx(b.daily_budget_cents.mean, rel=0.01)
    # clicks a day: running ads x spend / price per thousand x CTR
    rough = steady.running_ads * steady.spend_per_ad_cents / 2_500 * 1000 * b.ctr.mean
    assert steady.first_clicks_per_day == pytest.approx(rough, rel=0.1)
    assert b.steady_state() == steady  # a fixed sample: the same every time


def test_spend_follows_the_growth_curve():
    log = EventLog()
    ads = AdPlatform("instagram", SCENARIO.ads["instagram"], np.random.default_rng(4), log, VISITS)
    ads.warm_start()
    launched = log.drain()["ad_launched"]
    budget = dict(zip(launched["ad_id"], launched["daily_budget_cents"]))
    for scale in (1.0, 1.5):
        ads.deliver(0, scale, 1.0)
        ads.close_day(0)
        rows = log.drain()["ad_day"]
        ratio = np.asarray(rows["cost_cents"]) / np.array([budget[a] for a in rows["ad_id"]])
        assert ratio.mean() == pytest.approx(scale, rel=0.03)  # pacing averages 1
