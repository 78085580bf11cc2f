"""The checks of the fidelity profile: one function per part of the scenario, each measuring the
realised behaviour of a run from its event log and setting it against the scenario.

Units: delays in hours, session lengths in minutes, money in cents, rates per day.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from jaffle_sim.clock import MINUTE
from jaffle_sim.events import CHANNELS, ORGANIC, PLATFORMS, WEEKDAYS
from jaffle_sim.report import checks as c
from jaffle_sim.report import measures as m
from jaffle_sim.report.checks import Check
from jaffle_sim.report.run_data import RunData

# First days of a run whose first touches include returns of journeys that began before it (the
# event log cannot tell those apart from new arrivals). Measures of first touches (arrivals, CTR,
# first-visit conversion) skip them, and need runs longer than twice as many days.
SETTLE_DAYS = 3


def settle_days(data: RunData) -> int:
    """Days at the start that the first-touch measures skip (all of a run too short to spare
    them: those measures then have no data)."""
    return SETTLE_DAYS if data.days > 2 * SETTLE_DAYS else data.days


def visit_hours(data: RunData, touches: m.Touches) -> list[Check]:
    """Start hours of the sessions drawn from `traffic.visit_hours`: visitors' first touches and
    the sessions customers open when a need arises."""
    t = data.scenario.traffic
    return [
        c.distance(
            "sessions",
            "traffic.visit_hours (distance to profile)",
            f"peak {t.visit_hours.peak_hour}h",
            touches.first_hours + m.customer_session_hours(data),
            np.asarray(t.visit_hours.weights),
            note="first touches and customers' sessions",
        )
    ]


def touch_rates(data: RunData) -> tuple[np.ndarray, np.ndarray]:
    """The chance to sign up and to come back of a touch, per position (row 0: first touch,
    row 1: a return) and channel (columns in `CHANNELS` order): the journey's base rates, times
    its channel effects where it states them."""
    t, j = data.scenario.traffic, data.scenario.journey
    rates = getattr(j, "rates", None)
    if rates is not None:
        r = rates(t.landing_share)
        return np.asarray(r.signup, dtype=float), np.asarray(r.back, dtype=float)
    signup = np.array([[j.first_visit_conversion], [j.return_visit_conversion]])
    back = np.full((2, 1), j.return_probability)
    return np.repeat(signup, len(CHANNELS), axis=1), np.repeat(back, len(CHANNELS), axis=1)


def _expected(table: np.ndarray, counts: pd.DataFrame) -> float:
    """The mean of a per-(position, channel) rate over the touches counted in `counts`: what
    they should come to."""
    n = counts.n.to_numpy(dtype=float)
    if n.sum() == 0:
        return float(table.mean())
    pos = counts.later.to_numpy(dtype=int)
    channel = counts.channel.map({c: i for i, c in enumerate(CHANNELS)}).to_numpy(dtype=int)
    return float((table[pos, channel] * n).sum() / n.sum())


def _n(counts: pd.DataFrame, mask: pd.Series | None = None) -> int:
    return int(counts.n.sum() if mask is None else counts.n[mask].sum())


def journeys(data: RunData, touches: m.Touches) -> list[Check]:
    """Visitors before sign-up: landing, conversion per visit, returns and their channels.
    Where the journey states channel effects, each rate is expected at the mix of channels the
    touches came through."""
    sec = "journeys"
    t, j = data.scenario.traffic, data.scenario.journey
    signup, back = touch_rates(data)
    k = touches.counts
    paid = k[k.channel != ORGANIC]
    first = k[~k.later & k.landed & (k.day >= settle_days(data))]
    later = k[k.later & k.landed]
    may_return = k[k.may_return]
    note = "at the channels of these touches" if np.ptp(signup) > 0 or np.ptp(back) > 0 else ""
    out = [
        c.proportion(
            sec,
            "traffic.landing_share",
            f"{t.landing_share:g}",
            t.landing_share,
            _n(paid, paid.landed),
            _n(paid),
        ),
        c.proportion(
            sec,
            "journey.first_visit_conversion",
            f"{j.first_visit_conversion:g}",
            _expected(signup, first),
            _n(first, first.converted),
            _n(first),
            floor=0,
            note=note,
        ),
        c.proportion(
            sec,
            "journey.return_visit_conversion",
            f"{j.return_visit_conversion:g}",
            _expected(signup, later),
            _n(later, later.converted),
            _n(later),
            floor=0,
            note=note,
        ),
        c.proportion(
            sec,
            "journey.return_probability",
            f"{j.return_probability:g}",
            _expected(back, may_return),
            _n(may_return, may_return.returned),
            _n(may_return),
            note="sessions ending before the last returns could be seen"
            + (f"; {note}" if note else ""),
        ),
    ]
    returns = k[k.later].groupby("channel").n.sum().sort_index()
    return out + c.mix_counts(
        sec, "journey.return_channels", dict(j.return_channels.shares), returns.to_dict()
    )


def sessions(data: RunData) -> list[Check]:
    """Session lengths, app shares per channel and the channel mix of all sessions."""
    sec = "sessions"
    t = data.scenario.traffic
    per_channel = data.sql(
        f"""select coalesce(utm_source, '{ORGANIC}') as channel, count(*) as n,
                   count(*) filter (where site = 'app') as app from ev.session group by 1"""
    ).set_index("channel")
    length = m.moments(data, "select * from ev.session", "ended_at - started_at")
    minutes = data.sample(
        "select * from ev.session", f"(ended_at - started_at) / {MINUTE}", "session_id"
    )
    ref = m.draws(t.session_minutes)
    conf = repr(t.session_minutes)
    out = [
        c.mean_of(
            sec,
            "traffic.session_minutes: mean",
            conf,
            t.session_minutes.mean,
            length.n,
            length.mean / MINUTE,
            length.sd / MINUTE,
            unit="min",
        ),
        c.quantile(sec, "traffic.session_minutes: median", conf, ref, minutes, 0.5, unit="min"),
    ]
    shares = {ORGANIC: ("traffic.organic_app_share", t.organic_app_share)}
    for p in PLATFORMS:
        shares[p] = (f"ads.{p}.app_share", data.scenario.ads[p].app_share)
    for ch, (key, share) in shares.items():
        app = int(per_channel.app.get(ch, 0))
        out.append(c.proportion(sec, key, f"{share:g}", share, app, int(per_channel.n.get(ch, 0))))
    total = int(per_channel.n.sum())
    for ch in (ORGANIC, *PLATFORMS):
        share = int(per_channel.n.get(ch, 0)) / max(total, 1)
        out.append(c.info(sec, f"share of sessions from {ch}", share, total))
    return out


def ads(data: RunData, touches: m.Touches) -> list[Check]:
    """Per platform: launches, spend per running ad and first-touch click-through rate."""
    sec = "ads"
    skip = settle_days(data)
    g = data.scenario.demand.growth_per_30_days
    launches = data.sql(
        f"""select platform, count(*) as n from ev.ad_launched
            where start_day >= 0 and start_day < {data.days} group by 1"""
    ).set_index("platform")
    # Per ad: its days, its spend at growth 1 (exact decimal sums) and, from day `skip` on,
    # its days, impressions and clicks.
    per_ad = data.sql(
        f"""select platform, ad_id, count(*) as days,
                   sum(cast(cost_cents / pow({1.0 + g}, day / 30.0) as decimal(38, 9))) as base,
                   count(*) filter (where day >= {skip}) as later_days,
                   sum(impressions) filter (where day >= {skip}) as impressions,
                   sum(clicks) filter (where day >= {skip}) as clicks
            from ev.ad_day group by 1, 2 order by 1, 2"""
    )
    out = []
    for p in PLATFORMS:
        b = data.scenario.ads[p]
        out.append(
            c.poisson(
                sec,
                f"ads.{p}.launches_per_day",
                f"{b.launches_per_day:g}",
                b.launches_per_day,
                int(launches.n.get(p, 0)),
                data.days,
            )
        )
        mine = per_ad[per_ad.platform == p]
        out.append(
            c.ratio(
                sec,
                f"ads.{p}.daily_budget_cents",
                repr(b.daily_budget_cents),
                b.daily_budget_cents.mean * b.spend_pacing.mean,
                mine.base.to_numpy(dtype=float),
                mine.days.to_numpy(dtype=float),
                spread=float(m.draws(b.daily_budget_cents).std()) * b.spend_pacing.mean,
                unit="cents",
                note="spend per running ad-day at growth 1",
            )
        )
        seen = mine[mine.later_days > 0]
        first = touches.first_clicks.reindex(seen.ad_id.to_numpy(), fill_value=0)
        impressions = seen.impressions.to_numpy(dtype=float)
        every = seen.clicks.to_numpy(dtype=float).sum() / max(impressions.sum(), 1.0)
        out.append(
            c.ratio(
                sec,
                f"ads.{p}.ctr",
                repr(b.ctr),
                b.ctr.mean,
                first.to_numpy(dtype=float),
                impressions,
                rel_floor=0.05,
                spread=float(m.draws(b.ctr).std()),
                counts=True,
                note=f"first-touch clicks; all ad_day clicks {every:.4f} per "
                "impression include returns and retargeting",
            )
        )
    return out


def demand(data: RunData, touches: m.Touches) -> list[Check]:
    """Organic arrivals (first touches) per day: their rate, growth and weekly rhythm. A
    log-linear fit of daily counts on a trend and a factor per weekday separates growth from the
    rhythm. Paid arrivals follow the same curve, but also the ads that happen to run, which
    would blur it."""
    sec = "demand"
    d, t = data.scenario.demand, data.scenario.traffic
    skip = settle_days(data)
    days = np.arange(skip, data.days)
    k = touches.counts
    organic = k[~k.later & (k.channel == ORGANIC)].groupby("day", as_index=False).n.sum()
    per_day = m.per_day(organic, data.days)[days]
    scale = m.growth(data, days) * m.weekly_factor(data, days)
    # One day's count: Poisson around the rate, times the daily log-normal noise.
    lam = t.organic_visitors_per_day * float(scale.mean()) if len(days) else 1.0
    sd = t.organic_visitors_per_day * math.sqrt(d.daily_noise_sigma**2 + 1 / max(lam, 1e-9))
    rate = c.mean(
        sec,
        "traffic.organic_visitors_per_day",
        f"{t.organic_visitors_per_day:g}",
        t.organic_visitors_per_day,
        per_day / scale,
        0.03,
        sd,
        note="organic first touches per day at growth 1, average weekday",
    )
    out = [rate]
    weekday = (data.start_weekday + days) % 7
    if len(days) < 9 or len(set(weekday.tolist())) < 7 or (per_day == 0).any():
        return out
    x = np.zeros((len(days), 8))
    x[np.arange(len(days)), weekday] = 1.0
    x[:, 7] = days
    y = np.log(per_day)
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ coef
    sigma2 = max(
        float(resid @ resid) / max(len(days) - 8, 1), (sd / t.organic_visitors_per_day) ** 2
    )
    cov = sigma2 * np.linalg.inv(x.T @ x)
    slope, slope_se = coef[7], math.sqrt(cov[7, 7])
    out.append(
        c.Check(
            sec,
            "demand.growth_per_30_days",
            f"{d.growth_per_30_days:g}",
            d.growth_per_30_days,
            math.expm1(30 * slope),
            c.Z * 30 * slope_se * math.exp(30 * slope),
            len(days),
            note="trend of daily organic arrivals",
        )
    )
    factors = np.exp(coef[:7])
    factors /= factors.mean()
    weekly = np.asarray(d.weekly) / np.mean(d.weekly)
    for i, name in enumerate(WEEKDAYS):
        se = math.sqrt(cov[i, i]) * factors[i]
        out.append(
            c.Check(
                sec,
                f"demand.weekly.{name}",
                f"{d.weekly[i]:g}",
                float(weekly[i]),
                float(factors[i]),
                max(0.02, c.Z * se),
                int((weekday == i).sum()),
                note="organic arrivals relative to the week's mean",
            )
        )
    return out
