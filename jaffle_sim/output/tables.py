"""Projections of the event log onto the shop's raw tables (the data contract's columns).

Every table is derived from events; nothing is written by hand. Most tables only grow, so a day's
events give that day's new rows. Orders change status as they age: `OrderBook` keeps the orders
whose status can still change and hands over the ones that are settled. A late row of the noise
floor (`delivery_delay_seconds`) reaches the tables on the day it arrives: an order and its
payments placed before midnight appear in the next day's file (those still on their way when the
run ends appear in none).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa

from jaffle_sim.attribution.truth import truth_rows
from jaffle_sim.clock import DAY
from jaffle_sim.events import PLATFORMS, SITES, DayEvents
from jaffle_sim.output.contract import (
    ACCOUNT_COLUMNS,
    AD_COLUMNS,
    ATTRIBUTION_TRUTH,
    SESSION_COLUMNS,
)
from jaffle_sim.simulation.hooks import RunInfo

TIMESTAMP = pa.timestamp("s")


def timestamps(seconds: Any, epoch: int) -> pa.Array:
    """Clock seconds -> naive UTC timestamps (CSV: `YYYY-MM-DD HH:MM:SS`)."""
    return pa.array(np.asarray(seconds, dtype=np.int64) + epoch, TIMESTAMP)


def dates(days: Any, epoch: int) -> pa.Array:
    """Day numbers -> dates."""
    return pa.array(np.asarray(days, dtype=np.int64) + epoch // DAY, pa.int32()).cast(pa.date32())


def dollars(cents: Any) -> pa.Array:
    """Integer cents -> dollars with two decimals."""
    return pa.array([Decimal(int(c)).scaleb(-2) for c in cents], pa.decimal128(14, 2))


def _table(columns: tuple[str, ...], arrays: list[Any]) -> pa.Table:
    return pa.Table.from_arrays(arrays, names=list(columns))


class Projector:
    """Turns one flavour's daily events into the new rows of each table."""

    def __init__(self, epoch: int, flavour: str):
        self.epoch = epoch
        self.flavour = flavour
        self._ads: dict[str, tuple[str, str]] = {}  # ad_id -> (medium, campaign)
        self._late_payments: list[tuple[int, int, str, int, int]] = []  # (..., arrives_at)

    def payments(self, events: DayEvents, day_end: int) -> dict[str, list[Any]]:
        """The payments that reach the shop's tables by `day_end`: earlier late ones first."""
        p = events["payment_made"]
        rows = [*self._late_payments]
        for row in zip(
            p["payment_id"],
            p["order_id"],
            p["method"],
            p["amount_cents"],
            np.add(p["paid_at"], p["delivery_delay_seconds"]).tolist(),
        ):
            rows.append(row)
        self._late_payments = [r for r in rows if r[4] >= day_end]
        arrived = [r for r in rows if r[4] < day_end]
        cols: list[Any] = list(zip(*arrived)) if arrived else [[], [], [], []]
        return dict(zip(("payment_id", "order_id", "method", "amount_cents"), cols))

    def account_rows(self, events: DayEvents, day_end: int) -> dict[str, pa.Table]:
        """New rows of customers, signups and payments (orders go through `OrderBook`)."""
        s, p, f = events["signed_up"], self.payments(events, day_end), self.flavour
        return {
            f"raw_customers_{f}": _table(
                ACCOUNT_COLUMNS["customers"],
                [
                    pa.array(s["customer_id"], pa.int64()),
                    pa.array(s["first_name"], pa.string()),
                    pa.array(s["last_name"], pa.string()),
                ],
            ),
            f"raw_signups_{f}": _table(
                ACCOUNT_COLUMNS["signups"],
                [
                    pa.array(s["signup_id"], pa.int64()),
                    pa.array(s["customer_id"], pa.int64()),
                    pa.array(s["email"], pa.string()),
                    pa.array(s["hashed_password"], pa.string()),
                    timestamps(s["signed_up_at"], self.epoch),
                ],
            ),
            f"raw_payments_{f}": _table(
                ACCOUNT_COLUMNS["payments"],
                [
                    pa.array(p["payment_id"], pa.int64()),
                    pa.array(p["order_id"], pa.int64()),
                    pa.array(p["method"], pa.string()),
                    pa.array(p["amount_cents"], pa.int64()),
                ],
            ),
        }

    def session_rows(self, events: DayEvents) -> dict[str, pa.Table]:
        """Each site's sessions of the day, by start time (each column made an Arrow array
        once, then taken per site)."""
        s = events["session"]
        day = _table(
            SESSION_COLUMNS,
            [
                pa.array(s["session_id"], pa.string()),
                pa.array(s["customer_id"], pa.int64()),
                timestamps(s["started_at"], self.epoch),
                timestamps(s["ended_at"], self.epoch),
                pa.array(s["utm_source"], pa.string()),
                pa.array(s["ad_id"], pa.string()),
                pa.array(s["visitor_id"], pa.int64()),
            ],
        )
        site = np.asarray(s["site"], dtype=object)
        by_start = np.argsort(np.asarray(s["started_at"], dtype=np.int64), kind="stable")
        return {
            f"stg_{name}_sessions": day.take(by_start[site[by_start] == name]) for name in SITES
        }

    def ad_rows(self, events: DayEvents) -> dict[str, pa.Table]:
        launched = events["ad_launched"]
        for ad_id, medium, campaign in zip(
            launched["ad_id"], launched["medium"], launched["campaign"]
        ):
            self._ads[ad_id] = (medium, campaign)
        d = events["ad_day"]
        platform = np.asarray(d["platform"], dtype=object)
        out = {}
        for name in PLATFORMS:
            idx = np.flatnonzero(platform == name)
            ad_ids = _pick(d["ad_id"], idx)
            out[f"stg_{name}_ads"] = _table(
                AD_COLUMNS,
                [
                    pa.array(ad_ids, pa.string()),
                    dates(_pick(d["day"], idx), self.epoch),
                    pa.array([self._ads[a][0] for a in ad_ids], pa.string()),
                    pa.array([self._ads[a][1] for a in ad_ids], pa.string()),
                    dollars(_pick(d["cost_cents"], idx)),
                    pa.array(_pick(d["impressions"], idx), pa.int64()),
                    pa.array(_pick(d["clicks"], idx), pa.int64()),
                ],
            )
        return out


