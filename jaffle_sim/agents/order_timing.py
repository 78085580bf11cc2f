"""When a customer's order follows the session that led to it (the 1-24 h conversion gap).

Both the first order of a new customer (after the session in which the visitor signed up) and every
repeat order (after the session the need opened) are timed by the scenario's `OrderTiming`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from jaffle_sim import behaviour as rule
from jaffle_sim.distributions import Distribution, DistributionError, finite
from jaffle_sim.mixes import HourProfile

# Calibration of the draw to the order-hour profile: session start times on a 5-minute grid,
# fixed-point rounds and the largest change of an hour's share at which it stops.
_GRID = (np.arange(24 * 12) + 0.5) / 12
_ROUNDS = 500
_TOLERANCE = 1e-9
_SHARE_TOLERANCE = 1e-4


@dataclass(frozen=True)
class Tilt:
    """How `OrderTiming` draws for sessions whose start times follow a given profile (from
    `OrderTiming.tilt_for`): `share` weighs the session's day against the next, and `draw_hours`
    are the hour weights used within the chosen day's window."""

    share: float
    draw_hours: HourProfile


@dataclass(frozen=True)
class OrderTiming:
    """When an order follows the session that led to it: `min_gap_hours`..`max_gap_hours` later,
    on either the session's calendar day or the next, so that `same_day_share` of the orders fall
    on their session's day and the orders' clock hours follow `order_hours`.

    `order_hours` is an outcome: the hours at which orders are placed, given sessions whose start
    times follow the profile handed to `tilt_for` (the scenario's `traffic.visit_hours`). An
    order can only fall in the window its session leaves (a session at 09:00 cannot lead to an
    order at 09:30), which would make orders later and flatter than a profile drawn from as is;
    `tilt_for` therefore calibrates the weights it draws with within each window, and the tilt
    between the two days (a session at 22:30 leaves little of today, so its order mostly comes
    tomorrow), until the orders of such sessions land on `order_hours` with `same_day_share` on
    the session's day.

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

    def _windows(self, h: np.ndarray, prof: HourProfile) -> tuple[np.ndarray, ...]:
        """Order clock-time windows and their mass under `prof`, same day and next day."""
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

    def _solve_share(self, weight: np.ndarray, prof: HourProfile) -> tuple[float, bool]:
        """The tilt that gives `same_day_share` for sessions on the grid weighted by `weight`,
        and whether it does (some profiles leave too little of one day to reach the share)."""
        *_, mass_same, mass_next = self._windows(_GRID, prof)
        lo, hi = 0.0, 1.0
        for _ in range(60):
            mid = (lo + hi) / 2
            share = float(weight @ self._p_same(mid, mass_same, mass_next))
            lo, hi = (mid, hi) if share < self.same_day_share else (lo, mid)
        tilt = (lo + hi) / 2
        share = float(weight @ self._p_same(tilt, mass_same, mass_next))
        return tilt, abs(share - self.same_day_share) < _SHARE_TOLERANCE

    def _order_hour_shares(self, weight: np.ndarray, tilt: Tilt) -> np.ndarray:
        """Share of the orders in each clock hour, for sessions on the grid weighted by
        `weight`, drawing as `tilt` says."""
        prof = tilt.draw_hours
        lo_s, hi_s, lo_n, hi_n, m_s, m_n = self._windows(_GRID, prof)
        p = self._p_same(tilt.share, m_s, m_n)
        edges = np.arange(25.0)[None, :]

        def within(lo: np.ndarray, hi: np.ndarray, mass: np.ndarray) -> np.ndarray:
            cum = prof.cdf(np.clip(edges, lo[:, None], hi[:, None]))
            per_hour = np.diff(cum, axis=1)
            return np.divide(
                per_hour, mass[:, None], out=np.zeros_like(per_hour), where=mass[:, None] > 0
            )

        shares = p[:, None] * within(lo_s, hi_s, m_s) + (1 - p)[:, None] * within(lo_n, hi_n, m_n)
        return np.asarray(weight @ shares)

    def tilt_for(self, session_hours: HourProfile) -> Tilt:
        """How to draw for sessions starting as `session_hours` says: the tilt that gives
        `same_day_share` and the in-window weights that put the orders on `order_hours`
        (a fixed point: each round scales every hour's weight by target share / realised share,
        then solves the tilt again). The same-day share comes first: where matching the hours
        exactly would leave one day too little of the profile to reach it (a share near 0 or 1),
        the calibration stops at the last round that keeps it, and the hours match as closely
        as that allows."""
        if self.gap_hours is not None:
            return Tilt(0.5, self.order_hours)  # the delay distribution decides; no tilt
        return _calibrated(
            self.same_day_share,
            self.order_hours,
            self.min_gap_hours,
            self.max_gap_hours,
            session_hours,
        )

    def order_hour_shares(self, session_hours: HourProfile) -> np.ndarray:
        """Share of the orders in each clock hour (24) for sessions starting as `session_hours`
        says: `order_hours` itself, or as close as the windows and the same-day share allow."""
        weight = np.asarray(session_hours.weights)[_GRID.astype(int)]
        weight = weight / weight.sum()
        return self._order_hour_shares(weight, self.tilt_for(session_hours))

    def _calibrate(self, session_hours: HourProfile) -> Tilt:
        weight = np.asarray(session_hours.weights)[_GRID.astype(int)]
        weight = weight / weight.sum()
        target = np.asarray(self.order_hours.weights, dtype=float)
        target = target / target.sum()
        draw = target.copy()
        tilt = Tilt(self._solve_share(weight, self.order_hours)[0], self.order_hours)
        for _ in range(_ROUNDS):
            realised = self._order_hour_shares(weight, tilt)
            if np.max(np.abs(realised - target)) < _TOLERANCE:
                break
            scale = np.divide(target, realised, out=np.ones_like(target), where=realised > 0)
            draw = draw * scale
            draw = draw / draw.sum()
            prof = HourProfile(tuple(draw.tolist()))
            share, reached = self._solve_share(weight, prof)
            if not reached:
                break
            tilt = Tilt(share, prof)
        return tilt

    def sample_gap_seconds(
        self, rng: np.random.Generator, session_clock_hours: np.ndarray, tilt: Tilt
    ) -> np.ndarray:
        """Seconds from each session start (clock time in hours, 0-24) to its order."""
        h = np.asarray(session_clock_hours, dtype=float)
        if self.gap_hours is not None:
            drawn = self.gap_hours.sample(rng, len(h))
            return np.clip(drawn, self.min_gap_hours, self.max_gap_hours) * 3600.0
        prof = tilt.draw_hours
        lo_same, hi_same, lo_next, hi_next, mass_same, mass_next = self._windows(h, prof)
        same = rng.random(len(h)) < self._p_same(tilt.share, mass_same, mass_next)
        lo = np.where(same, lo_same, lo_next)
        hi = np.where(same, hi_same, hi_next)
        clock = prof.sample_between(rng, lo, hi)
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


@lru_cache(maxsize=64)
def _calibrated(
    same_day_share: float,
    order_hours: HourProfile,
    min_gap_hours: float,
    max_gap_hours: float,
    session_hours: HourProfile,
) -> Tilt:
    """`OrderTiming.tilt_for` once per timing and session profile (the model asks several
    times: customers, visitors, the profile)."""
    timing = OrderTiming(same_day_share, order_hours, min_gap_hours, max_gap_hours)
    return timing._calibrate(session_hours)
