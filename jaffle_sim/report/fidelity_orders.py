"""The fidelity check of orders' growth: orders follow the customers, those who existed on day 0
plus those who signed up in the run, each buying at a rate of its own until it churns. The
expected trend is that of the scenario's "buy till you die" process over the realised sign-ups
(drawn `ORDER_REPLICATES` times; their spread and the run's own scatter around its trend are the
room for chance); it exceeds the market's while the customer base builds up. A big run's process
is drawn for a random share of its customers (about `ORDER_SAMPLE` orders a draw), whose spread
is scaled back to the whole.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from jaffle_sim.clock import DAY, HOUR
from jaffle_sim.report import checks as c
from jaffle_sim.report import measures as m
from jaffle_sim.report.checks import Check
from jaffle_sim.report.run_data import RunData
from jaffle_sim.report.trends import per_30, trend

# Draws of the customers' process per run when computing the expected growth of orders.
ORDER_REPLICATES = 30
# Orders a draw of the customers' process simulates at most (a share of the customers beyond).
ORDER_SAMPLE = 40_000


def expected_orders(
    data: RunData, replicates: int = ORDER_REPLICATES, share: float = 1.0
) -> np.ndarray:
    """Daily order counts (replicates x days) of the scenario's customers' process over the
    realised sign-ups (a reproducible random `share` of them): every customer draws a purchase
    rate and a churn probability; a new customer's first order follows its sign-up (unless it
    never orders), then needs arise as a Poisson process, each opening a session at a visit hour
    and an order after the scenario's conversion delay; after each order the customer stops
    with its churn probability. Customers who existed on day 0 buy from the day before it
    (orders before day 0 are not counted)."""
    s = data.scenario
    b, timing, visits = s.customers, s.journey.order_timing, s.traffic.visit_hours
    tilt = timing.tilt_for(visits)
    signups = signup_times(data)
    existing = signups.existing.to_numpy(dtype=bool)
    since = np.where(existing, -DAY, signups.signed_up_at.to_numpy(dtype=float))
    if share < 1.0:
        picked = np.random.default_rng(1).random(len(since)) < share
        since, existing = since[picked], existing[picked]
    end = data.end_seconds
    rng = np.random.default_rng(0)
    counts = np.zeros((replicates, data.days))
    k = len(since)
    for r in range(replicates):
        rate = b.purchase_rate_per_day.sample(rng, k)
        churn = np.clip(b.churn_after_order.sample(rng, k), 1e-12, 1.0)
        buys = ~existing & (rng.random(k) >= b.no_first_order_share)
        active = existing | buys
        span = np.maximum(end - since, 0.0) / DAY
        needs = np.where(active, rng.poisson(np.maximum(rate, 0.0) * span), 0)
        who = np.repeat(np.arange(k), needs)
        need_at = since[who] + rng.random(len(who)) * span[who] * DAY
        hour = visits.sample_hours(rng, len(who))
        session_at = np.floor(need_at / DAY) * DAY + hour * HOUR
        order_at = session_at + timing.sample_gap_seconds(rng, hour, tilt)
        first = np.flatnonzero(buys)
        first_hour = (since[first] % DAY) / HOUR
        first_at = since[first] + timing.sample_gap_seconds(rng, first_hour, tilt)
        who = np.concatenate([who, first])
        order_at = np.concatenate([order_at, first_at])
        counted = order_at >= np.where(existing[who], 0.0, -np.inf)
        who, order_at = who[counted], order_at[counted]
        order = np.lexsort((order_at, who))
        who, order_at = who[order], order_at[order]
        rank = np.arange(len(who)) - np.searchsorted(who, who, side="left")
        kept = rank < rng.geometric(churn)[who]
        day = np.floor(order_at[kept] / DAY).astype(np.int64)
        day = day[(day >= 0) & (day < data.days)]
        counts[r] = np.bincount(day, minlength=data.days)[: data.days]
    return counts


def signup_times(data: RunData) -> pd.DataFrame:
    """Every sign-up: `existing` (a customer on day 0) and `signed_up_at`, by sign-up id."""
    return data.memo(
        "signup_times",
        lambda: data.sql(
            "select session_id is null as existing, signed_up_at from ev.signed_up "
            "order by signup_id"
        ),
    )


def orders_per_day(data: RunData) -> pd.DataFrame:
    """Orders placed per day (`day`, `n`)."""
    return data.memo(
        "orders_per_day",
        lambda: data.sql(
            "select clock_day(ordered_at) as day, count(*) as n from ev.order_placed group by 1"
        ),
    )


def orders(data: RunData, days: np.ndarray, weekdays: np.ndarray) -> list[Check]:
    """The trend of orders a day (on `days`, with their `weekdays`) against the customers'
    process."""
    per_day = m.per_day(orders_per_day(data), data.days)
    if (per_day == 0).any():
        return []
    share = min(1.0, ORDER_SAMPLE / max(float(per_day.sum()), 1.0))
    model = expected_orders(data, share=share)
    if (model == 0).any():
        return []
    slope, se, _ = trend(days, per_day, weekdays)
    fitted = np.array([trend(days, row)[0] for row in model])
    expected = float(np.mean([per_30(x) for x in fitted]))
    # Room for chance: the spread of the process over the realised sign-ups (a share's spread
    # shrinks with the square root of the share to the whole's), the error of its mean over the
    # draws, and the scatter of this run's days around its own trend (runs scatter about 1.4
    # times the spread alone).
    drawn = float(np.std([per_30(x) for x in fitted], ddof=1))
    spread = math.hypot(
        drawn * math.sqrt(share), drawn / math.sqrt(len(fitted)), 30 * se * math.exp(30 * slope)
    )
    g = data.scenario.demand.growth_per_30_days
    signups = signup_times(data)
    new = int((~signups.existing.astype(bool)).sum())
    return [
        c.Check(
            "growth",
            "orders: change per 30 days",
            "customers' process",
            expected,
            per_30(slope),
            max(0.02, c.Z * spread),
            int(per_day.sum()),
            note=f"{len(signups) - new:,} customers on day 0, {new:,} signed up in the run; "
            f"the market grows {g:+.0%} a month",
        )
    ]
