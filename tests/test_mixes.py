"""Mixes of labelled shares and hour-of-day profiles."""

import numpy as np
import pytest

from jaffle_sim.distributions import DistributionError
from jaffle_sim.mixes import HourProfile, Mix
from jaffle_sim.simulation.default_scenario import ORDER_HOURS

N = 200_000


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


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
