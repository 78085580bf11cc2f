"""Derived views of a run's event log shared by the profile and the report, as DuckDB queries that
return small aggregates: visitor touches (counted per channel, position and day), customer
sessions, each order with its converting session, and the order-timing model evaluated at the
times of day the realised sessions started.

Times are clock seconds (see `run_data`); derived delays are in hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

from jaffle_sim.clock import HOUR
from jaffle_sim.distributions import Distribution
from jaffle_sim.events import ORGANIC
from jaffle_sim.report.run_data import RunData

# Draws of the order-timing model per realised order (capped in total), for a smooth reference.
MODEL_DRAWS = 20
MODEL_DRAWS_MAX = 400_000
# Draws from a distribution to get its quantiles and moments.
REFERENCE_DRAWS = 200_000

SIGNUP_SESSIONS = "select distinct session_id from ev.signed_up where session_id is not null"
# Sessions customers open when a purchase need arises (not the sign-up session).
CUSTOMER_SESSIONS = f"""
    select s.*, coalesce(s.utm_source, '{ORGANIC}') as channel from ev.session as s
    where s.customer_id is not null and s.session_id not in ({SIGNUP_SESSIONS})"""
# Every touch of a visitor before sign-up: sessions (`landed`) and ad clicks that bounced,
# numbered per visitor in time order (`number` 1 = first touch seen in the log), with `channel`,
# `converted` (signed up in this session), `next_at` (the visitor's next touch) and `day`.
# Journeys under way when the period starts show up with their first touch in the period
# numbered 1: a small excess of first touches in the first days.
TOUCHES = f"""
    with signups as ({SIGNUP_SESSIONS}),
    raw as (
        select s.visitor_id, s.started_at as touched_at,
               coalesce(s.utm_source, '{ORGANIC}') as channel, s.session_id, s.ad_id,
               true as landed, g.session_id is not null as converted
        from ev.session as s left join signups as g on g.session_id = s.session_id
        where s.customer_id is null or g.session_id is not null
        union all
        select visitor_id, clicked_at, platform, null, ad_id, false, false
        from ev.click where session_id is null
    )
    select *, clock_day(touched_at) as day,
           row_number() over w as number, lead(touched_at) over w as next_at
    from raw
    window w as (partition by visitor_id order by touched_at, landed desc, session_id, ad_id)"""


def draws(dist: Distribution, seed: int = 0) -> np.ndarray:
    """A large sample of `dist`, the same every time."""
    return dist.sample(np.random.default_rng(seed), REFERENCE_DRAWS)


@dataclass(frozen=True)
class Touches:
    """Visitor touches counted three ways: `counts` per (channel, landed, converted, later =
    not the first touch, may_return = could come back and be seen, returned = came back, day;
    days before the period as -1) with `n`; `first_hours` (first touches in the period per clock
    hour); `first_clicks` (first paid touches from day `skip` on, per ad)."""

    counts: pd.DataFrame
    first_hours: np.ndarray
    first_clicks: pd.Series


def touches(data: RunData, skip: int) -> Touches:
    """The touch counts of `data` (a visitor may return while its touch number is below
    `journey.max_sessions` and the touch started before the last returns could be seen)."""
    return data.memo(f"touches{skip}", lambda: _touches(data, skip))


def _touches(data: RunData, skip: int) -> Touches:
    j = data.scenario.journey
    wait = float(np.quantile(draws(j.return_delay_hours), 0.99)) * HOUR
    frame = data.sql(
        f"""
        with t as ({TOUCHES})
        select grouping(hour, first_ad) as g,
               channel, landed, converted, later, may_return, returned, day, hour, first_ad,
               count(*) as n
        from (
            select channel, landed, converted, number > 1 as later,
                   landed and not converted and number < {j.max_sessions}
                       and touched_at < {data.end_seconds - wait} as may_return,
                   next_at is not null as returned, greatest(day, -1) as day,
                   case when number = 1 and touched_at >= 0
                        then second_of_day(touched_at) // {HOUR} end as hour,
                   case when number = 1 and channel != '{ORGANIC}' and day >= {skip}
                        then ad_id end as first_ad
            from t
        )
        group by grouping sets (
            (channel, landed, converted, later, may_return, returned, day), (hour), (first_ad)
        )
        """
    )
    counts = frame[frame.g == 3].drop(columns=["g", "hour", "first_ad"]).reset_index(drop=True)
    for col in ("landed", "converted", "later", "may_return", "returned"):
        counts[col] = counts[col].astype(bool)
    counts["day"] = counts["day"].astype(np.int64)
    counts["n"] = counts["n"].astype(np.int64)
    keys = ["channel", "landed", "converted", "later", "may_return", "returned", "day"]
    counts = counts.sort_values(keys, ignore_index=True)  # groups come in any order
    hours = frame[(frame.g == 1) & frame.hour.notna()]
    first_hours = np.zeros(24, dtype=np.int64)
    first_hours[hours.hour.astype(int).to_numpy()] = hours.n.to_numpy()
    ads = frame[(frame.g == 2) & frame.first_ad.notna()].sort_values("first_ad")
    return Touches(counts, first_hours, ads.set_index("first_ad").n.astype(np.int64))


def customer_session_hours(data: RunData) -> np.ndarray:
    """Customers' sessions in the period per clock hour."""
    frame = data.sql(
        f"""select second_of_day(started_at) // {HOUR} as hour, count(*) as n
            from ({CUSTOMER_SESSIONS}) where started_at >= 0 group by 1"""
    )
    out = np.zeros(24, dtype=np.int64)
    out[frame.hour.astype(int).to_numpy()] = frame.n.to_numpy()
    return out


