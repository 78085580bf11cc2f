"""Checks of the fidelity profile for conversion timing: the delay from a converting session to
the first order, its same-day share and quantiles, and the realised order hours against the
order-timing model.

Units: delays in hours.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from jaffle_sim.clock import DAY, HOUR
from jaffle_sim.report import checks as c
from jaffle_sim.report import measures as m
from jaffle_sim.report.checks import Check
from jaffle_sim.report.run_data import RunData


def conversion_timing(data: RunData) -> list[Check]:
    """Session -> order: same-day share, the delay distribution and order clock hours, against
    `journey.order_timing` evaluated at the realised session start times."""
    sec = "conversion timing"
    timing = data.scenario.journey.order_timing
    key = "journey.order_timing"
    orders = m.timed_orders(data)
    gaps = orders.gap_hours.to_numpy()
    model = m.model_gaps(data, orders.session_at.to_numpy())
    model_same = float(model.same_day.mean()) if len(model.same_day) else math.nan
    note = ""
    expected_same = timing.same_day_share
    if timing.gap_hours is not None:  # the delay distribution sets the share
        expected_same = model_same
        note = "set by journey.order_timing.gap_hours"
    elif abs(model_same - timing.same_day_share) > 0.01:
        note = f"the model gives {model_same:.3f} at these sessions' hours"
    out = [
        c.proportion(
            sec,
            f"{key}.same_day_share",
            f"{timing.same_day_share:g}",
            expected_same,
            int(orders.same_day.sum()),
            len(orders),
            floor=0.03,
            note=note,
        ),
        c.mean(
            sec,
            "conversion delay: mean",
            "model at these sessions",
            float(model.gap_hours.mean()) if len(orders) else math.nan,
            gaps,
            unit="h",
        ),
    ]
    for q in (0.1, 0.5, 0.9):
        out.append(
            c.quantile(
                sec,
                f"conversion delay: p{round(q * 100)}",
                "model at these sessions",
                model.gap_hours,
                gaps,
                q,
                unit="h",
            )
        )
    inside = (gaps >= timing.min_gap_hours - 1 / HOUR) & (gaps <= timing.max_gap_hours)
    out.append(
        c.proportion(
            sec,
            f"{key} gap within {timing.min_gap_hours:g}-{timing.max_gap_hours:g} h",
            "1",
            1.0,
            int(inside.sum()),
            len(gaps),
            floor=0.0,
        )
    )
    order_hour = ((orders.ordered_at.to_numpy() % DAY) // HOUR).astype(int)
    model_hour = model.order_clock_hours.astype(int)
    out.append(
        c.distance(
            sec,
            f"{key}.order_hours (distance to model)",
            f"peak {timing.order_hours.peak_hour}h",
            np.bincount(order_hour, minlength=24),
            np.bincount(model_hour, minlength=24) + 1e-12,
        )
    )
    # The profiles themselves: sessions start as `traffic.visit_hours` says (first touches and
    # customers' sessions; returning visitors come back after a delay, at any hour), and orders
    # land on `order_hours` (an outcome the model calibrates its draw to).
    placed = data.events["order_placed"].ordered_at.to_numpy()
    realised = np.bincount(((placed % DAY) // HOUR).astype(int), minlength=24)
    configured = np.asarray(timing.order_hours.weights, dtype=float)
    configured /= configured.sum()
    hours = c.distance(
        sec,
        f"{key}.order_hours (distance to profile)",
        f"peak {timing.order_hours.peak_hour}h",
        realised,
        configured,
        note="clock hours of all orders against the configured profile",
    )
    if timing.gap_hours is not None:  # the delay distribution decides the hours
        hours = c.info(sec, hours.parameter, hours.measured, hours.n, note="set by gap_hours")
    else:
        # Where the windows and the same-day share cannot reach the profile, the distance the
        # model comes to at the visit profile is what to expect.
        reach = 0.5 * float(
            np.abs(timing.order_hour_shares(data.scenario.traffic.visit_hours) - configured).sum()
        )
        if reach > 0.005:
            hours = dataclasses.replace(
                hours,
                expected=reach,
                note=f"the model reaches the profile only to {reach:.3f} "
                f"(same_day_share {timing.same_day_share:g} at these visit hours)",
            )
    out.append(hours)
    return out
