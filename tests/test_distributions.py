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
    LogNormal,
    Scipy,
    Uniform,
    from_dict,
)

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


def test_buffered_draws_match_batches():
    r1, r2 = rng(5), rng(5)
    buf = Buffered(r1.random, size=7)
    draws = [buf() for _ in range(20)]
    expected = np.concatenate([r2.random(7) for _ in range(3)])[:20]
    assert draws == pytest.approx(expected.tolist())


def test_distribution_repr_is_readable():
    assert repr(LogNormal(median=6, sigma=0.75, low=1)) == "LogNormal(median=6, sigma=0.75, low=1)"
    assert math.isfinite(Uniform(0, 1).mean)


def test_a_scipy_distribution_samples_a_customers_keyed_numbers_by_its_inverse() -> None:
    from jaffle_sim.agents.own_draws import KeyedSource

    dist = Scipy("weibull_min", (1.5,), {"scale": 6.0})
    n = 20_000
    source = KeyedSource(1, np.array([7]), np.array([0]), n)
    draws = dist.sample(source, n)  # type: ignore[arg-type]
    assert stats.kstest(draws, dist.frozen.cdf).pvalue > 0.01
    again = dist.sample(KeyedSource(1, np.array([7]), np.array([0]), n), n)  # type: ignore[arg-type]
    assert (draws == again).all()  # the key decides
