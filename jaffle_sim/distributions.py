"""Small, validated distribution objects: the vocabulary of behaviour in a scenario.

Every distribution has `sample(rng, n) -> np.ndarray`, a `mean`, a readable repr and `to_dict()`
(the TOML form, `{kind = "...", ...}`), and is rebuilt by `from_dict`. Units are those of the
parameter that holds the distribution (its name says which: `_hours`, `_minutes`, `_cents`, ...).
A scipy.stats frozen distribution can be used anywhere through `Scipy`.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

import numpy as np
from scipy import special, stats


class DistributionError(ValueError):
    """A distribution was given parameters outside their allowed range."""


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise DistributionError(message)


def _finite(*values: float) -> bool:
    return all(isinstance(v, (int, float)) and math.isfinite(v) for v in values)


@dataclass(frozen=True)
class Distribution(ABC):
    """Base class: subclasses set `kind` and implement `sample` and `mean`."""

    kind: ClassVar[str] = ""

    @abstractmethod
    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """n draws."""

    @property
    @abstractmethod
    def mean(self) -> float:
        """The distribution's mean."""

    @property
    def support(self) -> tuple[float, float]:
        """Smallest and largest value a sample can take."""
        return (-math.inf, math.inf)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items() if k != "kind")
        return f"{type(self).__name__}({args})"


@dataclass(frozen=True, repr=False)
class Constant(Distribution):
    """Always the same value."""

    kind: ClassVar[str] = "constant"
    value: float

    def __post_init__(self) -> None:
        _check(_finite(self.value), f"value must be a finite number, got {self.value!r}")

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.full(n, float(self.value))

    @property
    def mean(self) -> float:
        return float(self.value)

    @property
    def support(self) -> tuple[float, float]:
        return (float(self.value), float(self.value))


@dataclass(frozen=True, repr=False)
class Uniform(Distribution):
    """Uniform on [low, high)."""

    kind: ClassVar[str] = "uniform"
    low: float
    high: float

    def __post_init__(self) -> None:
        _check(_finite(self.low, self.high), "low and high must be finite numbers")
        _check(self.low <= self.high, f"low ({self.low}) must not exceed high ({self.high})")

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, n)

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    @property
    def support(self) -> tuple[float, float]:
        return (float(self.low), float(self.high))


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
        _check(_finite(self.median) and self.median > 0, f"median must be > 0, got {self.median}")
        _check(_finite(self.sigma) and self.sigma > 0, f"sigma must be > 0, got {self.sigma}")
        lo, hi = self.support
        _check(lo >= 0, f"low must be >= 0, got {self.low}")
        _check(lo < hi, f"low ({self.low}) must be below high ({self.high})")
        _check(self._mass() > 1e-9, "the range [low, high] holds no probability mass")

    def _z(self, x: float) -> float:
        if x <= 0:
            return -math.inf
        if math.isinf(x):
            return math.inf
        return (math.log(x) - math.log(self.median)) / self.sigma

    def _cdf_bounds(self) -> tuple[float, float]:
        lo, hi = self.support
        return float(special.ndtr(self._z(lo))), float(special.ndtr(self._z(hi)))

    def _mass(self) -> float:
        a, b = self._cdf_bounds()
        return b - a

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        a, b = self._cdf_bounds()
        u = rng.uniform(a, b, n)
        out = self.median * np.exp(self.sigma * special.ndtri(u))
        lo, hi = self.support
        return np.clip(out, lo, hi)

    @property
    def mean(self) -> float:
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
class Gamma(Distribution):
    """Gamma with the given mean and shape (shape < 1: most mass near 0, a long tail)."""

    kind: ClassVar[str] = "gamma"
    mean_value: float
    shape: float

    def __post_init__(self) -> None:
        _check(_finite(self.mean_value) and self.mean_value > 0, "mean_value must be > 0")
        _check(_finite(self.shape) and self.shape > 0, f"shape must be > 0, got {self.shape}")

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.gamma(self.shape, self.mean_value / self.shape, n)

    @property
    def mean(self) -> float:
        return float(self.mean_value)

    @property
    def support(self) -> tuple[float, float]:
        return (0.0, math.inf)


@dataclass(frozen=True, repr=False)
class Beta(Distribution):
    """Beta on [0, 1] given its mean and concentration (a + b); for probabilities that vary
    between agents."""

    kind: ClassVar[str] = "beta"
    mean_value: float
    concentration: float

    def __post_init__(self) -> None:
        _check(_finite(self.mean_value) and 0 < self.mean_value < 1, "mean_value must be in (0, 1)")
        _check(_finite(self.concentration) and self.concentration > 0, "concentration must be > 0")

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        a = self.mean_value * self.concentration
        return rng.beta(a, self.concentration - a, n)

    @property
    def mean(self) -> float:
        return float(self.mean_value)

    @property
    def support(self) -> tuple[float, float]:
        return (0.0, 1.0)


