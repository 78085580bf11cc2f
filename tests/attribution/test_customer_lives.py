"""Common random numbers after the journey: with one platform switched off, every customer it
did not bring (matched by arrival key; those of before day 0 by their number) has the same
orders, payments, statuses, churn and later sessions (at the same times, delivered twice
alike), in one shard and in four."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import pandas as pd
import pytest

from jaffle_sim.attribution.incrementality import switched_off
from jaffle_sim.clock import Calendar, SimDay
from jaffle_sim.events import DayEvents
from jaffle_sim.simulation.hooks import RunInfo
from jaffle_sim.simulation.runner import Runner, Simulation
from jaffle_sim.simulation.scenario import Scenario
from jaffle_sim.simulation.shards import Shard

CALENDAR = Calendar(dt.date(2026, 3, 15), 30)
SMALL = Scenario.default().scaled(0.3)


class _Collect:
    def __init__(self) -> None:
        self.columns: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))

    def start(self, run: RunInfo) -> None:
        pass

    def day(self, day: SimDay, events: DayEvents) -> None:
        for kind, columns in events.columns.items():
            for name, values in columns.items():
                self.columns[kind][name].extend(list(values))

    def end(self) -> None:
        pass


def events(scenario: Scenario, shards: int) -> dict[str, pd.DataFrame]:
    collect = _Collect()
    for i in range(shards):
        sim = Simulation(scenario, CALENDAR, 8, "training", Shard(i, shards))
        Runner([sim], {"training": [collect]}).run()
    return {kind: pd.DataFrame(dict(cols)) for kind, cols in collect.columns.items()}


def lives(e: dict[str, pd.DataFrame], avoid: str) -> dict[tuple[str, int], tuple[Any, ...]]:
    """Per customer whose journey never touched `avoid`, keyed by its arrival key (those of
    before day 0 by their id): its orders (time, total, first, delay, payments, statuses) and
    churn, without ids."""
    pays = e["payment_made"].sort_values("payment_id").groupby("order_id")
    paid = {o: tuple(zip(p.method, p.amount_cents, p.paid_at)) for o, p in pays}
    st = e["order_status_changed"].sort_values(["changed_at", "status"]).groupby("order_id")
    statuses = {o: tuple(zip(s.status, s.changed_at)) for o, s in st}
    orders: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for o in e["order_placed"].sort_values("ordered_at").itertuples():
        row = (o.ordered_at, o.total_cents, o.is_first_order, o.delivery_delay_seconds)
        orders[o.customer_id].append((*row, paid[o.order_id], statuses[o.order_id]))
    sessions: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    later = e["session"][e["session"].touch == 0].sort_values(["started_at", "is_duplicate"])
    for v in later.itertuples():
        # when and whether delivered twice (a retargeting session through `avoid` itself turns
        # organic without it, and may land on the other site: that is the platform's effect)
        sessions[int(v.customer_id)].append((v.started_at, v.ended_at, v.is_duplicate))
    churn = dict(zip(e["customer_churned"].customer_id, e["customer_churned"].churned_at))
    t = e["touch_credited"]
    touched = set(t.customer_id[t.utm_source == avoid])
    key = {
        ("arrival", int(k)): c
        for c, k in zip(*(e["journey_converted"][f] for f in ("customer_id", "arrival_key")))
    }
    s = e["signed_up"]
    key |= {("existing", int(c)): c for c in s.customer_id[s.session_id.isna()]}
    assert len(key) == len(s)  # arrival keys are unique
    return {
        k: (tuple(orders.get(c, ())), churn.get(c), tuple(sessions.get(c, ())))
        for k, c in key.items()
        if c not in touched
    }


@pytest.mark.parametrize("shards", [1, 4])
def test_switching_a_platform_off_leaves_every_other_customers_life_as_it_was(shards):
    world = lives(events(SMALL, shards), "google")
    without = lives(events(switched_off(SMALL, "google"), shards), "google")
    new = [k for k in world if k[0] == "arrival"]
    assert len(new) > 50 and len(world) - len(new) == SMALL.customers.existing_customers
    assert sum(len(life[0]) for life in world.values()) > 1500
    assert sum(life[1] is not None for life in world.values()) > 20
    later = [s for life in world.values() for s in life[2]]
    assert len(later) > 500 and any(s[-1] for s in later)  # with sessions delivered twice
    changed = [k for k, life in world.items() if without.get(k) != life]
    assert changed == []
