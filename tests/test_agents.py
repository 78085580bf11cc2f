"""Unit tests of the agents, each driven by its own SimPy environment."""

import numpy as np
import pytest

from jaffle_sim.agents.ads import AdPlatform
from jaffle_sim.agents.customers import Customers, NewCustomer
from jaffle_sim.agents.shop import Shop
from jaffle_sim.clock import DAY, HOUR
from jaffle_sim.events import EventLog
from jaffle_sim.simulation.scenario import Scenario

SCENARIO = Scenario.default()


def test_shop_payments_sum_to_amount_and_statuses_follow_in_order():
    log = EventLog()
    shop = Shop(SCENARIO.shop, np.random.default_rng(1), log)
    for i in range(3000):
        shop.place_order(i * 60.0, customer_id=1, session_id="w1", first=False)
    for day in range(60):
        shop.close_day(day)
    ev = log.drain()
    orders, pays = ev["order_placed"], ev["payment_made"]
    paid: dict[int, int] = {}
    for oid, amount in zip(pays["order_id"], pays["amount_cents"]):
        assert amount > 0
        paid[oid] = paid.get(oid, 0) + amount
    assert all(paid[o] == a for o, a in zip(orders["order_id"], orders["amount_cents"]))
    per_order = np.bincount(pays["order_id"])[1:]
    assert set(per_order) <= {1, 2}
    assert (per_order == 2).mean() == pytest.approx(SCENARIO.shop.second_payment_share, abs=0.03)
    methods = np.array(pays["method"])
    assert (methods == "credit_card").mean() == pytest.approx(0.49, abs=0.03)

    placed = dict(zip(orders["order_id"], orders["ordered_at"]))
    history: dict[int, list[tuple[int, str]]] = {}
    changes = ev["order_status_changed"]
    for oid, status, at in zip(changes["order_id"], changes["status"], changes["changed_at"]):
        history.setdefault(oid, []).append((at, status))
    allowed = (["shipped", "completed"], ["shipped", "completed", "return_pending", "returned"])
    returned = 0
    for oid, steps in history.items():
        times = [placed[oid]] + [t for t, _ in steps]
        assert times == sorted(times) and len(set(times)) == len(times)
        assert [s for _, s in steps] in allowed
        returned += steps[-1][1] == "returned"
        assert steps[-1][0] - placed[oid] <= SCENARIO.shop.lifecycle_days * DAY
    assert returned / len(history) == pytest.approx(SCENARIO.shop.return_share, abs=0.015)


def test_shop_records_status_changes_on_the_day_they_happen():
    log = EventLog()
    shop = Shop(SCENARIO.shop, np.random.default_rng(2), log)
    shop.place_order(10 * HOUR, 1, "w1", True)
    for day in range(30):
        shop.close_day(day)
        changed = log.drain()["order_status_changed"]["changed_at"]
        assert all(day * DAY <= t < (day + 1) * DAY for t in changed)


def test_ad_platform_delivery_and_routed_clicks():
    log = EventLog()
    behaviour = SCENARIO.ads["facebook"]
    ads = AdPlatform(
        "facebook", behaviour, np.random.default_rng(3), log, SCENARIO.traffic.visit_hours
    )
    ads.warm_start()
    launched = log.drain()["ad_launched"]
    assert len(launched["ad_id"]) > 0 and min(launched["end_day"]) >= 0
    assert all(a.startswith("f") for a in launched["ad_id"])
    clicks = ads.deliver(0, budget_scale=2.0, audience=1.0)
    assert np.all((clicks.at >= 0) & (clicks.at < DAY))
    extra = ads.route_clicks(50)
    assert len(extra) == 50 and set(extra) <= set(ads.ad_ids)
    ads.close_day(0)
    rows = log.drain()["ad_day"]
    assert sum(rows["clicks"]) == len(clicks.at) + 50
    assert np.all(np.asarray(rows["impressions"]) >= np.asarray(rows["clicks"]))
    budget = dict(zip(launched["ad_id"], launched["daily_budget_cents"]))
    ratio = np.asarray(rows["cost_cents"]) / np.array([budget[a] for a in rows["ad_id"]])
    assert ratio.min() >= 2 * 0.8 - 0.01 and ratio.max() <= 2 * 1.2 + 0.01
    # An ad runs until its end day, then is gone.
    last = max(launched["end_day"])
    ads.deliver(last + 1, 1.0, 1.0)
    assert ads.running_today() == 0 or min(ads.end_day) > last


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
