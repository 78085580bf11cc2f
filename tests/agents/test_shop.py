"""The shop: payments, fulfilment statuses and their timing."""

import dataclasses

import numpy as np
import pytest

from jaffle_sim.agents.shop import Shop
from jaffle_sim.clock import DAY, HOUR
from jaffle_sim.distributions import DistributionError
from jaffle_sim.events import EventLog
from jaffle_sim.mixes import Mix
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


def test_shop_behaviour_rejects_an_unknown_payment_method():
    with pytest.raises(DistributionError, match=r"unknown method\(s\) \['cheque'\]") as err:
        dataclasses.replace(SCENARIO.shop, payment_methods=Mix({"cheque": 1.0}))
    assert err.value.field == "payment_methods"
