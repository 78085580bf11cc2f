"""Customers: repeat orders after sessions, churn, customers who never order, the noise floor of
sign-ups and the history of the customers who exist on day 0."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from jaffle_sim import simulate
from jaffle_sim.agents.customers import Customers, NewCustomer
from jaffle_sim.agents.quality import Defects
from jaffle_sim.clock import DAY, HOUR
from jaffle_sim.events import EventLog
from jaffle_sim.simulation.scenario import Scenario

SCENARIO = Scenario.default()
# The shop's and the session desk's draws of an order and of a session: any numbers do here.
DRAWS = {"order": lambda g, n: g.random(n), "session": lambda g, n: g.random(n)}


class _Counter:
    def __init__(self) -> None:
        self.orders: list[tuple[float, int, str, bool]] = []
        self.sessions: list[tuple[float, int, int, str]] = []

    def place_order(self, at: float, customer: int, session: str, first: bool, own) -> int:
        self.orders.append((at, customer, session, first))
        return len(self.orders)

    def open_session(self, at: float, visitor: int, customer: int, channel: str, own) -> str:
        self.sessions.append((at, visitor, customer, channel))
        return f"w{len(self.sessions)}"


def _customers(env, changes, counter, log):
    s = SCENARIO.updated(changes)
    names = iter([("Ada", "Lovelace")] * 10_000)
    return Customers(
        s.customers,
        s.journey.order_timing,
        s.traffic.visit_hours,
        s.demand.weekly,
        0,
        np.random.default_rng(4),
        4,
        lambda u, v: next(names),
        log,
        counter.place_order,
        counter.open_session,
        DRAWS,
    )


def test_customer_orders_follow_a_session_by_1_to_24_hours(env):
    counter, log = _Counter(), EventLog()
    customers = _customers(
        env,
        {"customers.churn_after_order": 0.0, "customers.purchase_rate_per_day": 0.5},
        counter,
        log,
    )
    news = [NewCustomer(9, "w0", 0, 5 * HOUR, key) for key in range(20)]  # 20 own streams
    customers.sign_up_all(env, news)
    env.run(until=200 * DAY)
    first = [o for o in counter.orders if o[3]]
    assert sorted(first) == [(5 * HOUR, c, "w0", True) for c in range(1, 21)]
    repeats = [o for o in counter.orders if not o[3]]
    # A Poisson process of 0.5 needs a day, thinned by a weekly rhythm of mean 1.
    assert len(repeats) / 200 / 20 == pytest.approx(0.5, rel=0.08)
    by_id = {f"w{i + 1}": s for i, s in enumerate(counter.sessions)}
    for at, customer, session, _ in repeats:
        gap = at - by_id[session][0]
        assert 1 * HOUR <= gap <= 24 * HOUR and by_id[session][2] == customer


def test_customer_churns_after_an_order(env):
    counter, log = _Counter(), EventLog()
    customers = _customers(
        env,
        {
            "customers.churn_after_order": {
                "kind": "beta",
                "mean_value": 0.999,
                "concentration": 1000,
            }
        },
        counter,
        log,
    )
    customers.sign_up(env, NewCustomer(9, "w0", 0, 2 * HOUR, 9))
    env.run(until=100 * DAY)
    ev = log.drain()
    assert len(counter.orders) == 1
    assert ev["customer_churned"]["customer_id"] == [1]
    assert ev["signed_up"]["email"] == ["ada.lovelace1@example.com"]
    assert customers.active == 0


def test_customer_who_never_orders(env):
    counter, log = _Counter(), EventLog()
    customers = _customers(env, {}, counter, log)
    customers.sign_up(env, NewCustomer(9, "w0", 0, None, 9))
    env.run(until=30 * DAY)
    assert counter.orders == [] and counter.sessions == []


# -- the noise floor and the shop's past ------------------------------------------------------


def _defects(**shares):
    quality = dataclasses.replace(SCENARIO.quality, **shares)
    return Defects(quality, lambda i: np.random.default_rng([7, i]))


def test_sign_ups_carry_the_noise_floor(env):
    counter, log = _Counter(), EventLog()
    s = SCENARIO
    customers = Customers(
        s.customers,
        s.journey.order_timing,
        s.traffic.visit_hours,
        s.demand.weekly,
        0,
        np.random.default_rng(4),
        4,
        lambda u, v: ("Ada", "Lovelace"),
        log,
        counter.place_order,
        counter.open_session,
        DRAWS,
        _defects(missing_email_share=0.1, blank_first_name_share=0.2),
    )
    for i in range(4000):
        customers.sign_up(env, NewCustomer(i, f"w{i}", 0, None, i))
    ev = log.drain()["signed_up"]
    first, email = np.array(ev["first_name"]), np.array(ev["email"], dtype=object)
    assert (first == "").mean() == pytest.approx(0.2, abs=0.02)
    assert np.mean([e is None for e in email]) == pytest.approx(0.1, abs=0.015)
    # a blank first name is a field left empty: the email still has the name
    assert all(e.startswith("ada.lovelace") for e in email[(first == "")] if e is not None)


def test_without_a_noise_floor_every_sign_up_is_complete(env):
    counter, log = _Counter(), EventLog()
    customers = _customers(env, {}, counter, log)
    for i in range(500):
        customers.sign_up(env, NewCustomer(i, f"w{i}", 0, None, i))
    ev = log.drain()["signed_up"]
    assert "" not in ev["first_name"] and None not in ev["email"]


def test_history_follows_the_daily_rate_growth_and_weekly_rhythm(env):
    counter, log = _Counter(), EventLog()
    weekly = (1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 2.0)
    customers = _customers(env, {"customers.existing_history_days": 400}, counter, log)
    customers.weekly = np.asarray(weekly) / np.mean(weekly)
    times = customers.history(50_000, 1000.0, 0.5)  # about 80 days
    assert (np.diff(times) >= 0).all() and times.max() < 0
    day = times // DAY
    counts = np.bincount(-day)[1:]
    weekday = (-np.arange(1, len(counts) + 1)) % 7  # start_weekday 0: day -1 is a Sunday
    weekend = counts[:-1][weekday[:-1] >= 5].mean() / counts[:-1][weekday[:-1] < 5].mean()
    assert weekend == pytest.approx(2.0, rel=0.05)
    # growth runs backwards: 30 days earlier the level is 1 / 1.5 of the level before day 0
    late, early = counts[:28].sum(), counts[30:58].sum()
    assert early / late == pytest.approx(1 / 1.5, rel=0.05)
    clock = (times % DAY) / HOUR
    visit = np.asarray(SCENARIO.traffic.visit_hours.weights)
    assert np.bincount(clock.astype(int), minlength=24).argmax() == visit.argmax()


def test_history_is_capped_and_spread_when_the_shop_acquires_nobody(env):
    counter, log = _Counter(), EventLog()
    customers = _customers(env, {"customers.existing_history_days": 100}, counter, log)
    idle = customers.history(5000, 0.0, 0.06)
    assert idle.min() >= -100 * DAY and idle.max() < 0
    assert np.bincount(-(idle // DAY))[1:].std() < 20  # about 50 a day, evenly
    capped = customers.history(5000, 10.0, 0.0)  # 10 a day would need 500 days
    per_day = np.bincount(-(capped // DAY))[1:]
    assert len(per_day) == 100 and per_day.mean() == pytest.approx(50, rel=0.01)


def test_the_shop_has_a_past_with_the_level_of_its_first_days():
    """Daily sign-ups in the 14 days before day 0 (the customers who exist on day 0) against
    the first 14 days of the run: the same mean, within chance."""
    before, after = [], []
    for seed in (1, 2, 3):
        signups = simulate(days=14, seed=seed, end_date="2026-04-30").events["signed_up"]
        start = pd.Timestamp("2026-04-17", tz="UTC")
        day = ((pd.to_datetime(signups.signed_up_at) - start) // pd.Timedelta(days=1)).to_numpy()
        existing = signups.session_id.isna().to_numpy()
        before.append(np.bincount(-day[existing & (day >= -14)], minlength=15)[1:])
        after.append(np.bincount(day[~existing], minlength=14)[:14])
    b, a = np.concatenate(before), np.concatenate(after)
    se = np.sqrt(b.var(ddof=1) / len(b) + a.var(ddof=1) / len(a))
    assert abs(b.mean() - a.mean()) <= 4 * se, (b.mean(), a.mean(), se)
    assert b.mean() > 0.5 * a.mean()  # not the thin spread over a year of before
