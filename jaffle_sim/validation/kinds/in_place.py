"""The kinds of anomaly that change values in place (`Stage.VALUES`): applied first, so that a
share is a share of the day's real rows."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from jaffle_sim.validation.kinds.shared import Params, anomaly_kind, pick_rows
from jaffle_sim.validation.registry import Stage, Tables


def _named(names: pd.Series) -> pd.Series:
    """Names that are not blank (the noise floor leaves a few first names blank)."""
    return names.fillna("").astype(str).str.strip() != ""


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
    hit = pick_rows(rng, t.order_dates() == day, p["share"], True)
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
    hit = pick_rows(rng, t.payment_dates() == day, p["share"], True)
    hit &= t.payments["amount"] != 0  # a 0 already (a full-value coupon) is not changed
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
    hit = (t.payment_dates() == day) & (t.payments["amount"] != 0)  # a 0 stays 0: not changed
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
    hit = pick_rows(rng, t.payment_dates() == day, p["share"], True)
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
    hit = pick_rows(rng, t.customer_dates() == day, p["share"], True)
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
    hit = pick_rows(rng, (t.customer_dates() == day) & named, p["share"], 3)  # shows in a few rows
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
