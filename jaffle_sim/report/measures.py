"""Derived views of a run's event log shared by the profile and the report: visitor touches,
customer sessions, each order with its converting session, and the order-timing model evaluated
at the hours the realised sessions started.

Times are clock seconds (see `run_data`); derived delays are in hours.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from jaffle_sim.clock import DAY, HOUR
from jaffle_sim.distributions import Distribution
from jaffle_sim.events import ORGANIC
from jaffle_sim.report.run_data import RunData

# Draws of the order-timing model per realised order (capped in total), for a smooth reference.
MODEL_DRAWS = 20
MODEL_DRAWS_MAX = 400_000
# Draws from a distribution to get its quantiles and moments.
REFERENCE_DRAWS = 200_000


def draws(dist: Distribution, seed: int = 0) -> np.ndarray:
    """A large sample of `dist`, the same every time."""
    return dist.sample(np.random.default_rng(seed), REFERENCE_DRAWS)


def channel(utm_source: pd.Series) -> pd.Series:
    """A session's channel: its `utm_source`, or `organic` when it has none."""
    return utm_source.astype(object).where(utm_source.notna(), ORGANIC).astype(str)


def signup_sessions(data: RunData) -> set[str]:
    """Ids of the sessions in which a visitor signed up."""
    return set(data.events["signed_up"].session_id.dropna().tolist())


def customer_sessions(data: RunData) -> pd.DataFrame:
    """Sessions customers open when a purchase need arises (not the sign-up session), with
    their `channel`."""
    s = data.events["session"]
    mask = s.customer_id.notna() & ~s.session_id.isin(signup_sessions(data))
    return s[mask].assign(channel=channel(s.utm_source[mask]))


def visitor_touches(data: RunData) -> pd.DataFrame:
    """Every touch of a visitor before sign-up: sessions (`landed`) and ad clicks that bounced,
    numbered per visitor in time order (`number` 1 = first touch seen in the log), with
    `channel` and `converted` (the visitor signed up in this session).

    Journeys under way when the period starts show up with their first touch in the period
    numbered 1: a small excess of first touches in the first days."""
    s = data.events["session"]
    signups = signup_sessions(data)
    visitor = s[s.customer_id.isna() | s.session_id.isin(signups)]
    sessions = pd.DataFrame(
        {
            "visitor_id": visitor.visitor_id.to_numpy(),
            "at": visitor.started_at.to_numpy(),
            "channel": channel(visitor.utm_source).to_numpy(),
            "session_id": visitor.session_id.to_numpy(dtype=object),
            "ad_id": visitor.ad_id.to_numpy(dtype=object),
            "landed": True,
            "converted": visitor.session_id.isin(signups).to_numpy(),
        }
    )
    c = data.events["click"]
    bounced = c[c.session_id.isna()]
    clicks = pd.DataFrame(
        {
            "visitor_id": bounced.visitor_id.to_numpy(),
            "at": bounced.clicked_at.to_numpy(),
            "channel": bounced.platform.astype(str).to_numpy(),
            "session_id": np.full(len(bounced), None, dtype=object),
            "ad_id": bounced.ad_id.to_numpy(dtype=object),
            "landed": False,
            "converted": False,
        }
    )
    touches = pd.concat([sessions, clicks], ignore_index=True)
    touches = touches.sort_values(["visitor_id", "at"], kind="stable", ignore_index=True)
    touches["number"] = touches.groupby("visitor_id").cumcount() + 1
    touches["day"] = touches["at"] // DAY
    return touches


def order_sessions(data: RunData) -> pd.DataFrame:
    """Each order with its converting session: `session_at`, `channel`, `gap_hours` (session
    start to order) and `same_day` (order on the session's calendar day)."""
    o = data.events["order_placed"]
    s = data.events["session"][["session_id", "started_at", "utm_source"]]
    joined = o.merge(s, on="session_id", how="inner")
    gap = (joined.ordered_at - joined.started_at) / HOUR
    return joined.assign(
        session_at=joined.started_at,
        channel=channel(joined.utm_source),
        gap_hours=gap.astype(float),
        same_day=(joined.ordered_at // DAY) == (joined.started_at // DAY),
    )


def timed_orders(data: RunData) -> pd.DataFrame:
    """`order_sessions` whose every possible order time falls in the period: sessions that
    started on day 0 or later and at least the longest conversion delay before the end. An
    order on day 0 from a session of the day before is there only because its delay was long
    enough to reach the period, and one late session's order is seen only when its delay was
    short: keeping either would bias the delays and the same-day share."""
    orders = order_sessions(data)
    longest = data.scenario.journey.order_timing.max_gap_hours * HOUR
    return orders[(orders.session_at >= 0) & (orders.session_at <= data.end_seconds - longest)]


@dataclass(frozen=True)
class ModelGaps:
    """Draws of the scenario's order-timing model at the realised session start times: the
    conversion delay (hours) and order clock hour the model gives for those sessions."""

    gap_hours: np.ndarray
    order_clock_hours: np.ndarray
    same_day: np.ndarray


def model_gaps(data: RunData, session_at: np.ndarray, seed: int = 0) -> ModelGaps:
    """Sample the scenario's `OrderTiming` (with the tilt the simulation uses) at the clock hours
    of `session_at` (clock seconds), `MODEL_DRAWS` times each; a fixed seed keeps it
    reproducible."""
    s = data.scenario
    timing = s.journey.order_timing
    hours = (np.asarray(session_at, dtype=float) % DAY) / HOUR
    draws = max(1, min(MODEL_DRAWS, MODEL_DRAWS_MAX // max(len(hours), 1)))
    hours = np.tile(hours, draws)
    rng = np.random.default_rng(seed)
    gap = timing.sample_gap_seconds(rng, hours, timing.tilt_for(s.traffic.visit_hours)) / HOUR
    clock = hours + gap
    return ModelGaps(gap, clock % 24.0, clock < 24.0)


def growth(data: RunData, days: np.ndarray) -> np.ndarray:
    """The scenario's growth factor on day numbers `days` (1 on day 0)."""
    return (1.0 + data.scenario.demand.growth_per_30_days) ** (np.asarray(days) / 30.0)


def weekly_factor(data: RunData, days: np.ndarray) -> np.ndarray:
    """The scenario's weekly rhythm on day numbers `days`, relative to its mean."""
    w = np.asarray(data.scenario.demand.weekly, dtype=float)
    return (w / w.mean())[(data.start_weekday + np.asarray(days)) % 7]
