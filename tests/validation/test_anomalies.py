"""Each injector changes exactly what its label says, and nothing else."""

import datetime as dt

import pandas as pd
import pytest

from jaffle_sim.validation.anomalies import (
    DEFAULT_ANOMALIES,
    KINDS,
    Anomaly,
    AnomalyError,
    Tables,
    inject,
    load_anomalies,
)
from tests.validation.conftest import DATES, DAY, END


def plant(clean: Tables, kind: str, **params):
    tables, planted = inject(clean, [Anomaly(kind, -3, params)], DATES, seed=1, up_to=END)
    assert len(planted) == 1 and planted[0].date == DAY
    return tables, planted[0].rows


def unchanged(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    return a.reset_index(drop=True).equals(b.reset_index(drop=True))


def changed_cells(clean: pd.DataFrame, dirty: pd.DataFrame) -> pd.DataFrame:
    assert len(clean) == len(dirty)
    a, b = clean.reset_index(drop=True), dirty.reset_index(drop=True)
    a, b = a.astype(str).where(a.notna(), "<null>"), b.astype(str).where(b.notna(), "<null>")
    return a != b


def others_unchanged(clean: Tables, dirty: Tables, *tables: str) -> None:
    for name in ("customers", "orders", "payments", "signups"):
        if name not in tables:
            assert unchanged(getattr(clean, name), getattr(dirty, name)), name


VALUE_KINDS = {  # kind -> (table, columns it may change, how a row is dated)
    "invalid_status": ("orders", {"status"}, "order_dates"),
    "hour_shift": ("orders", {"order_date"}, "order_dates"),
    "schema_change": ("orders", {"id"}, "order_dates"),
    "zero_amounts": ("payments", {"amount"}, "payment_dates"),
    "amount_shift": ("payments", {"amount"}, "payment_dates"),
    "method_mix_shift": ("payments", {"payment_method"}, "payment_dates"),
    "blank_first_names": ("customers", {"first_name"}, "customer_dates"),
    "names_swapped": ("customers", {"first_name", "last_name"}, "customer_dates"),
    "shared_email": ("signups", {"user_email"}, "signup_dates"),
}


@pytest.mark.parametrize("kind", VALUE_KINDS)
def test_value_anomalies_change_only_their_column_on_their_day(clean, kind):
    table, columns, dated = VALUE_KINDS[kind]
    dirty, rows = plant(clean, kind)
    others_unchanged(clean, dirty, table)
    diff = changed_cells(getattr(clean, table), getattr(dirty, table))
    touched = diff.any(axis=1)
    assert set(diff.columns[diff.any(axis=0)]) <= columns
    on_day = (getattr(clean, dated)() == DAY).reset_index(drop=True)
    assert touched.sum() == rows > 0
    assert not (touched & ~on_day).any()
    if kind != "schema_change":
        assert rows < on_day.sum() or kind in ("hour_shift", "amount_shift", "shared_email")


def test_value_anomalies_set_the_labelled_values(clean):
    dirty, rows = plant(clean, "invalid_status", share=0.5, value="lost")
    day_orders = dirty.orders[dirty.order_dates() == DAY]
    assert (day_orders.status == "lost").sum() == rows == round(0.5 * len(day_orders))
    dirty, _ = plant(clean, "hour_shift", hour=23)
    assert (pd.to_datetime(dirty.orders[dirty.order_dates() == DAY].order_date).dt.hour == 23).all()
    dirty, _ = plant(clean, "amount_shift", factor=4.0)
    hit = clean.payment_dates() == DAY
    assert (dirty.payments.amount[hit] == clean.payments.amount[hit] * 4).all()
    dirty, rows = plant(clean, "schema_change")
    assert dirty.orders.id.str.startswith("ID-").sum() == rows
    floored = clean.copy()  # one of the day's customers with a blank first name (the floor)
    day = (clean.customer_dates() == DAY).to_numpy()
    floored.customers.loc[floored.customers.index[day][0], "first_name"] = ""
    dirty, rows = plant(floored, "names_swapped", share=1.0)
    c, d = floored.customers, dirty.customers
    blank = (c.first_name.fillna("").str.strip() == "").to_numpy()  # the noise floor's
    assert (day & blank).any() and rows == (day & ~blank).sum()
    assert (d.first_name[day & ~blank] == c.last_name[day & ~blank]).all()
    # a blank first name is never swapped into the last name
    assert (d.first_name[blank] == c.first_name[blank]).all()
    assert (d.last_name.fillna("").str.strip() != "").all()


def test_row_anomalies_on_orders_keep_payments_consistent(clean):
    n_day = int((clean.order_dates() == DAY).sum())
    dirty, rows = plant(clean, "freshness_gap")
    assert rows == n_day and not (dirty.order_dates() == DAY).any()
    assert set(dirty.payments.order_id) == set(dirty.orders.id)
    others_unchanged(clean, dirty, "orders", "payments")

    dirty, rows = plant(clean, "volume_drop", keep=0.2)
    assert (dirty.order_dates() == DAY).sum() == n_day - rows == round(0.2 * n_day)
    assert set(dirty.payments.order_id) == set(dirty.orders.id)

    dirty, rows = plant(clean, "volume_spike", factor=3.0)
    assert rows == 2 * n_day and (dirty.order_dates() == DAY).sum() == 3 * n_day
    assert dirty.orders.id.is_unique and dirty.payments.id.is_unique
    assert set(dirty.payments.order_id) == set(dirty.orders.id)
    assert (dirty.order_dates() != DAY).sum() == (clean.order_dates() != DAY).sum()


def test_duplicates_repeat_ids_of_the_day_only(clean):
    dirty, rows = plant(clean, "duplicate_order_ids", share=0.05)
    dupes = dirty.orders[dirty.orders.id.duplicated(keep=False)]
    assert len(dirty.orders) == len(clean.orders) + rows and rows >= 1
    assert len(dupes) == 2 * rows and (pd.to_datetime(dupes.order_date).dt.date == DAY).all()
    others_unchanged(clean, dirty, "orders")
    dirty, rows = plant(clean, "duplicate_signup_ids")
    assert dirty.signups.id.duplicated().sum() == rows >= 1
    others_unchanged(clean, dirty, "signups")


def test_relationship_anomalies(clean):
    dirty, rows = plant(clean, "customers_without_signup")
    missing = set(clean.customers.id) - set(dirty.signups.user_id)
    assert len(missing) == rows >= 1
    assert (clean.customer_dates()[clean.customers.id.isin(missing)] == DAY).all()
    dirty, rows = plant(clean, "orphan_signups")
    orphans = dirty.signups[~dirty.signups.user_id.isin(set(dirty.customers.id))]
    assert len(orphans) == rows >= 1 and len(dirty.signups) == len(clean.signups) + rows
    assert (pd.to_datetime(orphans.signup_date).dt.date == DAY).all()
    others_unchanged(clean, dirty, "signups")


def test_every_default_anomaly_is_planted_and_labelled(clean):
    dirty, planted = inject(clean, DEFAULT_ANOMALIES, DATES, seed=1, up_to=END)
    assert len(planted) == len(DEFAULT_ANOMALIES) == len({a.kind for a in DEFAULT_ANOMALIES})
    for p in planted:
        record = p.record()
        assert record.rows > 0 and record.expected_tests == KINDS[p.anomaly.kind].expected_tests
        assert record.table == f"raw_{KINDS[p.anomaly.kind].table}_validation"
        assert record.dates == (p.date,) and record.detected is None
    again, _ = inject(clean, DEFAULT_ANOMALIES, DATES, seed=1, up_to=END)
    assert unchanged(dirty.orders, again.orders)  # planting is deterministic
    _, planted_early = inject(
        clean, DEFAULT_ANOMALIES, DATES, seed=1, up_to=END - dt.timedelta(days=3)
    )
    assert {p.date for p in planted_early} <= {END - dt.timedelta(days=i) for i in range(3, 6)}


def test_anomaly_files(tmp_path):
    assert load_anomalies("none") == ()
    assert load_anomalies(None) == DEFAULT_ANOMALIES
    spec = tmp_path / "a.toml"
    spec.write_text(
        '[[anomaly]]\nkind = "volume_spike"\nday = -2\nfactor = 5\n'
        '[[anomaly]]\nkind = "invalid_status"\nday = 2026-03-10\n'
    )
    assert load_anomalies(str(spec)) == (
        Anomaly("volume_spike", -2, {"factor": 5}),
        Anomaly("invalid_status", dt.date(2026, 3, 10)),
    )
    for text, problem in (
        ('[[anomaly]]\nkind = "nope"\nday = -1\n', "unknown anomaly kind"),
        ('[[anomaly]]\nkind = "volume_drop"\nday = -1\nkeep = 2\n', "keep"),
        ('[[anomaly]]\nkind = "volume_drop"\n', "needs kind and day"),
        ('[[anomaly]]\nkind = "volume_drop"\nday = 3\n', "negative"),
        ('[[anomaly]]\nkind = "hour_shift"\nday = -1\nshare = 1\n', "unknown"),
    ):
        spec.write_text(text)
        with pytest.raises(AnomalyError, match=problem):
            load_anomalies(str(spec))
