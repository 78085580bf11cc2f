"""When a customer's order follows the session that led to it (the 1-24 h conversion gap).

Both the first order of a new customer (after the session in which the visitor signed up) and every
repeat order (after the session the need opened) are timed by the scenario's `OrderTiming`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from jaffle_sim import behaviour as rule
from jaffle_sim.distributions import Distribution, DistributionError, finite
from jaffle_sim.mixes import HourProfile


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

    same_day_share: float = field(metadata=rule.probability())
    order_hours: HourProfile
    min_gap_hours: float = field(default=1.0, metadata=rule.number(minimum=0))
    max_gap_hours: float = 24.0
    gap_hours: Distribution | None = field(
        default=None, metadata=rule.distribution(non_negative=True, optional=True)
    )

    def __post_init__(self) -> None:
        rule.validate(self)
        if not (finite(self.max_gap_hours) and self.min_gap_hours < self.max_gap_hours <= 24):
            raise DistributionError(
                f"must exceed min_gap_hours and be <= 24, got {self.max_gap_hours}",
                field="max_gap_hours",
            )

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
