"""Anomaly injectors: small, composable, labelled changes to the validation flavour's tables.

An `Anomaly` says what to plant (kind), where (its table and column are fixed by the kind), on
which simulated day (`day`: -1 is the last day, or a date) and how strongly (`share`, `factor`,
`value`, ...). `inject` applies a list of them to clean tables with their own random stream and
returns the changed tables and, per anomaly, the number of rows it changed: the ground truth that
`anomalies.json` records with the dbt tests expected to catch each one.

Rows are dated as the data contract implies: orders by `order_date`, payments by their order,
signups by `signup_date`, customers by their signup.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from jaffle_sim.simulation.streams import Streams

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# Offsets that keep injected ids apart from real ones.
COPY_ID_OFFSET = 10_000_000
ORPHAN_CUSTOMER_OFFSET = 9_000_000


class AnomalyError(ValueError):
    """An anomaly specification is invalid; the message names the entry and key."""


@dataclass(frozen=True)
class Kind:
    """What a kind of anomaly changes, its default parameters and the tests expected to catch
    it (dbt test names of the bundled project)."""

    table: str
    column: str | None
    defaults: Mapping[str, Any]
    expected_tests: tuple[str, ...]
    description: str


KINDS: dict[str, Kind] = {
    "freshness_gap": Kind(
        "orders",
        None,
        {},
        ("orders_freshness", "orders_daily_volume", "payments_daily_volume"),
        "every order of the day, and its payments, is missing (the feed stopped)",
    ),
    "schema_change": Kind(
        "orders",
        "id",
        {"prefix": "ID-"},
        (
            "raw_orders_schema",
            "stg_orders_order_id_not_null",
            "stg_payments_order_id_relationships",
        ),
        "the day's order ids turn from integers into prefixed text",
    ),
    "invalid_status": Kind(
        "orders",
        "status",
        {"share": 0.5, "value": "lost"},
        ("stg_orders_status_accepted_values",),
        "a share of the day's orders get an unknown status",
    ),
    "duplicate_order_ids": Kind(
        "orders",
        "id",
        {"share": 0.05},
        ("stg_orders_order_id_unique",),
        "a share of the day's orders appear twice with the same id",
    ),
    "volume_spike": Kind(
        "orders",
        None,
        {"factor": 3.0},
        ("orders_daily_volume", "payments_daily_volume"),
        "the day's orders (with their payments) arrive `factor` times, copies under new ids",
    ),
    "volume_drop": Kind(
        "orders",
        None,
        {"keep": 0.2},
        ("orders_daily_volume", "payments_daily_volume"),
        "only a share `keep` of the day's orders (with their payments) arrives",
    ),
    "hour_shift": Kind(
        "orders",
        "order_date",
        {"hour": 23},
        ("orders_hour_of_day",),
        "every order of the day is placed at the same hour",
    ),
    "zero_amounts": Kind(
        "payments",
        "amount",
        {"share": 0.3},
        ("payments_zero_amount_rate", "stg_payments_amount_positive"),
        "a share of the day's payments have amount 0",
    ),
    "amount_shift": Kind(
        "payments",
        "amount",
        {"factor": 4.0},
        ("payments_amount_average",),
        "the day's payment amounts are multiplied by `factor` (a unit bug)",
    ),
    "method_mix_shift": Kind(
        "payments",
        "payment_method",
        {"share": 0.7, "value": "coupon"},
        ("payments_method_mix",),
        "a share of the day's payments switch to one method (a dimension anomaly)",
    ),
    "blank_first_names": Kind(
        "customers",
        "first_name",
        {"share": 0.5, "value": "  "},
        ("customers_first_name_blank_rate", "stg_customers_first_name_not_blank"),
        "a share of the day's new customers get a blank first name",
    ),
    "names_swapped": Kind(
        "customers",
        "first_name",
        {"share": 0.5},
        ("customers_names_swapped",),
        "a share of the day's new customers have first and last name swapped",
    ),
    "shared_email": Kind(
        "signups",
        "user_email",
        {"value": "abcd@example.com"},
        ("stg_signups_email_unique", "signups_email_distinct_rate"),
        "every signup of the day uses the same email",
    ),
    "duplicate_signup_ids": Kind(
        "signups",
        "id",
        {"share": 0.05},
        ("stg_signups_signup_id_unique", "stg_signups_customer_id_unique"),
        "a share of the day's signups appear twice with the same id",
    ),
    "customers_without_signup": Kind(
        "signups",
        None,
        {"share": 0.1},
        ("stg_customers_has_signup",),
        "a share of the day's new customers lose their signup row",
    ),
    "orphan_signups": Kind(
        "signups",
        "user_id",
        {"share": 0.1},
        ("stg_signups_customer_id_relationships",),
        "extra signups (a share of the day's count) point at customers that do not exist",
    ),
}


@dataclass(frozen=True)
class Anomaly:
    """One anomaly to plant: `kind`, the simulated `day` (negative: counted from the last day, -1
    being the last; or a date) and parameters overriding the kind's defaults."""

    kind: str
    day: int | dt.date
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise AnomalyError(
                f"unknown anomaly kind {self.kind!r}; expected one of {', '.join(KINDS)}"
            )
        unknown = set(self.params) - set(KINDS[self.kind].defaults)
        if unknown:
            allowed = ", ".join(KINDS[self.kind].defaults) or "none"
            raise AnomalyError(
                f"{self.kind}: unknown parameter(s) {sorted(unknown)}; allowed: {allowed}"
            )
        for key in ("share", "keep"):
            value = self.params.get(key)
            if value is not None and not (isinstance(value, (int, float)) and 0 <= value <= 1):
                raise AnomalyError(f"{self.kind}: {key} must be in [0, 1], got {value!r}")
        factor = self.params.get("factor")
        if factor is not None and not (isinstance(factor, (int, float)) and factor > 0):
            raise AnomalyError(f"{self.kind}: factor must be > 0, got {factor!r}")
        hour = self.params.get("hour")
        if hour is not None and not (isinstance(hour, int) and 0 <= hour <= 23):
            raise AnomalyError(f"{self.kind}: hour must be a whole number 0-23, got {hour!r}")
        if isinstance(self.day, int) and self.day >= 0:
            raise AnomalyError(f"{self.kind}: day must be negative (-1 = last day) or a date")

    def param(self, key: str) -> Any:
        return self.params.get(key, KINDS[self.kind].defaults[key])

    def date(self, end_date: dt.date) -> dt.date:
        if isinstance(self.day, dt.date):
            return self.day
        return end_date + dt.timedelta(days=self.day + 1)


