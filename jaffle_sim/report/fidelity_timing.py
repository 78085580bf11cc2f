"""Checks of the fidelity profile for conversion timing: the delay from a converting session to
the first order, its same-day share and quantiles, and the realised order hours against the
order-timing model.

Units: delays in hours.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from jaffle_sim.clock import HOUR
from jaffle_sim.report import checks as c
from jaffle_sim.report import measures as m
from jaffle_sim.report.checks import Check
from jaffle_sim.report.run_data import RunData


@dataclass(frozen=True)
class Timing:
    """The timed orders (`measures.timed_orders`) summed up: `delay` (moments of the gap in
    seconds), `same_day` and `inside` (gaps within the model's window) counts, a `sample` of
    gaps in hours (all of them up to `run_data.SAMPLE_ROWS`), orders per clock hour, the
    histogram of their sessions' start times (`session_seconds` after midnight, `session_counts`)
    and the gaps in half-hour bins from 0 (`gap_bins`), beside the model at those sessions."""

    delay: m.Moments
    same_day: int
    inside: int
    sample: np.ndarray
    order_hours: np.ndarray
    session_seconds: np.ndarray
    session_counts: np.ndarray
    gap_bins: np.ndarray
    model: m.ModelGaps


BIN = HOUR // 2  # seconds per bin of the conversion-delay chart


def timing(data: RunData) -> Timing:
    """`Timing` of the run, computed once."""
    return data.memo("timing", lambda: _timing(data))


def _timing(data: RunData) -> Timing:
    t = data.scenario.journey.order_timing
    rel = m.timed_orders(data)
    low, high = t.min_gap_hours * HOUR - 1, t.max_gap_hours * HOUR
    edges = len(np.arange(0.0, t.max_gap_hours + 0.5, 0.5))
    last = (edges - 1) * BIN
    # One scan: the totals (g = 7), and the histograms of session start seconds (3), order
    # hours (5) and gap bins (6).
    frame = data.sql(
        f"""select grouping(s, h, b) as g, s, h, b, count(*) as n,
                   count(*) filter (where same_day) as same,
                   count(*) filter (where gap >= {low} and gap <= {high}) as inside,
                   sum(gap) as s1, sum(gap * gap) as s2
            from (select second_of_day(session_at) as s, second_of_day(ordered_at) // {HOUR} as h,
                         case when gap >= 0 and gap <= {last}
                              then least(gap // {BIN}, {edges - 2}) end as b, same_day, gap
                  from ({rel}))
            group by grouping sets ((), (s), (h), (b))"""
    )
    total = frame[frame.g == 7].iloc[0]
    sessions = frame[frame.g == 3].sort_values("s")
    hours = frame[frame.g == 5]
    bins = frame[(frame.g == 6) & frame.b.notna()]
    order_hours = np.zeros(24, dtype=np.int64)
    order_hours[hours.h.to_numpy(dtype=int)] = hours.n.to_numpy()
    gap_bins = np.zeros(max(edges - 1, 0), dtype=np.int64)
    gap_bins[bins.b.to_numpy(dtype=int)] = bins.n.to_numpy()
    seconds, counts = sessions.s.to_numpy(dtype=np.int64), sessions.n.to_numpy(dtype=np.int64)
    n = int(total.n)
    return Timing(
        m.Moments.of(n, total.s1, total.s2),
        int(total.same),
        int(total.inside),
        data.sample(rel, f"gap / {HOUR}", "order_id", n),
        order_hours,
        seconds,
        counts,
        gap_bins,
        m.model_gaps(data, seconds, counts),
    )


def conversion_timing(data: RunData) -> list[Check]:
    """Session -> order: same-day share, the delay distribution and order clock hours, against
    `journey.order_timing` evaluated at the realised session start times."""
    sec = "conversion timing"
    timing_ = data.scenario.journey.order_timing
    key = "journey.order_timing"
    orders = timing(data)
    model = orders.model
    n = orders.delay.n
    model_same = float(model.same_day.mean()) if len(model.same_day) else math.nan
    note = ""
    expected_same = timing_.same_day_share
    if timing_.gap_hours is not None:  # the delay distribution sets the share
        expected_same = model_same
        note = "set by journey.order_timing.gap_hours"
    elif abs(model_same - timing_.same_day_share) > 0.01:
        note = f"the model gives {model_same:.3f} at these sessions' hours"
    out = [
        c.proportion(
            sec,
            f"{key}.same_day_share",
            f"{timing_.same_day_share:g}",
            expected_same,
            orders.same_day,
            n,
            floor=0.03,
            note=note,
        ),
        c.mean_of(
            sec,
            "conversion delay: mean",
            "model at these sessions",
            float(model.gap_hours.mean()) if n else math.nan,
            n,
            orders.delay.mean / HOUR,
            orders.delay.sd / HOUR,
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
                orders.sample,
                q,
                unit="h",
            )
        )
    out.append(
        c.proportion(
            sec,
            f"{key} gap within {timing_.min_gap_hours:g}-{timing_.max_gap_hours:g} h",
            "1",
            1.0,
            orders.inside,
            n,
            floor=0.0,
        )
    )
    model_hour = model.order_clock_hours.astype(int)
    out.append(
        c.distance(
            sec,
            f"{key}.order_hours (distance to model)",
            f"peak {timing_.order_hours.peak_hour}h",
            orders.order_hours,
            np.bincount(model_hour, minlength=24) + 1e-12,
        )
    )
    # The profiles themselves: sessions start as `traffic.visit_hours` says (first touches and
    # customers' sessions; returning visitors come back after a delay, at any hour), and orders
    # land on `order_hours` (an outcome the model calibrates its draw to).
    placed = data.sql(
        f"select second_of_day(ordered_at) // {HOUR} as h, count(*) as n "
        "from ev.order_placed group by 1"
    )
    realised = np.zeros(24, dtype=np.int64)
    realised[placed.h.to_numpy(dtype=int)] = placed.n.to_numpy()
    configured = np.asarray(timing_.order_hours.weights, dtype=float)
    configured /= configured.sum()
    hours = c.distance(
        sec,
        f"{key}.order_hours (distance to profile)",
        f"peak {timing_.order_hours.peak_hour}h",
        realised,
        configured,
        note="clock hours of all orders against the configured profile",
    )
    if timing_.gap_hours is not None:  # the delay distribution decides the hours
        hours = c.info(sec, hours.parameter, hours.measured, hours.n, note="set by gap_hours")
    else:
        # Where the windows and the same-day share cannot reach the profile, the distance the
        # model comes to at the visit profile is what to expect.
        reach = 0.5 * float(
            np.abs(timing_.order_hour_shares(data.scenario.traffic.visit_hours) - configured).sum()
        )
        if reach > 0.005:
            hours = dataclasses.replace(
                hours,
                expected=reach,
                note=f"the model reaches the profile only to {reach:.3f} "
                f"(same_day_share {timing_.same_day_share:g} at these visit hours)",
            )
    out.append(hours)
    return out
