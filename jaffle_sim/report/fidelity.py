"""The checks of the fidelity profile: one function per part of the scenario, each measuring the
realised behaviour of a run from its event log and setting it against the scenario.

Units: delays in hours, session lengths in minutes, money in cents, rates per day.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from jaffle_sim.clock import DAY, HOUR, MINUTE
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


def visit_hours(data: RunData, touches: pd.DataFrame) -> list[Check]:
    """Start hours of the sessions drawn from `traffic.visit_hours`: visitors' first touches and
    the sessions customers open when a need arises."""
    t = data.scenario.traffic
    first = touches[(touches.number == 1) & (touches["at"] >= 0)]["at"].to_numpy()
    needs = m.customer_sessions(data)
    starts = np.concatenate([first, needs[needs.started_at >= 0].started_at.to_numpy()])
    return [
        c.distance(
            "sessions",
            "traffic.visit_hours (distance to profile)",
            f"peak {t.visit_hours.peak_hour}h",
            np.bincount(((starts % DAY) // HOUR).astype(int), minlength=24),
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


def _expected(table: np.ndarray, touches: pd.DataFrame) -> float:
    """The mean of a per-(position, channel) rate over `touches`: what they should come to."""
    if len(touches) == 0:
        return float(table.mean())
    pos = (touches.number.to_numpy() > 1).astype(int)
    channel = touches.channel.map({c: i for i, c in enumerate(CHANNELS)}).to_numpy(dtype=int)
    return float(table[pos, channel].mean())


def journeys(data: RunData, touches: pd.DataFrame) -> list[Check]:
    """Visitors before sign-up: landing, conversion per visit, returns and their channels.
    Where the journey states channel effects, each rate is expected at the mix of channels the
    touches came through."""
    sec = "journeys"
    t, j = data.scenario.traffic, data.scenario.journey
    signup, back = touch_rates(data)
    paid = touches[touches.channel != ORGANIC]
    first = touches[(touches.number == 1) & touches.landed & (touches.day >= settle_days(data))]
    later = touches[(touches.number > 1) & touches.landed]
    nxt = touches.groupby("visitor_id")["at"].shift(-1)
    wait = float(np.quantile(m.draws(j.return_delay_hours), 0.99)) * HOUR
    may_return = (
        touches.landed
        & ~touches.converted
        & (touches.number < j.max_sessions)
        & (touches["at"] < data.end_seconds - wait)
    )
    returned = nxt[may_return].notna()
    note = "at the channels of these touches" if np.ptp(signup) > 0 or np.ptp(back) > 0 else ""
    out = [
        c.proportion(
            sec,
            "traffic.landing_share",
            f"{t.landing_share:g}",
            t.landing_share,
            int(paid.landed.sum()),
            len(paid),
        ),
        c.proportion(
            sec,
            "journey.first_visit_conversion",
            f"{j.first_visit_conversion:g}",
            _expected(signup, first),
            int(first.converted.sum()),
            len(first),
            floor=0,
            note=note,
        ),
        c.proportion(
            sec,
            "journey.return_visit_conversion",
            f"{j.return_visit_conversion:g}",
            _expected(signup, later),
            int(later.converted.sum()),
            len(later),
            floor=0,
            note=note,
        ),
        c.proportion(
            sec,
            "journey.return_probability",
            f"{j.return_probability:g}",
            _expected(back, touches[may_return]),
            int(returned.sum()),
            len(returned),
            note="sessions ending before the last returns could be seen"
            + (f"; {note}" if note else ""),
        ),
    ]
    returns = touches[touches.number > 1]
    return out + c.mix(
        sec, "journey.return_channels", dict(j.return_channels.shares), returns.channel
    )


def sessions(data: RunData) -> list[Check]:
    """Session lengths, app shares per channel and the channel mix of all sessions."""
    sec = "sessions"
    s, t = data.events["session"], data.scenario.traffic
    minutes = ((s.ended_at - s.started_at) / MINUTE).to_numpy(dtype=float)
    ref = m.draws(t.session_minutes)
    conf = repr(t.session_minutes)
    out = [
        c.mean(
            sec, "traffic.session_minutes: mean", conf, t.session_minutes.mean, minutes, unit="min"
        ),
        c.quantile(sec, "traffic.session_minutes: median", conf, ref, minutes, 0.5, unit="min"),
    ]
    channel = m.channel(s.utm_source)
    app = (s.site == "app").to_numpy()
    shares = {ORGANIC: ("traffic.organic_app_share", t.organic_app_share)}
    for p in PLATFORMS:
        shares[p] = (f"ads.{p}.app_share", data.scenario.ads[p].app_share)
    for ch, (key, share) in shares.items():
        mask = (channel == ch).to_numpy()
        out.append(
            c.proportion(sec, key, f"{share:g}", share, int(app[mask].sum()), int(mask.sum()))
        )
    counts = channel.value_counts()
    for ch in (ORGANIC, *PLATFORMS):
        out.append(
            c.info(sec, f"share of sessions from {ch}", counts.get(ch, 0) / max(len(s), 1), len(s))
        )
    return out


def ads(data: RunData, touches: pd.DataFrame) -> list[Check]:
    """Per platform: launches, spend per running ad and first-touch click-through rate."""
    sec = "ads"
    launched, ad_day = data.events["ad_launched"], data.events["ad_day"]
    skip = settle_days(data)
    first_clicks = touches[
        (touches.number == 1) & (touches.channel != ORGANIC) & (touches.day >= skip)
    ]
    clicks_per_ad = first_clicks.groupby("ad_id").size()
    out = []
    for p in PLATFORMS:
        b = data.scenario.ads[p]
        new = launched[(launched.platform == p) & (launched.start_day >= 0)]
        out.append(
            c.poisson(
                sec,
                f"ads.{p}.launches_per_day",
                f"{b.launches_per_day:g}",
                b.launches_per_day,
                int((new.start_day < data.days).sum()),
                data.days,
            )
        )
        days = ad_day[ad_day.platform == p]
        base = days.cost_cents.to_numpy(dtype=float) / m.growth(data, days.day.to_numpy())
        by_ad = pd.DataFrame({"ad_id": days.ad_id.to_numpy(), "base": base}).groupby("ad_id")
        out.append(
            c.ratio(
                sec,
                f"ads.{p}.daily_budget_cents",
                repr(b.daily_budget_cents),
                b.daily_budget_cents.mean * b.spend_pacing.mean,
                by_ad.base.sum().to_numpy(),
                by_ad.size().to_numpy(),
                spread=float(m.draws(b.daily_budget_cents).std()) * b.spend_pacing.mean,
                unit="cents",
                note="spend per running ad-day at growth 1",
            )
        )
        per_ad = days[days.day >= skip].groupby("ad_id")[["impressions", "clicks"]].sum()
        first = clicks_per_ad.reindex(per_ad.index, fill_value=0).to_numpy(dtype=float)
        impressions = per_ad.impressions.to_numpy(dtype=float)
        every = per_ad.clicks.to_numpy(dtype=float).sum() / max(impressions.sum(), 1.0)
        out.append(
            c.ratio(
                sec,
                f"ads.{p}.ctr",
                repr(b.ctr),
                b.ctr.mean,
                first,
                impressions,
                rel_floor=0.05,
                spread=float(m.draws(b.ctr).std()),
                counts=True,
                note=f"first-touch clicks; all ad_day clicks {every:.4f} per "
                "impression include returns and retargeting",
            )
        )
    return out


def demand(data: RunData, touches: pd.DataFrame) -> list[Check]:
    """Organic arrivals (first touches) per day: their rate, growth and weekly rhythm. A
    log-linear fit of daily counts on a trend and a factor per weekday separates growth from the
    rhythm. Paid arrivals follow the same curve, but also the ads that happen to run, which
    would blur it."""
    sec = "demand"
    d, t = data.scenario.demand, data.scenario.traffic
    skip = settle_days(data)
    days = np.arange(skip, data.days)
    first = touches[(touches.number == 1) & (touches.day >= skip) & (touches.day < data.days)]
    organic = first[first.channel == ORGANIC]
    per_day = np.bincount(organic.day.to_numpy(dtype=int), minlength=data.days)[days]
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