DEFAULT_ANOMALIES: tuple[Anomaly, ...] = (
    Anomaly("freshness_gap", -1),
    Anomaly("schema_change", -2),
    Anomaly("invalid_status", -3),
    Anomaly("duplicate_order_ids", -3),
    Anomaly("volume_spike", -4),
    Anomaly("volume_drop", -5),
    Anomaly("hour_shift", -6),
    Anomaly("zero_amounts", -3),
    Anomaly("amount_shift", -6),
    Anomaly("method_mix_shift", -5),
    Anomaly("blank_first_names", -3),
    Anomaly("names_swapped", -2),
    Anomaly("shared_email", -4),
    Anomaly("duplicate_signup_ids", -3),
    Anomaly("customers_without_signup", -5),
    Anomaly("orphan_signups", -6),
)


def load_anomalies(spec: str | None) -> tuple[Anomaly, ...]:
    """`None`: the default set; `"none"`: no anomalies; otherwise a TOML file of
    `[[anomaly]]` tables with `kind`, `day` and parameters."""
    if spec is None:
        return DEFAULT_ANOMALIES
    if spec == "none":
        return ()
    path = Path(spec)
    if not path.is_file():
        raise AnomalyError(f"no such file: {path}")
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise AnomalyError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(data) - {"anomaly"}
    if unknown:
        raise AnomalyError(f"{path}: unknown key(s) {sorted(unknown)}; expected [[anomaly]] tables")
    out = []
    for i, entry in enumerate(data.get("anomaly", []), start=1):
        where = f"{path}: anomaly {i}"
        if not isinstance(entry, dict) or "kind" not in entry or "day" not in entry:
            raise AnomalyError(f"{where}: needs kind and day")
        params = {k: v for k, v in entry.items() if k not in ("kind", "day")}
        try:
            out.append(Anomaly(entry["kind"], entry["day"], params))
        except AnomalyError as exc:
            raise AnomalyError(f"{where}: {exc}") from None
    return tuple(out)


