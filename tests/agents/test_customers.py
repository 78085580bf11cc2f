"""Customers: repeat orders after sessions, churn, and customers who never order."""

import numpy as np
import pytest

from jaffle_sim.agents.customers import Customers, NewCustomer
from jaffle_sim.clock import DAY, HOUR
from jaffle_sim.events import EventLog
from jaffle_sim.simulation.scenario import Scenario

SCENARIO = Scenario.default()


class _Counter:
    def __init__(self) -> None:
        self.orders: list[tuple[float, int, str, bool]] = []
        self.sessions: list[tuple[float, int, int, str]] = []

    def place_order(self, at: float, customer: int, session: str, first: bool) -> int:
        self.orders.append((at, customer, session, first))
        return len(self.orders)

    def open_session(self, at: float, visitor: int, customer: int, channel: str) -> str:
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
        lambda: next(names),
        log,
        counter.place_order,
        counter.open_session,
    )


def test_customer_orders_follow_a_session_by_1_to_24_hours(env):
    counter, log = _Counter(), EventLog()
    customers = _customers(
        env,
        {"customers.churn_after_order": 0.0, "customers.purchase_rate_per_day": 0.5},
        counter,
        log,
    )
    customers.sign_up(
        env, NewCustomer(visitor_id=9, session_id="w0", signed_up_at=0, first_order_at=5 * HOUR)
    )
    env.run(until=200 * DAY)
    assert counter.orders[0] == (5 * HOUR, 1, "w0", True)
    repeats = counter.orders[1:]
    # A Poisson process of 0.5 needs a day, thinned by a weekly rhythm of mean 1.
    assert len(repeats) / 200 == pytest.approx(0.5, rel=0.15)
    by_id = {f"w{i + 1}": s for i, s in enumerate(counter.sessions)}
    for at, customer, session, first in repeats:
        gap = at - by_id[session][0]
        assert 1 * HOUR <= gap <= 24 * HOUR and not first and customer == 1


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
    customers.sign_up(env, NewCustomer(9, "w0", 0, 2 * HOUR))
    env.run(until=100 * DAY)
    ev = log.drain()
    assert len(counter.orders) == 1
    assert ev["customer_churned"]["customer_id"] == [1]
    assert ev["signed_up"]["email"] == ["ada.lovelace1@example.com"]
    assert customers.active == 0


def test_customer_who_never_orders(env):
    counter, log = _Counter(), EventLog()
    customers = _customers(env, {}, counter, log)
    customers.sign_up(env, NewCustomer(9, "w0", 0, None))
    env.run(until=30 * DAY)
    assert counter.orders == [] and counter.sessions == []