# Each order with its converting session: `session_at`, `channel`, `gap` (seconds from the
# session start to the order) and `same_day` (the order on the session's calendar day).
ORDER_SESSIONS = f"""
    select o.*, s.started_at as session_at, coalesce(s.utm_source, '{ORGANIC}') as channel,
           o.ordered_at - s.started_at as gap,
           clock_day(o.ordered_at) = clock_day(s.started_at) as same_day
    from ev.order_placed as o inner join ev.session as s on s.session_id = o.session_id"""


def timed_orders(data: RunData) -> str:
    """`ORDER_SESSIONS` whose every possible order time falls in the period: sessions that
    started on day 0 or later and at least the longest conversion delay before the end. An
    order on day 0 from a session of the day before is there only because its delay was long
    enough to reach the period, and one late session's order is seen only when its delay was
    short: keeping either would bias the delays and the same-day share."""
    longest = data.scenario.journey.order_timing.max_gap_hours * HOUR
    return (
        f"select * from ({ORDER_SESSIONS}) "
        f"where session_at >= 0 and session_at <= {data.end_seconds - longest}"
    )


@dataclass(frozen=True)
class Moments:
    """Count, mean and sample standard deviation of a set of values, from exact sums."""

    n: int
    mean: float
    sd: float

    @classmethod
    def of(cls, n: object, total: object, squares: object) -> Moments:
        k = int(exact(n))
        s, s2 = exact(total), exact(squares)
        if k == 0:
            return cls(0, float("nan"), float("nan"))
        var = (k * s2 - s * s) / (k * (k - 1)) if k > 1 else Fraction(0)
        return cls(k, float(s / k), float(max(var, Fraction(0))) ** 0.5)


def exact(value: object) -> Fraction:
    """A sum as DuckDB gave it (an integer, a decimal, or a float that pandas made of a big
    integer) as a fraction; 0 for none (NULL, NA, NaN)."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return Fraction(0)
    return Fraction(str(value))


def moments(data: RunData, relation: str, value: str) -> Moments:
    """`Moments` of the expression `value` (integers, or exact decimals) over `relation`."""
    v = f"({value})"
    return Moments.of(*data.one(f"select count({v}), sum({v}), sum({v} * {v}) from ({relation})"))


@dataclass(frozen=True)
class ModelGaps:
    """Draws of the scenario's order-timing model at the realised session start times: the
    conversion delay (hours) and order clock hour the model gives for those sessions."""

    gap_hours: np.ndarray
    order_clock_hours: np.ndarray
    same_day: np.ndarray


def model_gaps(data: RunData, seconds: np.ndarray, counts: np.ndarray, seed: int = 0) -> ModelGaps:
    """Sample the scenario's `OrderTiming` (with the tilt the simulation uses) at sessions that
    started `counts[i]` times at `seconds[i]` after midnight, `MODEL_DRAWS` times each (at most
    `MODEL_DRAWS_MAX` draws: past that, as many start times drawn from the same histogram); a
    fixed seed keeps it reproducible."""
    s = data.scenario
    timing = s.journey.order_timing
    counts = np.asarray(counts, dtype=np.int64)
    n = int(counts.sum())
    rng = np.random.default_rng(seed)
    if n > MODEL_DRAWS_MAX:
        counts = rng.multinomial(MODEL_DRAWS_MAX, counts / n)
        n = MODEL_DRAWS_MAX
    hours = np.repeat(np.asarray(seconds, dtype=float) / HOUR, counts)
    reps = max(1, min(MODEL_DRAWS, MODEL_DRAWS_MAX // max(n, 1)))
    hours = np.tile(hours, reps)
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


def per_day(frame: pd.DataFrame, days: int, value: str = "n") -> np.ndarray:
    """A `day, <value>` frame as an array over days 0..days-1 (other days dropped)."""
    out = np.zeros(days, dtype=float)
    inside = frame[(frame.day >= 0) & (frame.day < days)]
    np.add.at(out, inside.day.to_numpy(dtype=np.int64), inside[value].to_numpy(dtype=float))
    return out