# -- tables ----------------------------------------------------------------------------------


@dataclass
class Tables:
    """The four validation tables as DataFrames (the contract's columns)."""

    customers: pd.DataFrame
    orders: pd.DataFrame
    payments: pd.DataFrame
    signups: pd.DataFrame

    def copy(self) -> Tables:
        return Tables(
            *(f.copy() for f in (self.customers, self.orders, self.payments, self.signups))
        )

    def order_dates(self) -> pd.Series:
        return pd.to_datetime(self.orders["order_date"]).dt.date

    def payment_dates(self) -> pd.Series:
        by_order = dict(zip(self.orders["id"], self.order_dates()))
        return self.payments["order_id"].map(by_order)

    def signup_dates(self) -> pd.Series:
        return pd.to_datetime(self.signups["signup_date"]).dt.date

    def customer_dates(self) -> pd.Series:
        by_customer = dict(zip(self.signups["user_id"], self.signup_dates()))
        return self.customers["id"].map(by_customer)


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


Injector = Callable[[Tables, Anomaly, dt.date, np.random.Generator], int]


def _freshness_gap(t: Tables, a: Anomaly, day: dt.date, rng: np.random.Generator) -> int:
    gone = t.order_dates() == day
    t.payments = t.payments[~_payments_of(t, gone)]
    t.orders = t.orders[~gone]
    return int(gone.sum())


def _schema_change(t: Tables, a: Anomaly, day: dt.date, rng: np.random.Generator) -> int:
    hit = t.order_dates() == day
    ids = t.orders["id"].astype(str)
    ids[hit] = a.param("prefix") + ids[hit]
    t.orders["id"] = ids
    return int(hit.sum())


def _invalid_status(t: Tables, a: Anomaly, day: dt.date, rng: np.random.Generator) -> int:
    hit = _pick(rng, t.order_dates() == day, a.param("share"), True)
    t.orders.loc[hit, "status"] = a.param("value")
    return int(hit.sum())


def _duplicate(frame: pd.DataFrame, hit: pd.Series) -> pd.DataFrame:
    """Rows in `hit` appear twice, the copy right after the original."""
    doubled = pd.concat([frame, frame[hit]]).sort_index(kind="stable")
    return doubled.reset_index(drop=True)


def _duplicate_order_ids(t: Tables, a: Anomaly, day: dt.date, rng: np.random.Generator) -> int:
    hit = _pick(rng, t.order_dates() == day, a.param("share"), True)
    t.orders = _duplicate(t.orders.reset_index(drop=True), hit.reset_index(drop=True))
    return int(hit.sum())


