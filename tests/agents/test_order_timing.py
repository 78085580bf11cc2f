"""Order timing: the gap from a session to the order it leads to."""

import numpy as np
import pytest
from scipy import stats

from jaffle_sim.agents.order_timing import OrderTiming
from jaffle_sim.distributions import DistributionError, Uniform
from jaffle_sim.mixes import HourProfile
from jaffle_sim.simulation.default_scenario import ORDER_HOURS, VISIT_HOURS

N = 200_000


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def test_order_timing_gap_bounds_same_day_share_and_lunch_peak():
    timing = OrderTiming(same_day_share=0.7, order_hours=HourProfile(ORDER_HOURS))
    visits = HourProfile(VISIT_HOURS)
    tilt = timing.tilt_for(visits)
    session = visits.sample_hours(rng(), N)
    gap = timing.sample_gap_seconds(rng(1), session, tilt) / 3600
    assert gap.min() >= 1.0 and gap.max() <= 24.0
    same_day = session + gap < 24
    assert same_day.mean() == pytest.approx(0.7, abs=0.01)
    order_hour = ((session + gap) % 24).astype(int)
    assert 11 <= np.bincount(order_hour, minlength=24).argmax() <= 14
    # A late-night session leads mostly to an order the next day.
    late = timing.sample_gap_seconds(rng(2), np.full(5000, 22.9), tilt) / 3600
    assert (22.9 + late >= 24).mean() > 0.9


@pytest.mark.parametrize("share", [0.3, 0.5, 0.9])
def test_order_timing_share_is_a_parameter(share):
    timing = OrderTiming(same_day_share=share, order_hours=HourProfile(ORDER_HOURS))
    visits = HourProfile(VISIT_HOURS)
    session = visits.sample_hours(rng(), N)
    gap = timing.sample_gap_seconds(rng(1), session, timing.tilt_for(visits)) / 3600
    assert (session + gap < 24).mean() == pytest.approx(share, abs=0.015)


def test_order_timing_takes_any_delay_distribution():
    timing = OrderTiming(0.7, HourProfile(ORDER_HOURS), gap_hours=stats.gamma(2.0, scale=3.0))
    session = HourProfile(VISIT_HOURS).sample_hours(rng(), N)
    gap = timing.sample_gap_seconds(rng(1), session, timing.tilt_for(HourProfile(VISIT_HOURS)))
    hours = gap / 3600
    assert hours.min() >= 1.0 and hours.max() <= 24.0
    assert np.median(hours) == pytest.approx(stats.gamma(2.0, scale=3.0).median(), rel=0.05)
    with pytest.raises(DistributionError, match="gap_hours"):
        OrderTiming(0.7, HourProfile(ORDER_HOURS), gap_hours=Uniform(-3, 2))
