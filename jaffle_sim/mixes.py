"""Categorical behaviour: a `Mix` of labelled shares and an `HourProfile` of the 24 hours of a day.

Both are small validated objects with a readable repr and a TOML form (`to_dict`): a mix is a table
of `label = share`, an hour profile a list of 24 relative weights.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from jaffle_sim.distributions import finite, require


@dataclass(frozen=True, repr=False)
class Mix:
    """A categorical mix: label -> share; shares are >= 0 and sum to 1."""

    shares: Mapping[str, float]

    def __post_init__(self) -> None:
        shares = dict(self.shares)
        require(len(shares) > 0, "a mix needs at least one category")
        for label, share in shares.items():
            require(isinstance(label, str), f"category names must be text, got {label!r}")
            require(finite(share) and share >= 0, f"share of {label!r} must be >= 0, got {share!r}")
        total = sum(shares.values())
        require(abs(total - 1.0) < 1e-6, f"shares must sum to 1, got {total:.6g}")
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
        require(len(w) == 24, f"an hour profile needs 24 weights, got {len(w)}")
        require(all(math.isfinite(x) and x >= 0 for x in w), "hour weights must be >= 0")
        require(sum(w) > 0, "hour weights must not all be 0")
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
