"""The five attribution models of the warehouse's `attribution_touches` mart, in Python, so that a
run without a warehouse can be scored too.

Same definitions as `dbt_project/models/marts/attribution_touches.sql`: a conversion is an order;
its touches are the sessions of its (stitched) customer that started in the conversion window
before it (order_at - window <= started_at < order_at), numbered chronologically (1 = earliest,
n = the last touch). Weights per conversion, each model summing to 1:

  first_touch     1 for touch 1            last_touch   1 for touch n
  linear          1/n                      time_decay   0.7^(n-k), normalised
  position_based  40/20/40: n = 1 -> 1; n = 2 -> 0.5 each; otherwise 0.4 first and last,
                  0.2/(n-2) each touch in between
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jaffle_sim.clock import DAY
from jaffle_sim.events import ORGANIC

MODELS = ("first_touch", "last_touch", "linear", "position_based", "time_decay")
DECAY = 0.7
DECIMALS = 10  # the mart rounds its weights to 10 decimals


def weights(model: str, touch: np.ndarray, count: np.ndarray) -> np.ndarray:
    """The weight of touch `touch` (1-based) of a conversion with `count` touches."""
    k = np.asarray(touch, dtype=float)
    n = np.asarray(count, dtype=float)
    if model == "first_touch":
        w = (k == 1).astype(float)
    elif model == "last_touch":
        w = (k == n).astype(float)
    elif model == "linear":
        w = 1.0 / n
    elif model == "position_based":
        middle = np.divide(0.2, n - 2, out=np.zeros_like(n), where=n > 2)
        w = np.where(n == 1, 1.0, np.where(n == 2, 0.5, np.where((k == 1) | (k == n), 0.4, middle)))
    elif model == "time_decay":
        w = DECAY ** (n - k) * (1 - DECAY) / (1 - DECAY**n)
    else:
        raise ValueError(f"unknown attribution model {model!r}; expected one of {MODELS}")
    return np.round(w, DECIMALS)


def order_touches(
    sessions: pd.DataFrame,
    signups: pd.DataFrame,
    orders: pd.DataFrame,
    window_days: float = 1.0,
) -> pd.DataFrame:
    """The mart's rows from the event log (times in clock seconds): one row per (order, touch)
    with `order_id, customer_id, total_cents, is_first_order, session_id, channel,
    touch_number, touch_count` and one `<model>_weight` column per model.

    `sessions`: session events (`is_duplicate` rows are dropped), `signups`: sign-up events (they
    stitch a visitor's anonymous sessions to the customer), `orders`: order_placed events."""
    s = sessions
    if "is_duplicate" in s:
        s = s[~s["is_duplicate"].astype(bool)]
    customer_of = dict(zip(signups["visitor_id"].tolist(), signups["customer_id"].tolist()))
    stitched = s["customer_id"].astype("Int64").fillna(s["visitor_id"].map(customer_of))
    s = pd.DataFrame(
        {
            "customer_id": stitched,
            "session_id": s["session_id"].to_numpy(),
            "started_at": s["started_at"].to_numpy(dtype=np.int64),
            "channel": s["utm_source"].fillna(ORGANIC).to_numpy(),
        }
    ).dropna(subset=["customer_id"])
    s["customer_id"] = s["customer_id"].astype(np.int64)
    o = pd.DataFrame(
        {
            "order_id": orders["order_id"].to_numpy(dtype=np.int64),
            "customer_id": orders["customer_id"].to_numpy(dtype=np.int64),
            "order_at": orders["ordered_at"].to_numpy(dtype=np.int64),
            "total_cents": orders["total_cents"].to_numpy(dtype=np.int64),
            "is_first_order": orders["is_first_order"].to_numpy(dtype=bool),
        }
    )
    t = o.merge(s, on="customer_id")
    t = t[(t.started_at < t.order_at) & (t.started_at >= t.order_at - window_days * DAY)]
    t = t.sort_values(["order_id", "started_at", "session_id"], kind="stable")
    t["touch_number"] = t.groupby("order_id").cumcount() + 1
    t["touch_count"] = t.groupby("order_id")["order_id"].transform("size")
    for model in MODELS:
        t[f"{model}_weight"] = weights(model, t.touch_number.to_numpy(), t.touch_count.to_numpy())
    return t.reset_index(drop=True)


def touch_counts_sql(window_days: float = 1.0) -> str:
    """`order_touches` as a DuckDB query over a run's clock views (`report.run_data`), summed
    per (channel, touch_number, touch_count): `cents` (order amounts) and `firsts` (first
    orders). Every model's weight depends on the touch's number and count only, so these few
    rows give each model's credit per channel (`credit_per_channel`)."""
    return f"""
        with customer_of as (
            select visitor_id, max(customer_id) as customer_id from ev.signed_up group by 1),
        s as (
            select coalesce(s.customer_id, c.customer_id) as customer_id, s.session_id,
                   s.started_at, coalesce(s.utm_source, '{ORGANIC}') as channel
            from ev.session as s left join customer_of as c on c.visitor_id = s.visitor_id),
        t as (
            select o.order_id, o.total_cents, o.is_first_order, s.channel,
                   row_number() over w as touch_number
            from ev.order_placed as o join s on s.customer_id = o.customer_id
                and s.started_at < o.ordered_at
                and s.started_at >= o.ordered_at - {float(window_days) * DAY}
            window w as (partition by o.order_id order by s.started_at, s.session_id)),
        sizes as (select order_id, count(*) as touch_count from t group by 1),
        u as (select t.*, z.touch_count from t join sizes as z on z.order_id = t.order_id)
        select channel, touch_number, touch_count, sum(total_cents) as cents,
               count(*) filter (where is_first_order) as firsts
        from u group by all order by all"""


def credit_per_channel(counts: pd.DataFrame, model: str, value: str) -> pd.Series:
    """Sum over `counts` rows (`channel, touch_number, touch_count, <value>`) of the model's
    weight times `value`, per channel."""
    w = weights(model, counts.touch_number.to_numpy(), counts.touch_count.to_numpy())
    return (
        pd.Series(w * counts[value].to_numpy(dtype=float)).groupby(counts.channel.to_numpy()).sum()
    )
