"""The distribution kinds that need scipy, imported only when they are used: the log-normal
(`scipy.special`) and any scipy.stats distribution (`Scipy`)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from jaffle_sim.distributions.base import Distribution, DistributionError, finite, require


@dataclass(frozen=True, repr=False)
class LogNormal(Distribution):
    """Log-normal with the given median and log-scale sigma, optionally truncated to [low, high]
    (truncation redistributes the cut mass; nothing piles up at the bounds)."""

    kind: ClassVar[str] = "lognormal"
    median: float
    sigma: float
    low: float | None = None
    high: float | None = None

    def __post_init__(self) -> None:
        require(finite(self.median) and self.median > 0, f"median must be > 0, got {self.median}")
        require(finite(self.sigma) and self.sigma > 0, f"sigma must be > 0, got {self.sigma}")
        lo, hi = self.support
        require(lo >= 0, f"low must be >= 0, got {self.low}")
        require(lo < hi, f"low ({self.low}) must be below high ({self.high})")
        require(self._mass() > 1e-9, "the range [low, high] holds no probability mass")

    def _z(self, x: float) -> float:
        if x <= 0:
            return -math.inf
        if math.isinf(x):
            return math.inf
        return (math.log(x) - math.log(self.median)) / self.sigma

    def _cdf_bounds(self) -> tuple[float, float]:
        from scipy import special

        lo, hi = self.support
        return float(special.ndtr(self._z(lo))), float(special.ndtr(self._z(hi)))

    def _mass(self) -> float:
        a, b = self._cdf_bounds()
        return b - a

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        from scipy import special

        a, b = self._cdf_bounds()
        u = rng.uniform(a, b, n)
        out = self.median * np.exp(self.sigma * special.ndtri(u))
        lo, hi = self.support
        return np.clip(out, lo, hi)

    @property
    def mean(self) -> float:
        from scipy import special

        mu, s = math.log(self.median), self.sigma
        a, b = self._cdf_bounds()
        lo, hi = self.support
        # E[X; lo<X<hi] for a log-normal: exp(mu + s^2/2) * (Phi(z_hi - s) - Phi(z_lo - s)).
        upper = float(special.ndtr(self._z(hi) - s)) if hi < math.inf else 1.0
        lower = float(special.ndtr(self._z(lo) - s)) if lo > 0 else 0.0
        return math.exp(mu + s * s / 2) * (upper - lower) / (b - a)

    @property
    def support(self) -> tuple[float, float]:
        lo = 0.0 if self.low is None else float(self.low)
        hi = math.inf if self.high is None else float(self.high)
        return (lo, hi)


@dataclass(frozen=True, repr=False)
class Scipy(Distribution):
    """Any scipy.stats distribution by name, e.g. `Scipy("weibull_min", (1.5,), {"scale": 6})`;
    `Scipy.wrap(stats.weibull_min(1.5, scale=6))` adapts a frozen one."""

    kind: ClassVar[str] = "scipy"
    name: str
    args: tuple[float, ...] = ()
    kwds: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from scipy import stats

        require(
            isinstance(getattr(stats, self.name, None), (stats.rv_continuous, stats.rv_discrete)),
            f"scipy.stats has no distribution named {self.name!r}",
        )
        object.__setattr__(self, "args", tuple(self.args))
        object.__setattr__(self, "kwds", dict(self.kwds))
        try:
            frozen = self.frozen
            m = float(frozen.mean())
        except Exception as exc:  # scipy raises various types for bad shapes
            raise DistributionError(f"scipy {self.name} rejects its parameters: {exc}") from exc
        require(math.isfinite(m), f"scipy {self.name} with these parameters has no finite mean")

    @classmethod
    def wrap(cls, frozen: Any) -> Scipy:
        return cls(frozen.dist.name, tuple(frozen.args), dict(frozen.kwds))

    @property
    def frozen(self) -> Any:
        from scipy import stats

        return getattr(stats, self.name)(*self.args, **self.kwds)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """n draws; from a source of uniforms that is not a numpy generator (a customer's keyed
        numbers) by the inverse of the distribution function."""
        if not isinstance(rng, np.random.Generator | np.random.RandomState):
            return np.asarray(self.frozen.ppf(rng.random(n)), dtype=float)
        return np.asarray(self.frozen.rvs(size=n, random_state=rng), dtype=float)

    @property
    def mean(self) -> float:
        return float(self.frozen.mean())

    @property
    def support(self) -> tuple[float, float]:
        lo, hi = self.frozen.support()
        return (float(lo), float(hi))

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "args": list(self.args),
            "kwds": dict(self.kwds),
        }
