"""The shop: takes orders, collects their payments and moves them through fulfilment.

An order is `placed`, then `shipped`, then `completed`; a share of completed orders is sent back
(`return_pending`, then `returned`). The shop plans each order's timeline when it is placed and
records every status change, `placed` included (at the order's `ordered_at`), on the day it
happens, so a table written on a given day shows each order's status as of that day. Every draw
of an order (amount, payments, fulfilment times, defects) is a row of the ordering customer's
own numbers (`Shop.draw`, `agents.own_draws`).

With the noise floor (`Defects`), a few orders are covered in full by a coupon (total 0, one
`coupon` payment of 0) and a few rows arrive late, with the next day's file.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from jaffle_sim import behaviour as rule
from jaffle_sim.agents.quality import Defects
from jaffle_sim.clock import DAY, HOUR
from jaffle_sim.distributions import Distribution
from jaffle_sim.events import PAYMENT_METHODS, EventLog, OrderPlaced, PaymentMade
from jaffle_sim.mixes import Mix

COUPON = "coupon"  # the payment method of an order covered in full by a coupon


@dataclass(frozen=True)
class ShopBehaviour:
    """Order values, payment habits and fulfilment times (delays in hours or days, as named)."""

    order_amount_cents: Distribution = field(metadata=rule.distribution(non_negative=True))
    second_payment_share: float = field(metadata=rule.probability())
    payment_methods: Mix = field(metadata=rule.mix(labels=PAYMENT_METHODS, what="method"))
    ship_hours: Distribution = field(metadata=rule.distribution(non_negative=True))
    deliver_hours: Distribution = field(metadata=rule.distribution(non_negative=True))
    return_share: float = field(metadata=rule.probability())
    return_request_days: Distribution = field(metadata=rule.distribution(non_negative=True))
    return_processing_days: Distribution = field(metadata=rule.distribution(non_negative=True))

    def __post_init__(self) -> None:
        rule.validate(self)

    @property
    def lifecycle_days(self) -> float:
        """Longest possible time from placing an order to its last status change (inf if the
        delay distributions are unbounded)."""
        hours = self.ship_hours.support[1] + self.deliver_hours.support[1]
        days = self.return_request_days.support[1] + self.return_processing_days.support[1]
        return hours / 24 + days


class Shop:
    """Order book of the shop; customers call `place_order`, the runner calls `close_day`."""

    def __init__(self, behaviour: ShopBehaviour, log: EventLog, defects: Defects | None = None):
        self.behaviour = behaviour
        self.log = log
        self.defects = defects  # the noise floor (None: clean data)
        self._next_order = 1
        self._next_payment = 1
        self._pending: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
        self._methods = behaviour.payment_methods.labels
        self._method_cum = np.cumsum(behaviour.payment_methods.probabilities)[:-1].tolist()

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Shape (n, 10, or 13 with the noise floor): the draws of n orders, as `place_order`
        reads them (amount in cents, ship and deliver hours, return request and processing days,
        then uniforms; the floor's two uniforms and late-arrival hours last)."""
        b = self.behaviour
        parts = [
            b.order_amount_cents.sample(rng, n),
            b.ship_hours.sample(rng, n),
            b.deliver_hours.sample(rng, n),
            b.return_request_days.sample(rng, n),
            b.return_processing_days.sample(rng, n),
            *(rng.random(n) for _ in range(5)),
        ]
        if self.defects is not None:
            parts += [rng.random(n), rng.random(n), self.defects.late_hours(rng, n)]
        return np.stack(parts, axis=1)

    def place_order(
        self, at: float, customer_id: int, session_id: str, first: bool, own: list[float]
    ) -> int:
        """Record an order with its payments and plan its fulfilment; returns the order id.
        `own` is a row of `draw`: the ordering customer's own numbers."""
        amount_, ship, deliver, request, process, u_two, u_split, u_m1, u_m2, u_back = own[:10]
        order_id = self._next_order
        self._next_order += 1
        t = int(at)
        amount = max(1, round(amount_))
        if amount > 1 and u_two < self.behaviour.second_payment_share:
            first_part = min(amount - 1, max(1, int(amount * (0.2 + 0.6 * u_split))))
            parts: tuple[int, ...] = (first_part, amount - first_part)
        else:
            parts = (amount,)
        methods = [self._methods[bisect_right(self._method_cum, u)] for u in (u_m1, u_m2)]
        delay = 0
        if self.defects is not None:
            u_zero, u_late, late_hours = own[10:]
            if self.defects.zero_amount_order(u_zero):  # a full-value coupon: nothing to pay
                amount, parts, methods = 0, (0,), [COUPON]
            delay = self.defects.delivery_delay(t, (u_late, late_hours))
        self.log.record(OrderPlaced(order_id, customer_id, t, amount, session_id, first, delay))
        for part, method in zip(parts, methods):
            self.log.record(PaymentMade(self._next_payment, order_id, method, part, t, delay))
            self._next_payment += 1
        self._plan(order_id, t, "placed")
        shipped = t + max(1, int(ship * HOUR))
        completed = shipped + max(1, int(deliver * HOUR))
        self._plan(order_id, shipped, "shipped")
        self._plan(order_id, completed, "completed")
        if u_back < self.behaviour.return_share:
            pending = completed + max(1, int(request * DAY))
            self._plan(order_id, pending, "return_pending")
            self._plan(order_id, pending + max(1, int(process * DAY)), "returned")
        return order_id

    def _plan(self, order_id: int, at: int, status: str) -> None:
        self._pending[at // DAY].append((at, order_id, status))

    def close_day(self, day: int) -> None:
        """Record the status changes that happened during `day`."""
        changes = self._pending.pop(day, None)
        if not changes:
            return
        changes.sort()
        self.log.record_columns(
            "order_status_changed",
            {
                "order_id": [c[1] for c in changes],
                "status": [c[2] for c in changes],
                "changed_at": [c[0] for c in changes],
            },
        )