def _volume_spike(t: Tables, a: Anomaly, day: dt.date, rng: np.random.Generator) -> int:
    day_orders = t.orders[t.order_dates() == day]
    day_payments = t.payments[_payments_of(t, t.order_dates() == day)]
    copies, pay_copies = [], []
    for k in range(1, max(1, math.ceil(a.param("factor")))):
        share = min(1.0, a.param("factor") - k)
        pick = _pick(rng, pd.Series(True, index=day_orders.index), share, False)
        c = day_orders[pick].copy()
        c["id"] = c["id"] + k * COPY_ID_OFFSET
        p = day_payments[day_payments["order_id"].isin(set(day_orders.loc[pick, "id"]))].copy()
        p["order_id"] = p["order_id"] + k * COPY_ID_OFFSET
        p["id"] = p["id"] + k * COPY_ID_OFFSET
        copies.append(c)
        pay_copies.append(p)
    t.orders = pd.concat([t.orders, *copies], ignore_index=True)
    t.payments = pd.concat([t.payments, *pay_copies], ignore_index=True)
    return sum(len(c) for c in copies)


def _volume_drop(t: Tables, a: Anomaly, day: dt.date, rng: np.random.Generator) -> int:
    gone = _pick(rng, t.order_dates() == day, 1.0 - a.param("keep"), False)
    t.payments = t.payments[~_payments_of(t, gone)]
    t.orders = t.orders[~gone]
    return int(gone.sum())


def _hour_shift(t: Tables, a: Anomaly, day: dt.date, rng: np.random.Generator) -> int:
    hit = (t.order_dates() == day) & (
        pd.to_datetime(t.orders["order_date"]).dt.hour != a.param("hour")
    )
    stamps = pd.to_datetime(t.orders.loc[hit, "order_date"])
    within_hour = stamps - stamps.dt.floor("h")
    t.orders.loc[hit, "order_date"] = (
        stamps.dt.normalize() + pd.Timedelta(hours=a.param("hour")) + within_hour
    )
    return int(hit.sum())


def _zero_amounts(t: Tables, a: Anomaly, day: dt.date, rng: np.random.Generator) -> int:
    hit = _pick(rng, t.payment_dates() == day, a.param("share"), True)
    t.payments.loc[hit, "amount"] = 0
    return int(hit.sum())


def _amount_shift(t: Tables, a: Anomaly, day: dt.date, rng: np.random.Generator) -> int:
    hit = t.payment_dates() == day
    t.payments.loc[hit, "amount"] = (t.payments.loc[hit, "amount"] * a.param("factor")).round()
    t.payments["amount"] = t.payments["amount"].astype("int64")
    return int(hit.sum())


def _method_mix_shift(t: Tables, a: Anomaly, day: dt.date, rng: np.random.Generator) -> int:
    hit = _pick(rng, t.payment_dates() == day, a.param("share"), True)
    hit &= t.payments["payment_method"] != a.param("value")
    t.payments.loc[hit, "payment_method"] = a.param("value")
    return int(hit.sum())


def _blank_first_names(t: Tables, a: Anomaly, day: dt.date, rng: np.random.Generator) -> int:
    hit = _pick(rng, t.customer_dates() == day, a.param("share"), True)
    t.customers.loc[hit, "first_name"] = a.param("value")
    return int(hit.sum())


def _names_swapped(t: Tables, a: Anomaly, day: dt.date, rng: np.random.Generator) -> int:
    hit = _pick(rng, t.customer_dates() == day, a.param("share"), 3)  # a swap shows in a few rows
    first = t.customers.loc[hit, "first_name"].copy()
    t.customers.loc[hit, "first_name"] = t.customers.loc[hit, "last_name"]
    t.customers.loc[hit, "last_name"] = first
    return int(hit.sum())


def _shared_email(t: Tables, a: Anomaly, day: dt.date, rng: np.random.Generator) -> int:
    hit = t.signup_dates() == day
    t.signups.loc[hit, "user_email"] = a.param("value")
    return int(hit.sum())


def _duplicate_signup_ids(t: Tables, a: Anomaly, day: dt.date, rng: np.random.Generator) -> int:
    hit = _pick(rng, t.signup_dates() == day, a.param("share"), True)
    t.signups = _duplicate(t.signups.reset_index(drop=True), hit.reset_index(drop=True))
    return int(hit.sum())


