"""Checks of the fidelity profile for growth over the run (ad spend, running ads, organic visitor
sessions, orders) (the noise floor is in `fidelity_quality`).

Growth is a log-linear trend of daily figures (with a factor per weekday where the figure follows
the weekly rhythm), shown as the change per 30 days. What to expect, and the room for chance, come
from the model:

- spend per ad follows the growth curve exactly, up to the daily pacing of each ad;
- the ads running on a day are a steady-state stream (launches a day times the mean life), so
  their number has no trend, and the total spend grows with the growth curve; the room for chance
  is that of such a stream (ads come and go, each with its own budget), from its autocovariance;
- organic visitor sessions (arrivals and their organic returns) grow with the market;
- orders follow the customers: those who existed on day 0 plus those who signed up in the run,
  each buying at a rate of its own until it churns. The expected trend is that of the scenario's
  "buy till you die" process over the realised sign-ups (drawn `ORDER_REPLICATES` times; their
  spread and the run's own scatter around its trend are the room for chance); it exceeds the
  market's while the customer base builds up. A big run's process is drawn for a random share of
  its customers (about `ORDER_SAMPLE` orders a draw), whose spread is scaled back to the whole.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd

from jaffle_sim.clock import DAY, HOUR
from jaffle_sim.events import ORGANIC, PLATFORMS
from jaffle_sim.report import checks as c
from jaffle_sim.report import measures as m
from jaffle_sim.report.checks import Check
from jaffle_sim.report.measures import draws
from jaffle_sim.report.run_data import RunData

# Draws of the customers' process per run when computing the expected growth of orders.
ORDER_REPLICATES = 30
# Orders a draw of the customers' process simulates at most (a share of the customers beyond).
ORDER_SAMPLE = 40_000
# Shortest run (days) whose trends are measured.
MIN_TREND_DAYS = 14


def _per_30(slope: float) -> float:
    return math.expm1(30.0 * slope)


def trend(
    days: np.ndarray, values: np.ndarray, weekdays: np.ndarray | None = None
) -> tuple[float, float, float]:
    """Least-squares trend of log `values` on `days` (with a level per weekday if `weekdays` is
    given): the slope per day, its standard error from the residuals, and the residual
    variance."""
    y = np.log(np.asarray(values, dtype=float))
    t = np.asarray(days, dtype=float)
    if weekdays is None:
        x = np.stack([np.ones_like(t), t], axis=1)
    else:
        x = np.zeros((len(t), 8))
        x[np.arange(len(t)), weekdays] = 1.0
        x[:, 7] = t
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ coef
    dof = max(len(t) - x.shape[1], 1)
    sigma2 = float(resid @ resid) / dof
    cov = np.linalg.pinv(x.T @ x)
    return float(coef[-1]), math.sqrt(sigma2 * cov[-1, -1]), sigma2


def trend_of_sums(
    n: int, sx: object, sxx: object, sy: object, sxy: object, syy: object
) -> tuple[float, float, float]:
    """`trend` without weekdays from the exact sums of x, x^2, y, xy and y^2 over n points."""
    x, x2, y, xy, y2 = (m.exact(v) for v in (sx, sxx, sy, sxy, syy))
    cxx, cxy, cyy = x2 - x * x / n, xy - x * y / n, y2 - y * y / n
    slope = cxy / cxx if cxx else Fraction(0)
    sigma2 = max(cyy - slope * cxy, Fraction(0)) / max(n - 2, 1)
    se = math.sqrt(float(sigma2 / cxx)) if cxx else math.inf
    return float(slope), se, float(sigma2)


def _slope_weights(n: int) -> np.ndarray:
    """Weights a with slope = a @ y for a least-squares line through n equally spaced days."""
    t = np.arange(n, dtype=float)
    t -= t.mean()
    return t / float(t @ t)


def _stream_cov(data: RunData, n: int, spend: bool) -> tuple[np.ndarray, float]:
    """Autocovariance (n x n, days) of the ads running a day (or of their total spend at growth
    1) when every platform is a steady-state stream, and its mean. An ad launched on day u with
    a life of D days runs on days u..u+D-1: two days k apart share the ads that outlive k days,
    lambda * E[(D - k)+] of them (lambda launches a day)."""
    lag = np.abs(np.arange(n)[:, None] - np.arange(n)[None, :])
    cov = np.zeros((n, n))
    mean = 0.0
    for name in PLATFORMS:
        b = data.scenario.ads[name]
        lam = b.launches_per_day
        life = np.maximum(1, np.rint(draws(b.duration_days)))
        outlive = np.array([np.maximum(life - k, 0).mean() for k in range(n)])
        if not spend:
            cov += lam * outlive[lag]
            mean += lam * float(life.mean())
            continue
        budget = np.maximum(1, np.rint(draws(b.daily_budget_cents)))
        pacing = draws(b.spend_pacing)
        b2, p1, p2 = float((budget**2).mean()), float(pacing.mean()), float((pacing**2).mean())
        cov += lam * b2 * p1 * p1 * outlive[lag]
        cov += np.diag(np.full(n, lam * b2 * (p2 - p1 * p1) * float(life.mean())))
        mean += lam * float(life.mean()) * float(budget.mean()) * p1
    return cov, mean


def _trend_se(cov: np.ndarray, mean: float) -> float:
    """Standard error of the log-linear slope of a series with autocovariance `cov` around
    `mean` (first order: relative fluctuations)."""
    a = _slope_weights(len(cov))
    return math.sqrt(max(float(a @ cov @ a), 0.0)) / max(mean, 1e-12)


def growth(data: RunData, touches: m.Touches) -> list[Check]:
    """Growth of spend per ad and in total, of the running ads, of organic visitor sessions and
    of orders."""
    sec = "growth"
    g = data.scenario.demand.growth_per_30_days
    n = data.days
    if n < MIN_TREND_DAYS:
        return [c.info(sec, "growth over the run", None, n, note=f"needs {MIN_TREND_DAYS} days")]
    days = np.arange(n)
    weekdays = (data.start_weekday + days) % 7
    out: list[Check] = []

    # Spend per ad, relative to the ad's own budget: only pacing is left around the curve.
    exact = "decimal(38, 12)"
    k, *sums = data.one(
        f"""with a as (
                select d.day as x, ln(d.cost_cents / l.daily_budget_cents) as y
                from ev.ad_day as d join ev.ad_launched as l on l.ad_id = d.ad_id
                where d.cost_cents > 0 and l.daily_budget_cents > 0)
            select count(*), sum(x), sum(x * x), sum(cast(y as {exact})),
                   sum(cast(x * y as {exact})), sum(cast(y * y as {exact})) from a"""
    )
    if k > 2:
        slope, se, _ = trend_of_sums(int(k), *sums)
        out.append(
            c.Check(
                sec,
                "demand.growth_per_30_days: spend per ad",
                f"{g:g}",
                g,
                _per_30(slope),
                max(0.005, c.Z * 30 * se * math.exp(30 * slope)),
                int(k),
                note="each ad-day's spend against its own daily budget",
            )
        )

    per_day = ad_days(data)
    running = m.per_day(per_day, n, "ads")
    spend = m.per_day(per_day, n, "cost_cents")
    cov, mean = _stream_cov(data, n, spend=False)
    if (running > 0).all():
        slope, _, _ = trend(days, running)
        out.append(
            c.Check(
                sec,
                "ads running a day: change per 30 days",
                "steady launches",
                0.0,
                _per_30(slope),
                c.Z * 30 * _trend_se(cov, mean),
                n,
                note="launches and ends balance from day 0 on (warm start in steady state)",
            )
        )
    level_se = math.sqrt(float(cov.sum())) / n
    out.append(
        c.Check(
            sec,
            "ads running a day: mean",
            "launches a day x mean life",
            mean,
            float(running.mean()),
            max(0.02 * mean, c.Z * level_se),
            n,
        )
    )
    cov, mean = _stream_cov(data, n, spend=True)
    if (spend > 0).all():
        slope, _, _ = trend(days, spend)
        out.append(
            c.Check(
                sec,
                "demand.growth_per_30_days: ad spend",
                f"{g:g}",
                g,
                _per_30(slope),
                c.Z * 30 * _trend_se(cov, mean) * (1 + g),
                n,
                note="total spend a day; ads come and go with budgets of their own",
            )
        )

    out += _organic_sessions(data, touches, days, weekdays)
    out += _orders(data, days, weekdays)
    return out


def ad_days(data: RunData) -> pd.DataFrame:
    """Per day: the ads running (`ads`), their impressions, clicks and spend (cents)."""
    return data.memo(
        "ad_days",
        lambda: data.sql(
            "select day, count(*) as ads, sum(impressions) as impressions, "
            "sum(clicks) as clicks, sum(cost_cents) as cost_cents from ev.ad_day group by 1"
        ),
    )


def _organic_sessions(
    data: RunData, touches: m.Touches, days: np.ndarray, weekdays: np.ndarray
) -> list[Check]:
    """Organic sessions of visitors (arrivals and organic returns, before sign-up)."""
    d, t = data.scenario.demand, data.scenario.traffic
    skip = min(3, len(days) // 4)
    k = touches.counts
    organic = k[k.landed & (k.channel == ORGANIC)].assign(day=lambda f: f.day.clip(lower=0))
    per_day = m.per_day(organic.groupby("day", as_index=False).n.sum(), data.days)
    keep = days >= skip
    values = per_day[keep]
    if (values == 0).any():
        return []
    slope, se, _ = trend(days[keep], values, weekdays[keep])
    lam = max(float(values.mean()), 1e-9)
    noise = math.sqrt(d.daily_noise_sigma**2 + 1.0 / lam)
    a = _slope_weights(int(keep.sum()))
    se = max(se, noise * math.sqrt(float(a @ a)))
    return [
        c.Check(
            "growth",
            "demand.growth_per_30_days: organic visitor sessions",
            f"{d.growth_per_30_days:g}",
            d.growth_per_30_days,
            _per_30(slope),
            c.Z * 30 * se * math.exp(30 * slope),
            int(values.sum()),
            note=f"about {t.organic_visitors_per_day:g} organic arrivals a day and their "
            "organic returns",
        )
    ]


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
    return data.sql(
        "select session_id is null as existing, signed_up_at from ev.signed_up order by signup_id"
    )


def orders_per_day(data: RunData) -> pd.DataFrame:
    """Orders placed per day (`day`, `n`)."""
    return data.memo(
        "orders_per_day",
        lambda: data.sql(
            "select clock_day(ordered_at) as day, count(*) as n from ev.order_placed group by 1"
        ),
    )


def _orders(data: RunData, days: np.ndarray, weekdays: np.ndarray) -> list[Check]:
    per_day = m.per_day(orders_per_day(data), data.days)
    share = min(1.0, ORDER_SAMPLE / max(float(per_day.sum()), 1.0))
    model = expected_orders(data, share=share)
    if (per_day == 0).any() or (model == 0).any():
        return []
    slope, se, _ = trend(days, per_day, weekdays)
    fitted = np.array([trend(days, row)[0] for row in model])
    expected = float(np.mean([_per_30(x) for x in fitted]))
    # Room for chance: the spread of the process over the realised sign-ups (a share's spread
    # shrinks with the square root of the share to the whole's), the error of its mean over the
    # draws, and the scatter of this run's days around its own trend (runs scatter about 1.4
    # times the spread alone).
    drawn = float(np.std([_per_30(x) for x in fitted], ddof=1))
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
            _per_30(slope),
            max(0.02, c.Z * spread),
            int(per_day.sum()),
            note=f"{len(signups) - new:,} customers on day 0, {new:,} signed up in the run; "
            f"the market grows {g:+.0%} a month",
        )
    ]
