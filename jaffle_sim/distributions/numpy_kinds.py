"""The distribution kinds numpy draws on its own: constant, uniform, gamma and beta."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from jaffle_sim.distributions.base import Distribution, finite, require


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
