"""Small, validated distribution objects: the vocabulary of behaviour in a scenario.

Every distribution has `sample(rng, n) -> np.ndarray`, a `mean`, a readable repr and `to_dict()`
(the TOML form, `{kind = "...", ...}`), and is rebuilt by `from_dict`. Units are those of the
parameter that holds the distribution (its name says which: `_hours`, `_minutes`, `_cents`, ...).
A scipy.stats frozen distribution can be used anywhere through `Scipy`.

scipy is imported only when it is needed: `scipy.special` by the log-normal, `scipy.stats` by
`Scipy`. Building a scenario without a scipy distribution never loads `scipy.stats`.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

import numpy as np


class DistributionError(ValueError):
    """A distribution or a behaviour value is outside its allowed range.

    `field` names the behaviour field the problem is about (None when it is about a distribution
    on its own); the message then starts with it, `"<field>: <problem>"`."""

    def __init__(self, problem: str, field: str | None = None):
        super().__init__(f"{field}: {problem}" if field else problem)
        self.problem = problem
        self.field = field

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.problem, self.field))


def require(condition: bool, message: str) -> None:
    """Raise a `DistributionError` with `message` unless `condition` holds."""
    if not condition:
        raise DistributionError(message)


def finite(*values: Any) -> bool:
    """Whether every value is a finite int or float (bool counts as an int here)."""
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
        require(finite(self.value), f"value must be a finite number, got {self.value!r}")

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
        require(finite(self.low, self.high), "low and high must be finite numbers")
        require(self.low <= self.high, f"low ({self.low}) must not exceed high ({self.high})")

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
class Gamma(Distribution):
    """Gamma with the given mean and shape (shape < 1: most mass near 0, a long tail)."""

    kind: ClassVar[str] = "gamma"
    mean_value: float
    shape: float

    def __post_init__(self) -> None:
        require(finite(self.mean_value) and self.mean_value > 0, "mean_value must be > 0")
        require(finite(self.shape) and self.shape > 0, f"shape must be > 0, got {self.shape}")

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
        require(finite(self.mean_value) and 0 < self.mean_value < 1, "mean_value must be in (0, 1)")
        require(finite(self.concentration) and self.concentration > 0, "concentration must be > 0")

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
