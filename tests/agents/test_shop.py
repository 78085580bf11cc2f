"""The shop: payments, fulfilment statuses and their timing, and the noise floor of orders."""

import dataclasses

import numpy as np
import pytest

from jaffle_sim.agents.quality import Defects
from jaffle_sim.agents.shop import COUPON, Shop
from jaffle_sim.clock import DAY, HOUR
from jaffle_sim.distributions import DistributionError
from jaffle_sim.events import EventLog
from jaffle_sim.mixes import Mix
from jaffle_sim.simulation.scenario import Scenario

SCENARIO = Scenario.default()


def own(shop: Shop, seed: int, n: int = 5000):
    """Rows of the shop's draws for orders of one customer (a generator of its own)."""
    return iter(shop.draw(np.random.default_rng(seed), n).tolist())


def test_shop_payments_sum_to_amount_and_statuses_follow_in_order():
    log = EventLog()
    shop = Shop(SCENARIO.shop, log)
    rows = own(shop, 1)
    for i in range(3000):
        shop.place_order(i * 60.0, customer_id=1, session_id="w1", first=False, own=next(rows))
    for day in range(60):
        shop.close_day(day)
    ev = log.drain()
    orders, pays = ev["order_placed"], ev["payment_made"]
    paid: dict[int, int] = {}
    for oid, amount in zip(pays["order_id"], pays["amount_cents"]):
        assert amount > 0
        paid[oid] = paid.get(oid, 0) + amount
    assert all(paid[o] == a for o, a in zip(orders["order_id"], orders["total_cents"]))
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
    allowed = (
        ["placed", "shipped", "completed"],
        ["placed", "shipped", "completed", "return_pending", "returned"],
    )
    returned = 0
    assert history.keys() == placed.keys()
    for oid, steps in history.items():
        times = [t for t, _ in steps]
        assert times[0] == placed[oid]  # `placed` at the order's time
        assert times == sorted(times) and len(set(times)) == len(times)
        assert [s for _, s in steps] in allowed
        returned += steps[-1][1] == "returned"
        assert steps[-1][0] - placed[oid] <= SCENARIO.shop.lifecycle_days * DAY
    assert returned / len(history) == pytest.approx(SCENARIO.shop.return_share, abs=0.015)


def test_shop_records_status_changes_on_the_day_they_happen():
    log = EventLog()
    shop = Shop(SCENARIO.shop, log)
    rows = own(shop, 2)
    shop.place_order(10 * HOUR, 1, "w1", True, next(rows))
    statuses = []
    for day in range(30):
        shop.close_day(day)
        changed = log.drain()["order_status_changed"]
        assert all(day * DAY <= t < (day + 1) * DAY for t in changed["changed_at"])
        statuses += [(day, s) for s in changed["status"]]
    assert statuses[0] == (0, "placed") and statuses[1][1] == "shipped"


def test_shop_behaviour_rejects_an_unknown_payment_method():
    with pytest.raises(DistributionError, match=r"unknown method\(s\) \['cheque'\]") as err:
        dataclasses.replace(SCENARIO.shop, payment_methods=Mix({"cheque": 1.0}))
    assert err.value.field == "payment_methods"


def _defects(**shares):
    quality = dataclasses.replace(SCENARIO.quality, **shares)
    return Defects(quality, lambda i: np.random.default_rng([5, i]))


def test_orders_covered_by_a_coupon_pay_nothing_and_still_sum_to_their_amount():
    log = EventLog()
    shop = Shop(SCENARIO.shop, log, _defects(zero_amount_order_share=0.1))
    rows = own(shop, 1)
    for i in range(5000):
        shop.place_order(i * 60.0, customer_id=1, session_id="w1", first=False, own=next(rows))
    ev = log.drain()
    orders, pays = ev["order_placed"], ev["payment_made"]
    amount = dict(zip(orders["order_id"], orders["total_cents"]))
    paid: dict[int, list[tuple[str, int]]] = {}
    for oid, method, cents in zip(pays["order_id"], pays["method"], pays["amount_cents"]):
        paid.setdefault(oid, []).append((method, cents))
    assert all(sum(c for _, c in paid[o]) == a for o, a in amount.items())
    covered = [o for o, a in amount.items() if a == 0]
    assert len(covered) / len(amount) == pytest.approx(0.1, abs=0.015)
    assert all(paid[o] == [(COUPON, 0)] for o in covered)
    assert all(cents > 0 for o, rows in paid.items() if amount[o] > 0 for _, cents in rows)


def test_a_late_order_arrives_with_the_next_days_file_and_its_payments_with_it():
    log = EventLog()
    shop = Shop(SCENARIO.shop, log, _defects(late_order_share=0.2))
    rows = own(shop, 1)
    at = np.random.default_rng(2).uniform(0, 20 * DAY, 5000)
    for t in np.sort(at):
        shop.place_order(float(t), customer_id=1, session_id="w1", first=False, own=next(rows))
    ev = log.drain()
    orders, pays = ev["order_placed"], ev["payment_made"]
    delay = np.asarray(orders["delivery_delay_seconds"])
    placed = np.asarray(orders["ordered_at"])
    late = delay > 0
    assert late.mean() == pytest.approx(0.2, abs=0.02)
    arrival = placed[late] + delay[late]
    assert (arrival // DAY == placed[late] // DAY + 1).all()
    assert ((arrival % DAY) < 6 * HOUR).all()  # the default: 0-6 h after midnight
    by_order = dict(zip(orders["order_id"], delay))
    assert all(by_order[o] == d for o, d in zip(pays["order_id"], pays["delivery_delay_seconds"]))


def test_the_floor_leaves_the_shops_own_draws_alone():
    """Orders, amounts of paid orders, methods and fulfilment are the same with and without
    the floor (the defects come from their own streams)."""
    runs = []
    for defects in (None, _defects(zero_amount_order_share=0.3, late_order_share=0.3)):
        log = EventLog()
        shop = Shop(SCENARIO.shop, log, defects)
        rows = own(shop, 3)
        for i in range(500):
            shop.place_order(i * 600.0, customer_id=1, session_id="w1", first=False, own=next(rows))
        for day in range(30):
            shop.close_day(day)
        runs.append(log.drain())
    clean, floored = runs
    assert clean["order_status_changed"] == floored["order_status_changed"]
    paid = [a > 0 for a in floored["order_placed"]["total_cents"]]
    keep = [a for a, p in zip(clean["order_placed"]["total_cents"], paid) if p]
    assert keep == [a for a in floored["order_placed"]["total_cents"] if a > 0]
