import math

import numpy as np
import pytest
from scipy import stats

from jaffle_sim.distributions import (
    Beta,
    Buffered,
    Constant,
    DistributionError,
    Gamma,
    HourProfile,
    LogNormal,
    Mix,
    OrderTiming,
    Scipy,
    Uniform,
    from_dict,
)
from jaffle_sim.simulation.scenario import ORDER_HOURS, VISIT_HOURS

N = 200_000


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


@pytest.mark.parametrize(
    "dist",
    [
        Constant(3.0),
        Uniform(2, 5),
        LogNormal(median=6, sigma=0.75, low=1, high=45),
        LogNormal(median=20, sigma=1.0),
        Gamma(mean_value=0.25, shape=0.9),
        Beta(mean_value=0.04, concentration=20),
        Scipy("weibull_min", (1.5,), {"scale": 6.0}),
    ],
)
def test_sample_mean_and_support(dist):
    x = dist.sample(rng(), N)
    lo, hi = dist.support
    assert x.shape == (N,)
    assert x.min() >= lo and x.max() <= hi
    assert x.mean() == pytest.approx(dist.mean, rel=0.02, abs=1e-9)


def test_truncated_lognormal_does_not_pile_up_at_bounds():
    d = LogNormal(median=6, sigma=0.75, low=1, high=45)
    x = d.sample(rng(), N)
    assert (x >= 44.9).mean() < 0.001
    assert (x <= 1.01).mean() < 0.001


def test_from_dict_round_trip_and_numbers():
    for d in (
        Uniform(1, 2),
        LogNormal(median=3, sigma=0.5, high=9),
        Gamma(mean_value=1, shape=2),
        Scipy.wrap(stats.expon(scale=4)),
    ):
        assert from_dict(d.to_dict()) == d
    assert from_dict(5) == Constant(5.0)
    assert from_dict(stats.expon(scale=2)).mean == pytest.approx(2)


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"kind": "nope"}, "unknown distribution kind"),
        ({"kind": "uniform", "low": 3, "high": 1}, "must not exceed"),
        ({"kind": "lognormal", "median": -1, "sigma": 1}, "median must be > 0"),
        ({"kind": "uniform", "low": 1}, "needs high"),
        ({"kind": "uniform", "low": 1, "high": 2, "mode": 3}, "unknown: mode"),
        ({"kind": "scipy", "name": "not_a_dist"}, "no distribution named"),
        ("text", "expected a number"),
    ],
)
def test_bad_distributions_are_rejected(spec, message):
    with pytest.raises(DistributionError, match=message):
        from_dict(spec)


def test_mix_must_sum_to_one_and_samples_its_shares():
    with pytest.raises(DistributionError, match="sum to 1"):
        Mix({"a": 0.5, "b": 0.6})
    with pytest.raises(DistributionError, match=">= 0"):
        Mix({"a": 1.5, "b": -0.5})
    mix = Mix({"a": 0.2, "b": 0.5, "c": 0.3})
    idx = mix.sample_index(rng(), N)
    shares = np.bincount(idx, minlength=3) / N
    assert shares == pytest.approx([0.2, 0.5, 0.3], abs=0.005)


def test_hour_profile_follows_weights_and_windows():
    prof = HourProfile(ORDER_HOURS)
    hours = prof.sample_hours(rng(), N)
    counts = np.bincount(hours.astype(int), minlength=24) / N
    expected = np.asarray(ORDER_HOURS) / sum(ORDER_HOURS)
    assert counts == pytest.approx(expected, abs=0.004)
    lo = rng(1).uniform(0, 20, 1000)
    hi = lo + rng(2).uniform(0.1, 4, 1000)
    inside = prof.sample_between(rng(3), lo, hi)
    assert np.all((inside >= lo) & (inside < hi))


def test_hour_profile_validation():
    with pytest.raises(DistributionError, match="24 weights"):
        HourProfile((1.0,) * 23)
    with pytest.raises(DistributionError, match="all be 0"):
        HourProfile((0.0,) * 24)


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


def test_buffered_draws_match_batches():
    r1, r2 = rng(5), rng(5)
    buf = Buffered(r1.random, size=7)
    draws = [buf() for _ in range(20)]
    expected = np.concatenate([r2.random(7) for _ in range(3)])[:20]
    assert draws == pytest.approx(expected.tolist())


def test_distribution_repr_is_readable():
    assert repr(LogNormal(median=6, sigma=0.75, low=1)) == "LogNormal(median=6, sigma=0.75, low=1)"
    assert math.isfinite(Uniform(0, 1).mean)


def test_order_timing_takes_any_delay_distribution():
    timing = OrderTiming(0.7, HourProfile(ORDER_HOURS), gap_hours=stats.gamma(2.0, scale=3.0))
    session = HourProfile(VISIT_HOURS).sample_hours(rng(), N)
    gap = timing.sample_gap_seconds(rng(1), session, timing.tilt_for(HourProfile(VISIT_HOURS)))
    hours = gap / 3600
    assert hours.min() >= 1.0 and hours.max() <= 24.0
    assert np.median(hours) == pytest.approx(stats.gamma(2.0, scale=3.0).median(), rel=0.05)
    with pytest.raises(DistributionError, match="gap_hours"):
        OrderTiming(0.7, HourProfile(ORDER_HOURS), gap_hours=Uniform(-3, 2))