@dataclass(frozen=True, repr=False)
class Scipy(Distribution):
    """Any scipy.stats distribution by name, e.g. `Scipy("weibull_min", (1.5,), {"scale": 6})`;
    `Scipy.wrap(stats.weibull_min(1.5, scale=6))` adapts a frozen one."""

    kind: ClassVar[str] = "scipy"
    name: str
    args: tuple[float, ...] = ()
    kwds: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check(
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
        _check(math.isfinite(m), f"scipy {self.name} with these parameters has no finite mean")

    @classmethod
    def wrap(cls, frozen: Any) -> Scipy:
        return cls(frozen.dist.name, tuple(frozen.args), dict(frozen.kwds))

    @property
    def frozen(self) -> Any:
        return getattr(stats, self.name)(*self.args, **self.kwds)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
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


@dataclass(frozen=True, repr=False)
class Mix:
    """A categorical mix: label -> share; shares are >= 0 and sum to 1."""

    shares: Mapping[str, float]

    def __post_init__(self) -> None:
        shares = dict(self.shares)
        _check(len(shares) > 0, "a mix needs at least one category")
        for label, share in shares.items():
            _check(isinstance(label, str), f"category names must be text, got {label!r}")
            _check(_finite(share) and share >= 0, f"share of {label!r} must be >= 0, got {share!r}")
        total = sum(shares.values())
        _check(abs(total - 1.0) < 1e-6, f"shares must sum to 1, got {total:.6g}")
        object.__setattr__(self, "shares", shares)

    @property
    def labels(self) -> list[str]:
        return list(self.shares)

    @property
    def probabilities(self) -> np.ndarray:
        p = np.array(list(self.shares.values()), dtype=float)
        return p / p.sum()

    def share(self, label: str) -> float:
        return float(self.shares.get(label, 0.0))

    def sample_index(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Category positions (into `labels`) for n draws."""
        return rng.choice(len(self.shares), size=n, p=self.probabilities)

    def to_dict(self) -> dict[str, float]:
        return dict(self.shares)

    def __repr__(self) -> str:
        return f"Mix({dict(self.shares)!r})"


@dataclass(frozen=True, repr=False)
class HourProfile:
    """Relative weight of each hour of the day (24 values, hour 0 = 00:00-01:00 UTC). Times are
    drawn hour by weight, then uniformly within the hour."""

    weights: tuple[float, ...]

    def __post_init__(self) -> None:
        w = tuple(float(x) for x in self.weights)
        _check(len(w) == 24, f"an hour profile needs 24 weights, got {len(w)}")
        _check(all(math.isfinite(x) and x >= 0 for x in w), "hour weights must be >= 0")
        _check(sum(w) > 0, "hour weights must not all be 0")
        object.__setattr__(self, "weights", w)

    @property
    def _cum(self) -> np.ndarray:
        w = np.asarray(self.weights)
        return np.concatenate([[0.0], np.cumsum(w) / w.sum()])

    def cdf(self, hours: np.ndarray) -> np.ndarray:
        """Share of the day's weight before clock time `hours` (0-24, fractional)."""
        return np.interp(hours, np.arange(25.0), self._cum)

    def sample_hours(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """n clock times in hours (fractional, 0 <= h < 24)."""
        return self.sample_between(rng, np.zeros(n), np.full(n, 24.0))

    def sample_between(
        self, rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray
    ) -> np.ndarray:
        """Clock times in hours, each drawn from the profile restricted to [lo_i, hi_i]."""
        cum = self._cum
        a, b = self.cdf(lo), self.cdf(hi)
        u = a + rng.random(len(lo)) * (b - a)
        # Inverse of the piecewise-linear CDF; hours of zero weight get no draws.
        idx = np.clip(np.searchsorted(cum, u, side="right") - 1, 0, 23)
        width = cum[idx + 1] - cum[idx]
        frac = np.divide(u - cum[idx], width, out=np.zeros_like(u), where=width > 0)
        hours = idx + frac
        empty = b <= a  # no weight in the window: uniform inside it
        if empty.any():
            hours[empty] = lo[empty] + rng.random(int(empty.sum())) * (hi[empty] - lo[empty])
        return np.clip(hours, lo, np.nextafter(hi, lo))

    @property
    def peak_hour(self) -> int:
        return int(np.argmax(self.weights))

    def to_dict(self) -> list[float]:
        return list(self.weights)

    def __repr__(self) -> str:
        return f"HourProfile(peak={self.peak_hour}h)"


@dataclass(frozen=True)
class OrderTiming:
    """When an order follows the session that led to it: `min_gap_hours`..`max_gap_hours` later,
    at a clock time drawn from `order_hours` on either the session's calendar day or the next.

    Which day is tilted by how much of the order-hour profile each day's window holds (a session
    at 22:30 leaves little of today's profile, so its order mostly comes tomorrow), with a tilt
    solved so that `same_day_share` of the orders fall on their session's day when session start
    times follow the profile given to `tilt_for`.

    Alternatively `gap_hours`, any distribution of the delay in hours, replaces that model: the
    delay is drawn from it (kept within the gap bounds) whatever the session's time of day, and
    the same-day share and order hours follow from it. `"none"` (the default) keeps the model."""

    same_day_share: float
    order_hours: HourProfile
    min_gap_hours: float = 1.0
    max_gap_hours: float = 24.0
    gap_hours: Distribution | None = None

    def __post_init__(self) -> None:
        _check(
            _finite(self.same_day_share) and 0 <= self.same_day_share <= 1,
            f"same_day_share: must be a probability in [0, 1], got {self.same_day_share}",
        )
        _check(
            _finite(self.min_gap_hours) and self.min_gap_hours >= 0,
            f"min_gap_hours: must be >= 0, got {self.min_gap_hours}",
        )
        _check(
            _finite(self.max_gap_hours) and self.min_gap_hours < self.max_gap_hours <= 24,
            f"max_gap_hours: must exceed min_gap_hours and be <= 24, got {self.max_gap_hours}",
        )
        spec: Any = self.gap_hours
        if spec is None or spec == "none":
            object.__setattr__(self, "gap_hours", None)
            return
        try:
            gap = from_dict(spec)
        except DistributionError as exc:
            raise DistributionError(f"gap_hours: {exc}") from None
        _check(gap.support[0] >= 0, "gap_hours: a delay cannot be negative")
        object.__setattr__(self, "gap_hours", gap)

    def _windows(self, h: np.ndarray) -> tuple[np.ndarray, ...]:
        """Order clock-time windows and their profile mass, same day and next day."""
        prof = self.order_hours
        lo_same = np.minimum(h + self.min_gap_hours, 24.0)
        hi_same = np.minimum(24.0, h + self.max_gap_hours)
        lo_next = np.maximum(0.0, h + self.min_gap_hours - 24.0)
        hi_next = np.clip(h + self.max_gap_hours - 24.0, 0.0, 24.0)
        mass_same = np.maximum(prof.cdf(hi_same) - prof.cdf(lo_same), 0.0)
        mass_next = np.maximum(prof.cdf(hi_next) - prof.cdf(lo_next), 0.0)
        return lo_same, hi_same, lo_next, hi_next, mass_same, mass_next

    @staticmethod
    def _p_same(tilt: float, mass_same: np.ndarray, mass_next: np.ndarray) -> np.ndarray:
        a, b = tilt * mass_same, (1.0 - tilt) * mass_next
        total = a + b
        return np.divide(a, total, out=(mass_same > 0).astype(float), where=total > 0)

    def tilt_for(self, session_hours: HourProfile) -> float:
        """The tilt that gives `same_day_share` for sessions starting as `session_hours` says."""
        grid = (np.arange(24 * 12) + 0.5) / 12  # every 5 minutes
        weight = np.asarray(session_hours.weights)[grid.astype(int)]
        weight = weight / weight.sum()
        *_, mass_same, mass_next = self._windows(grid)
        lo, hi = 0.0, 1.0
        for _ in range(60):
            mid = (lo + hi) / 2
            share = float(weight @ self._p_same(mid, mass_same, mass_next))
            lo, hi = (mid, hi) if share < self.same_day_share else (lo, mid)
        return (lo + hi) / 2

    def sample_gap_seconds(
        self, rng: np.random.Generator, session_clock_hours: np.ndarray, tilt: float
    ) -> np.ndarray:
        """Seconds from each session start (clock time in hours, 0-24) to its order."""
        h = np.asarray(session_clock_hours, dtype=float)
        if self.gap_hours is not None:
            drawn = self.gap_hours.sample(rng, len(h))
            return np.clip(drawn, self.min_gap_hours, self.max_gap_hours) * 3600.0
        lo_same, hi_same, lo_next, hi_next, mass_same, mass_next = self._windows(h)
        same = rng.random(len(h)) < self._p_same(tilt, mass_same, mass_next)
        lo = np.where(same, lo_same, lo_next)
        hi = np.where(same, hi_same, hi_next)
        clock = self.order_hours.sample_between(rng, lo, hi)
        gap_hours = np.where(same, clock - h, clock + 24.0 - h)
        return gap_hours * 3600.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "same_day_share": self.same_day_share,
            "order_hours": self.order_hours.to_dict(),
            "min_gap_hours": self.min_gap_hours,
            "max_gap_hours": self.max_gap_hours,
            "gap_hours": "none" if self.gap_hours is None else self.gap_hours.to_dict(),
        }


DISTRIBUTIONS: dict[str, type[Distribution]] = {
    cls.kind: cls for cls in (Constant, Uniform, LogNormal, Gamma, Beta, Scipy)
}


def from_dict(spec: Any) -> Distribution:
    """Build a distribution from its TOML form; a plain number means `Constant`."""
    if isinstance(spec, Distribution):
        return spec
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        return Constant(float(spec))
    if hasattr(spec, "dist") and hasattr(spec, "rvs"):  # a scipy.stats frozen distribution
        return Scipy.wrap(spec)
    if not isinstance(spec, Mapping):
        raise DistributionError(
            f"expected a number or a table with a 'kind' key, got {type(spec).__name__}"
        )
    kind = spec.get("kind")
    if kind not in DISTRIBUTIONS:
        raise DistributionError(
            f"unknown distribution kind {kind!r}; expected one of {', '.join(DISTRIBUTIONS)}"
        )
    cls = DISTRIBUTIONS[kind]
    params = {k: v for k, v in spec.items() if k != "kind"}
    allowed = {f.name for f in fields(cls)}
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise DistributionError(
            f"{kind} takes {', '.join(sorted(allowed))}; unknown: {', '.join(unknown)}"
        )
    try:
        return cls(**params)
    except TypeError as exc:
        missing = sorted(allowed - set(params))
        raise DistributionError(f"{kind} needs {', '.join(missing)}") from exc


def check_probability(value: Any) -> float:
    """A plain probability in [0, 1]."""
    _check(
        _finite(value) and not isinstance(value, bool) and 0 <= value <= 1,
        f"must be a probability in [0, 1], got {value!r}",
    )
    return float(value)


class Buffered:
    """Scalar draws for per-agent code, taken from batches of `size` samples so that the hot loop
    pays a list pop instead of a numpy call per draw."""

    __slots__ = ("_draw", "_it", "_size")

    def __init__(self, draw: Any, size: int = 4096):
        self._draw = draw  # callable n -> array
        self._size = size
        self._it: Any = iter(())

    def __call__(self) -> Any:
        try:
            return next(self._it)
        except StopIteration:
            self._it = iter(np.asarray(self._draw(self._size)).tolist())
            return next(self._it)


def coerce_and_check(
    obj: Any,
    *,
    dists: Sequence[str] = (),
    probabilities: Sequence[str] = (),
    non_negative: Sequence[str] = (),
    positive: Sequence[str] = (),
    non_negative_dists: Sequence[str] = (),
    counts: Sequence[str] = (),
) -> None:
    """Validate a frozen behaviour dataclass in its `__post_init__`: turn numbers and scipy frozen
    distributions into `Distribution`s and check ranges. Errors name the field."""
    for name in dists:
        try:
            object.__setattr__(obj, name, from_dict(getattr(obj, name)))
        except DistributionError as exc:
            raise DistributionError(f"{name}: {exc}") from None
    for name in non_negative_dists:
        lo = getattr(obj, name).support[0]
        _check(lo >= 0, f"{name}: a delay or amount cannot be negative (lowest value {lo:g})")
    for name in probabilities:
        try:
            check_probability(getattr(obj, name))
        except DistributionError as exc:
            raise DistributionError(f"{name}: {exc}") from None
    for name in (*non_negative, *positive):
        value = getattr(obj, name)
        _check(
            _finite(value) and not isinstance(value, bool),
            f"{name}: must be a number, got {value!r}",
        )
        if name in positive:
            _check(value > 0, f"{name}: must be > 0, got {value!r}")
        else:
            _check(value >= 0, f"{name}: must be >= 0, got {value!r}")
    for name in counts:
        value = getattr(obj, name)
        _check(
            isinstance(value, int) and not isinstance(value, bool) and value >= 0,
            f"{name}: must be a whole number >= 0, got {value!r}",
        )
