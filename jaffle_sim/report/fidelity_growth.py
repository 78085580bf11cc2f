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
- orders follow the customers (`fidelity_orders`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from jaffle_sim.events import ORGANIC, PLATFORMS
from jaffle_sim.report import checks as c
from jaffle_sim.report import fidelity_orders
from jaffle_sim.report import measures as m
from jaffle_sim.report.checks import Check
from jaffle_sim.report.measures import draws
from jaffle_sim.report.run_data import RunData
from jaffle_sim.report.trends import per_30, slope_weights, trend, trend_of_sums

# Shortest run (days) whose trends are measured.
MIN_TREND_DAYS = 14


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
    a = slope_weights(len(cov))
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
                per_30(slope),
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
                per_30(slope),
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
                per_30(slope),
                c.Z * 30 * _trend_se(cov, mean) * (1 + g),
                n,
                note="total spend a day; ads come and go with budgets of their own",
            )
        )

    out += _organic_sessions(data, touches, days, weekdays)
    out += fidelity_orders.orders(data, days, weekdays)
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
    a = slope_weights(int(keep.sum()))
    se = max(se, noise * math.sqrt(float(a @ a)))
    return [
        c.Check(
            "growth",
            "demand.growth_per_30_days: organic visitor sessions",
            f"{d.growth_per_30_days:g}",
            d.growth_per_30_days,
            per_30(slope),
            c.Z * 30 * se * math.exp(30 * slope),
            int(values.sum()),
            note=f"about {t.organic_visitors_per_day:g} organic arrivals a day and their "
            "organic returns",
        )
    ]
