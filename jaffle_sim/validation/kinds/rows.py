"""The kinds of anomaly applied after the values change: rows added or removed (`Stage.ROWS`), and
last of all a column that changes type (`Stage.TYPE`; after it, ids are no longer numbers). Rows
go in this order: duplicates, then copies and extra rows, then rows taken away (a share of the
day's rows before the whole day), so every share is a share of the rows the day really had."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from jaffle_sim.validation.kinds.shared import Params, anomaly_kind, pick_rows
from jaffle_sim.validation.registry import Stage, Tables

# Offsets that keep injected ids apart from real ones.
COPY_ID_OFFSET = 10_000_000
ORPHAN_CUSTOMER_OFFSET = 9_000_000


def _payments_of(t: Tables, orders: pd.Series) -> pd.Series:
    return t.payments["order_id"].isin(set(t.orders.loc[orders, "id"]))


def _duplicate(frame: pd.DataFrame, hit: pd.Series) -> pd.DataFrame:
    """Rows in `hit` appear twice, the copy right after the original."""
    doubled = pd.concat([frame, frame[hit]]).sort_index(kind="stable")
    return doubled.reset_index(drop=True)


@anomaly_kind(
    "duplicate_order_ids",
    table="orders",
    column="id",
    stage=Stage.ROWS,
    defaults={"share": 0.05},
    expected_tests=("validation_orders_order_id_unique",),
    description="a share of the day's orders appear twice with the same id",
)
def duplicate_order_ids(t: Tables, p: Params, day: dt.date, rng: np.random.Generator) -> int:
    hit = pick_rows(rng, t.order_dates() == day, p["share"], True)
    t.orders = _duplicate(t.orders.reset_index(drop=True), hit.reset_index(drop=True))
    return int(hit.sum())


@anomaly_kind(
    "duplicate_signup_ids",
    table="signups",
    column="id",
    stage=Stage.ROWS,
    defaults={"share": 0.05},
    expected_tests=(
        "validation_signups_signup_id_unique",
        "validation_signups_customer_id_unique",
    ),
    description="a share of the day's signups appear twice with the same id",
)
def duplicate_signup_ids(t: Tables, p: Params, day: dt.date, rng: np.random.Generator) -> int:
    hit = pick_rows(rng, t.signup_dates() == day, p["share"], True)
    t.signups = _duplicate(t.signups.reset_index(drop=True), hit.reset_index(drop=True))
    return int(hit.sum())


@anomaly_kind(
    "volume_spike",
    table="orders",
    column=None,
    stage=Stage.ROWS,
    defaults={"factor": 3.0},
    expected_tests=("validation_orders_daily_volume", "validation_payments_daily_volume"),
    description=(
        "the day's orders (with their payments) arrive `factor` times, copies under new ids"
    ),
)
def volume_spike(t: Tables, p: Params, day: dt.date, rng: np.random.Generator) -> int:
    day_orders = t.orders[t.order_dates() == day]
    day_payments = t.payments[_payments_of(t, t.order_dates() == day)]
    copies, pay_copies = [], []
    for k in range(1, max(1, math.ceil(p["factor"]))):
        share = min(1.0, p["factor"] - k)
        pick = pick_rows(rng, pd.Series(True, index=day_orders.index), share, False)
        c = day_orders[pick].copy()
        c["id"] = c["id"] + k * COPY_ID_OFFSET
        paid = day_payments[day_payments["order_id"].isin(set(day_orders.loc[pick, "id"]))].copy()
        paid["order_id"] = paid["order_id"] + k * COPY_ID_OFFSET
        paid["id"] = paid["id"] + k * COPY_ID_OFFSET
        copies.append(c)
        pay_copies.append(paid)
    t.orders = pd.concat([t.orders, *copies], ignore_index=True)
    t.payments = pd.concat([t.payments, *pay_copies], ignore_index=True)
    return sum(len(c) for c in copies)


@anomaly_kind(
    "orphan_signups",
    table="signups",
    column="user_id",
    stage=Stage.ROWS,
    defaults={"share": 0.1},
    expected_tests=("validation_signups_customer_id_relationships",),
    description="extra signups (a share of the day's count) point at customers that do not exist",
)
def orphan_signups(t: Tables, p: Params, day: dt.date, rng: np.random.Generator) -> int:
    pick = pick_rows(rng, t.signup_dates() == day, p["share"], True)
    extra = t.signups[pick].copy()
    extra["user_id"] = ORPHAN_CUSTOMER_OFFSET + extra["id"]
    extra["id"] = extra["id"] + COPY_ID_OFFSET
    extra["user_email"] = [f"orphan{i}@example.com" for i in extra["id"]]
    t.signups = pd.concat([t.signups, extra], ignore_index=True)
    return len(extra)


@anomaly_kind(
    "volume_drop",
    table="orders",
    column=None,
    stage=Stage.ROWS,
    defaults={"keep": 0.2},
    expected_tests=("validation_orders_daily_volume", "validation_payments_daily_volume"),
    description="only a share `keep` of the day's orders (with their payments) arrives",
)
def volume_drop(t: Tables, p: Params, day: dt.date, rng: np.random.Generator) -> int:
    gone = pick_rows(rng, t.order_dates() == day, 1.0 - p["keep"], False)
    t.payments = t.payments[~_payments_of(t, gone)]
    t.orders = t.orders[~gone]
    return int(gone.sum())


@anomaly_kind(
    "customers_without_signup",
    table="signups",
    column=None,
    stage=Stage.ROWS,
    defaults={"share": 0.1},
    expected_tests=("validation_customers_has_signup",),
    description="a share of the day's new customers lose their signup row",
)
def customers_without_signup(t: Tables, p: Params, day: dt.date, rng: np.random.Generator) -> int:
    gone = pick_rows(rng, t.signup_dates() == day, p["share"], True)
    t.signups = t.signups[~gone]
    return int(gone.sum())


@anomaly_kind(
    "freshness_gap",
    table="orders",
    column=None,
    stage=Stage.ROWS,
    expected_tests=(
        "validation_orders_freshness",
        "validation_orders_daily_volume",
        "validation_payments_daily_volume",
    ),
    description="every order of the day, and its payments, is missing (the feed stopped)",
)
def freshness_gap(t: Tables, p: Params, day: dt.date, rng: np.random.Generator) -> int:
    gone = t.order_dates() == day
    t.payments = t.payments[~_payments_of(t, gone)]
    t.orders = t.orders[~gone]
    return int(gone.sum())


# -- a column changes type -------------------------------------------------------------------


@anomaly_kind(
    "schema_change",
    table="orders",
    column="id",
    stage=Stage.TYPE,
    defaults={"prefix": "ID-"},
    expected_tests=(
        "validation_raw_orders_schema",
        "validation_raw_orders_types",
        "validation_orders_order_id_not_null",
        "validation_payments_order_id_relationships",
    ),
    description="the day's order ids turn from integers into prefixed text",
)
def schema_change(t: Tables, p: Params, day: dt.date, rng: np.random.Generator) -> int:
    hit = t.order_dates() == day
    ids = t.orders["id"].astype(str)
    ids[hit] = p["prefix"] + ids[hit]
    t.orders["id"] = ids
    return int(hit.sum())