def _customers_without_signup(t: Tables, a: Anomaly, day: dt.date, rng: np.random.Generator) -> int:
    gone = _pick(rng, t.signup_dates() == day, a.param("share"), True)
    t.signups = t.signups[~gone]
    return int(gone.sum())


def _orphan_signups(t: Tables, a: Anomaly, day: dt.date, rng: np.random.Generator) -> int:
    pick = _pick(rng, t.signup_dates() == day, a.param("share"), True)
    extra = t.signups[pick].copy()
    extra["user_id"] = ORPHAN_CUSTOMER_OFFSET + extra["id"]
    extra["id"] = extra["id"] + COPY_ID_OFFSET
    extra["user_email"] = [f"orphan{i}@example.com" for i in extra["id"]]
    t.signups = pd.concat([t.signups, extra], ignore_index=True)
    return len(extra)


INJECTORS: dict[str, Injector] = {
    "freshness_gap": _freshness_gap,
    "schema_change": _schema_change,
    "invalid_status": _invalid_status,
    "duplicate_order_ids": _duplicate_order_ids,
    "volume_spike": _volume_spike,
    "volume_drop": _volume_drop,
    "hour_shift": _hour_shift,
    "zero_amounts": _zero_amounts,
    "amount_shift": _amount_shift,
    "method_mix_shift": _method_mix_shift,
    "blank_first_names": _blank_first_names,
    "names_swapped": _names_swapped,
    "shared_email": _shared_email,
    "duplicate_signup_ids": _duplicate_signup_ids,
    "customers_without_signup": _customers_without_signup,
    "orphan_signups": _orphan_signups,
}

# Value changes first, then rows added or removed, then the change of column type.
ORDER = (
    "invalid_status",
    "hour_shift",
    "zero_amounts",
    "amount_shift",
    "method_mix_shift",
    "blank_first_names",
    "names_swapped",
    "shared_email",
    "duplicate_order_ids",
    "duplicate_signup_ids",
    "volume_spike",
    "orphan_signups",
    "volume_drop",
    "customers_without_signup",
    "freshness_gap",
    "schema_change",
)


@dataclass(frozen=True)
class Planted:
    """An anomaly as planted: its id, date and the number of rows it changed."""

    id: str
    anomaly: Anomaly
    date: dt.date
    rows: int

    def to_dict(self) -> dict[str, Any]:
        kind = KINDS[self.anomaly.kind]
        return {
            "id": self.id,
            "kind": self.anomaly.kind,
            "table": f"raw_{kind.table}_validation",
            "column": kind.column,
            "dates": [self.date.isoformat()],
            "rows": self.rows,
            "params": {k: self.anomaly.param(k) for k in kind.defaults},
            "expected_tests": list(kind.expected_tests),
            "description": kind.description,
        }


def inject(
    clean: Tables,
    anomalies: Sequence[Anomaly],
    calendar_dates: Sequence[dt.date],
    seed: int,
    up_to: dt.date,
) -> tuple[Tables, list[Planted]]:
    """Plant every anomaly whose date is within the calendar and not after `up_to`. Each anomaly
    draws from its own stream (seed, its position), so planting is the same at every publish."""
    tables = clean.copy()
    end = max(calendar_dates)
    planted = []
    numbered = list(enumerate(anomalies, start=1))
    numbered.sort(key=lambda item: ORDER.index(item[1].kind))
    for number, anomaly in numbered:
        date = anomaly.date(end)
        if date not in calendar_dates or date > up_to:
            continue
        rng = Streams(seed, "validation").generator("anomalies", number)
        rows = INJECTORS[anomaly.kind](tables, anomaly, date, rng)
        planted.append(Planted(f"a{number:02d}", anomaly, date, rows))
    planted.sort(key=lambda p: p.id)
    return tables, planted