class TableStream:
    """All tables of one flavour, day by day: each day's new rows (settled orders included)."""

    def __init__(self, epoch: int, flavour: str, settle_after: float):
        self.flavour = flavour
        self.projector = Projector(epoch, flavour)
        self.orders = OrderBook(epoch, settle_after)
        self.orders_table = f"raw_orders_{flavour}"

    @classmethod
    def for_run(cls, run: RunInfo) -> TableStream:
        """The tables of the flavour `run` describes: an order is settled once it is older than
        the longest order lifecycle of its scenario."""
        settle = run.scenario.shop.lifecycle_days * DAY
        return cls(run.calendar.epoch_seconds, run.flavour, settle)

    def day(self, events: DayEvents, day_end: int) -> dict[str, pa.Table]:
        new = self.projector.account_rows(events, day_end)
        new.update(self.projector.session_rows(events))
        new.update(self.projector.ad_rows(events))
        new[ATTRIBUTION_TRUTH] = truth_rows(events, self.projector.epoch)
        self.orders.apply(events)
        new[self.orders_table] = self.orders.settle(day_end)
        return new


class OrderBook:
    """Orders whose status may still change. An order is settled (its status final) once it is
    older than `settle_after` seconds; ids grow with time, so settled orders form a prefix."""

    def __init__(self, epoch: int, settle_after: float):
        self.epoch = epoch
        self.settle_after = settle_after
        # order id -> [user_id, ordered_at, status, arrives_at]
        self._live: dict[int, list[Any]] = {}

    def apply(self, events: DayEvents) -> None:
        """Add the day's orders and apply the day's status changes (every order has its
        `placed` change on the day it is placed)."""
        o = events["order_placed"]
        arrives = np.add(o["ordered_at"], o["delivery_delay_seconds"]).tolist()
        for order_id, customer_id, at, arrival in zip(
            o["order_id"], o["customer_id"], o["ordered_at"], arrives
        ):
            self._live[order_id] = [customer_id, at, None, arrival]
        c = events["order_status_changed"]
        for order_id, status in zip(c["order_id"], c["status"]):
            row = self._live.get(order_id)
            if row is None:
                raise RuntimeError(f"order {order_id} changed status after it was settled")
            row[2] = status
        for order_id in o["order_id"]:
            if self._live[order_id][2] is None:
                raise RuntimeError(f"order {order_id} has no status (no `placed` change)")

    def settle(self, now: int) -> pa.Table:
        """Remove and return the orders placed more than `settle_after` seconds before `now`."""
        settled = []
        for order_id, row in self._live.items():
            if row[1] > now - self.settle_after:
                break
            settled.append(order_id)
        rows = [(i, *self._live.pop(i)[:3]) for i in settled]
        return self._as_table(rows)

    def __len__(self) -> int:
        return len(self._live)

    def live(self, now: int) -> pa.Table:
        """The orders not settled yet that have reached the tables by `now`."""
        return self._as_table([(i, *row[:3]) for i, row in self._live.items() if row[3] < now])

    def _as_table(self, rows: list[tuple[Any, ...]]) -> pa.Table:
        cols: list[Any] = list(zip(*rows)) if rows else [[], [], [], []]
        return _table(
            ACCOUNT_COLUMNS["orders"],
            [
                pa.array(cols[0], pa.int64()),
                pa.array(cols[1], pa.int64()),
                timestamps(cols[2], self.epoch),
                pa.array(cols[3], pa.string()),
            ],
        )


def _pick(values: Any, idx: np.ndarray) -> np.ndarray:
    if not isinstance(values, np.ndarray):
        values = np.asarray(values, dtype=object)
    return values[idx]
