"""The kinds of anomaly: each declared once, on the function that plants it.

They are declared in the order they are applied: stage by stage (`Stage`), and within a stage in
the order below. Rows added or removed go: duplicates, then copies and extra rows, then rows
taken away (a share of the day's rows before the whole day), so every share is a share of the
rows the day really had. `expected_tests` are the names of the validation flavour's dbt tests
(dbt_project/models/validation). `KINDS` is built at the end of this module, so it is complete
whenever it can be read.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from jaffle_sim.validation.registry import Kind, KindRegistry, Stage, Tables

# Offsets that keep injected ids apart from real ones.
COPY_ID_OFFSET = 10_000_000
ORPHAN_CUSTOMER_OFFSET = 9_000_000

_registry = KindRegistry()
anomaly_kind = _registry.kind


def _pick(
    rng: np.random.Generator, mask: pd.Series, share: float, at_least: int | bool
) -> pd.Series:
    """A random `share` of the rows in `mask`, and at least `at_least` rows when any exist."""
    idx = np.flatnonzero(mask.to_numpy())
    n = round(share * len(idx))
    if share > 0:
        n = max(n, int(at_least))
    chosen = np.zeros(len(mask), dtype=bool)
    chosen[rng.choice(idx, size=min(n, len(idx)), replace=False)] = True
    return pd.Series(chosen, index=mask.index)


def _payments_of(t: Tables, orders: pd.Series) -> pd.Series:
    return t.payments["order_id"].isin(set(t.orders.loc[orders, "id"]))


def _duplicate(frame: pd.DataFrame, hit: pd.Series) -> pd.DataFrame:
    """Rows in `hit` appear twice, the copy right after the original."""
    doubled = pd.concat([frame, frame[hit]]).sort_index(kind="stable")
    return doubled.reset_index(drop=True)


def _named(names: pd.Series) -> pd.Series:
    """Names that are not blank (the noise floor leaves a few first names blank)."""
    return names.fillna("").astype(str).str.strip() != ""


Params = Mapping[str, Any]

# -- values change in place ------------------------------------------------------------------


@anomaly_kind(
    "invalid_status",
    table="orders",
    column="status",
    stage=Stage.VALUES,
    defaults={"share": 0.5, "value": "lost"},
    expected_tests=("validation_orders_status_accepted_values",),
    description="a share of the day's orders get an unknown status",
)
def invalid_status(t: Tables, p: Params, day: dt.date, rng: np.random.Generator) -> int:
    hit = _pick(rng, t.order_dates() == day, p["share"], True)
    t.orders.loc[hit, "status"] = p["value"]
    return int(hit.sum())


@anomaly_kind(
    "hour_shift",
    table="orders",
    column="order_date",
    stage=Stage.VALUES,
    defaults={"hour": 23},
    expected_tests=("validation_orders_hour_of_day",),
    description="every order of the day is placed at the same hour",
)
def hour_shift(t: Tables, p: Params, day: dt.date, rng: np.random.Generator) -> int:
    hit = (t.order_dates() == day) & (pd.to_datetime(t.orders["order_date"]).dt.hour != p["hour"])
    stamps = pd.to_datetime(t.orders.loc[hit, "order_date"])
    within_hour = stamps - stamps.dt.floor("h")
    t.orders.loc[hit, "order_date"] = (
        stamps.dt.normalize() + pd.Timedelta(hours=p["hour"]) + within_hour
    )
    return int(hit.sum())


@anomaly_kind(
    "zero_amounts",
    table="payments",
    column="amount",
    stage=Stage.VALUES,
    defaults={"share": 0.3},
    expected_tests=(
        "validation_payments_zero_amount_rate",
        "validation_payments_amount_positive_unless_coupon",
    ),
    description="a share of the day's payments have amount 0",
)
def zero_amounts(t: Tables, p: Params, day: dt.date, rng: np.random.Generator) -> int:
    hit = _pick(rng, t.payment_dates() == day, p["share"], True)
    t.payments.loc[hit, "amount"] = 0
    return int(hit.sum())


@anomaly_kind(
    "amount_shift",
    table="payments",
    column="amount",
    stage=Stage.VALUES,
    defaults={"factor": 4.0},
    expected_tests=("validation_payments_amount_average",),
    description="the day's payment amounts are multiplied by `factor` (a unit bug)",
)
def amount_shift(t: Tables, p: Params, day: dt.date, rng: np.random.Generator) -> int:
    hit = t.payment_dates() == day
    t.payments.loc[hit, "amount"] = (t.payments.loc[hit, "amount"] * p["factor"]).round()
    t.payments["amount"] = t.payments["amount"].astype("int64")
    return int(hit.sum())


@anomaly_kind(
    "method_mix_shift",
    table="payments",
    column="payment_method",
    stage=Stage.VALUES,
    defaults={"share": 0.7, "value": "coupon"},
    expected_tests=("validation_payments_method_mix",),
    description="a share of the day's payments switch to one method (a dimension anomaly)",
)
def method_mix_shift(t: Tables, p: Params, day: dt.date, rng: np.random.Generator) -> int:
    hit = _pick(rng, t.payment_dates() == day, p["share"], True)
    hit &= t.payments["payment_method"] != p["value"]
    t.payments.loc[hit, "payment_method"] = p["value"]
    return int(hit.sum())


@anomaly_kind(
    "blank_first_names",
    table="customers",
    column="first_name",
    stage=Stage.VALUES,
    defaults={"share": 0.5, "value": "  "},
    expected_tests=("validation_customers_first_name_blank_rate",),
    description="a share of the day's new customers get a blank first name",
)
def blank_first_names(t: Tables, p: Params, day: dt.date, rng: np.random.Generator) -> int:
    hit = _pick(rng, t.customer_dates() == day, p["share"], True)
    t.customers.loc[hit, "first_name"] = p["value"]
    return int(hit.sum())


@anomaly_kind(
    "names_swapped",
    table="customers",
    column="first_name",
    stage=Stage.VALUES,
    defaults={"share": 0.5},
    expected_tests=("validation_customers_names_swapped",),
    description="a share of the day's new customers have first and last name swapped",
)
def names_swapped(t: Tables, p: Params, day: dt.date, rng: np.random.Generator) -> int:
    named = _named(t.customers["first_name"]) & _named(t.customers["last_name"])
    hit = _pick(rng, (t.customer_dates() == day) & named, p["share"], 3)  # shows in a few rows
    first = t.customers.loc[hit, "first_name"].copy()
    t.customers.loc[hit, "first_name"] = t.customers.loc[hit, "last_name"]
    t.customers.loc[hit, "last_name"] = first
    return int(hit.sum())


@anomaly_kind(
    "shared_email",
    table="signups",
    column="user_email",
    stage=Stage.VALUES,
    defaults={"value": "abcd@example.com"},
    expected_tests=("validation_signups_email_unique", "validation_signups_email_distinct_rate"),
    description="every signup of the day uses the same email",
)
def shared_email(t: Tables, p: Params, day: dt.date, rng: np.random.Generator) -> int:
    hit = t.signup_dates() == day
    t.signups.loc[hit, "user_email"] = p["value"]
    return int(hit.sum())


# -- rows added or removed -------------------------------------------------------------------


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
    hit = _pick(rng, t.order_dates() == day, p["share"], True)
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
    hit = _pick(rng, t.signup_dates() == day, p["share"], True)
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
        pick = _pick(rng, pd.Series(True, index=day_orders.index), share, False)
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
    pick = _pick(rng, t.signup_dates() == day, p["share"], True)
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
    gone = _pick(rng, t.order_dates() == day, 1.0 - p["keep"], False)
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
    gone = _pick(rng, t.signup_dates() == day, p["share"], True)
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


KINDS: dict[str, Kind] = dict(sorted(_registry.kinds().items(), key=lambda item: item[1].order))
