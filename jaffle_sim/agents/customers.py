"""Customers: people who signed up, each a SimPy process that buys again and again until it churns.

Repeat buying follows the "buy till you die" picture: each customer has a personal purchase rate
(needs per day, gamma-distributed across customers, so a minority makes most orders) and a personal
probability of stopping after any order. When a need arises (on a day weighted by the weekly
rhythm) the customer opens a session (organic, or through a retargeting ad) at a time of day drawn
from the visit profile, and orders 1-24 h later as `OrderTiming` says.

The shop has a past: the customers who exist on day 0 signed up before it at the rate at which the
shop acquires customers in its first days (the same level, growth curve and weekly rhythm), over
as many days as that takes, so a daily count of sign-ups shows no edge at day 0.

Every draw of a customer's life (identity, rate, churn, needs, sessions, orders and their
payments and statuses) comes from its own numbers, keyed by its origin (`agents.own_draws`).
"""

from __future__ import annotations

import hashlib
import math
import re
from bisect import bisect_right
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from functools import partial
from itertools import chain
from typing import Any

import numpy as np
import simpy

from jaffle_sim import behaviour as rule
from jaffle_sim.agents.order_timing import OrderTiming
from jaffle_sim.agents.own_draws import Column, Draw, Draws, OwnDraws
from jaffle_sim.agents.quality import Defects
from jaffle_sim.clock import DAY
from jaffle_sim.distributions import Distribution
from jaffle_sim.events import CHANNELS, ORGANIC, CustomerChurned, EventLog, SignedUp
from jaffle_sim.mixes import HourProfile, Mix


@dataclass(frozen=True)
class CustomerBehaviour:
    """Repeat purchase, churn and identity details of customers.

    `existing_customers` are the customers who buy on day 0; they signed up before it at the
    shop's daily acquisition rate, over at most `existing_history_days` days (those left when
    that limit is reached, or all of them when the shop acquires nobody, spread evenly over the
    limit)."""

    existing_customers: int = field(metadata=rule.count())
    existing_history_days: int = field(metadata=rule.count(minimum=1))
    purchase_rate_per_day: Distribution = field(metadata=rule.distribution(non_negative=True))
    churn_after_order: Distribution = field(metadata=rule.distribution(probability=True))
    repeat_channels: Mix = field(metadata=rule.mix(labels=CHANNELS, what="channel"))
    no_first_order_share: float = field(metadata=rule.probability())

    def __post_init__(self) -> None:
        rule.validate(self)


@dataclass(frozen=True)
class NewCustomer:
    """A visitor who signed up in `session_id` (None: before day 0) at `signed_up_at`. A new
    customer places a first order at `first_order_at` (None: never orders); customers who joined
    before day 0 go straight to repeat buying. `key` names the customer's own random numbers
    (`agents.own_draws`): the arrival key of its journey, or its number if it joined before day 0.
    """

    visitor_id: int
    session_id: str | None
    signed_up_at: int
    first_order_at: float | None
    key: int

    @property
    def existing(self) -> bool:
        return self.session_id is None


# Pairs of uniforms in a need's row for the thinning of needs by the weekly rhythm (a pair per
# candidate need; more come from the customer's plain uniforms).
THINNING = 3


class Customers:
    """Registry and life processes of all customers."""

    def __init__(
        self,
        behaviour: CustomerBehaviour,
        order_timing: OrderTiming,
        visit_hours: HourProfile,
        weekly: tuple[float, ...],
        start_weekday: int,
        rng: np.random.Generator,
        seed: int,
        names: Callable[[float, float], tuple[str, str]],
        log: EventLog,
        place_order: Callable[[float, int, str, bool, list[float]], int],
        open_session: Callable[[float, int, int, str, list[float]], str],
        draws: dict[str, Draw],
        defects: Defects | None = None,
    ):
        """`rng` draws the history of the customers who exist on day 0; every customer's own
        numbers come from `seed` (`OwnDraws`). `draws` are the shop's and the session desk's
        draw functions of an order (`order`) and of a customer session (`session`)."""
        self.behaviour = b = behaviour
        self.rng = rng
        self.defects = defects  # the noise floor (None: clean data)
        self.visit_hours = visit_hours
        self.weekly = np.asarray(weekly, dtype=float) / np.mean(weekly)
        self.names = names
        self.log = log
        self.place_order = place_order
        self.open_session = open_session  # (at, visitor_id, customer_id, channel, own) -> id
        self.start_weekday = start_weekday
        w = np.asarray(weekly, dtype=float)
        self._weekday_accept = (w / w.max()).tolist()
        self._weekly_peak = float(w.max() / w.mean())
        self.next_id = 1
        # The number in an email: the customer id as the whole shop knows it (a shard's ids are
        # relabelled after the day; see simulation/shards.py).
        self.email_number: Callable[[int], int] = int
        self.active = 0
        self._channels = b.repeat_channels.labels
        self._channel_cum = np.cumsum(b.repeat_channels.probabilities)[:-1].tolist()
        tilt = order_timing.tilt_for(visit_hours)
        session = draws["session"]

        def at_sign_up(g: Any, n: int) -> np.ndarray:  # rate, churn, then uniforms
            rate, churn = b.purchase_rate_per_day.sample(g, n), b.churn_after_order.sample(g, n)
            return np.stack([rate, churn, *(g.random(n) for _ in range(5))], axis=1)

        def need(g: Any, n: int) -> np.ndarray:  # see _next_need
            hours = visit_hours.sample_hours(g, n)
            gap = order_timing.sample_gap_seconds(g, hours, tilt)
            u = [g.random(n) for _ in range(2 + 2 * THINNING)]
            return np.column_stack([hours, gap, *u, session(g, n), draws["order"](g, n)])

        # A need's row: hours, gap, channel and churn uniforms, thinning, session, then order.
        widths = np.column_stack([session(np.random.default_rng(0), 1)]).shape[1]
        self._session = slice(4 + 2 * THINNING, 4 + 2 * THINNING + widths)
        self._order = slice(self._session.stop, None)
        self.own = OwnDraws(
            seed,
            {
                "sign_up": Column(at_sign_up, 1, 1),
                # Small blocks, so that live customers hold few numbers each (a need's row is
                # about 25): a year at four times the traffic peaked at 346 MB with blocks of 8
                # then 32 rows and at 232 MB with these, in the same CPU time.
                "need": Column(need, 4, 4),
                "u": Column(lambda g, n: g.random(n), 2, 32),
            },
        )

    # -- sign-up --------------------------------------------------------------------------------
    def sign_up(self, env: simpy.Environment, new: NewCustomer) -> int:
        """Create a customer (id in sign-up order), record the sign-up and start its life."""
        return self.sign_up_all(env, [new])[0]

    def sign_up_all(self, env: simpy.Environment, news: list[NewCustomer]) -> list[int]:
        """`sign_up` for customers in sign-up order, their first own numbers drawn together."""
        return [
            self._sign_up(env, new, own)
            for new, own in zip(news, self.own.start([n.key for n in news]))
        ]

    def _sign_up(self, env: simpy.Environment, new: NewCustomer, own: Draws) -> int:
        customer_id = self.next_id
        self.next_id += 1
        rate, churn, u_first, u_last, u_email, u_blank, u_salt = own("sign_up")
        first, last = self.names(u_first, u_last)
        email = None
        missing = self.defects.quality.missing_email_share if self.defects else 0.0
        if u_email >= missing:
            email = f"{_slug(first)}.{_slug(last)}{self.email_number(customer_id)}@example.com"
        if self.defects is not None and self.defects.blank_first_name(u_blank):
            first = ""  # the form's field left empty (the email still has the name)
        password = hashlib.sha256(int(u_salt * 2**63).to_bytes(8, "little")).hexdigest()
        self.log.record(
            SignedUp(
                customer_id,
                customer_id,
                new.visitor_id,
                new.session_id,
                first,
                last,
                email,
                password,
                new.signed_up_at,
            )
        )
        self.active += 1
        churn = min(1.0, max(0.0, churn))
        env.process(self.life(env, customer_id, new, own, rate, churn))
        return customer_id

    def sign_up_existing(
        self,
        env: simpy.Environment,
        first_visitor_id: int,
        signups_per_day: float = 0.0,
        growth_per_30_days: float = 0.0,
    ) -> int:
        """Customers acquired before day 0 (ids 1..n in sign-up order, keyed by them); returns
        how many visitor ids they use. `signups_per_day` is the shop's expected acquisition rate
        at growth 1 on an average weekday (the rate of its first days); the history follows it
        back in time."""
        n = self.behaviour.existing_customers
        times = self.history(n, signups_per_day, growth_per_30_days)
        news = [
            NewCustomer(first_visitor_id + i, None, int(times[i]), None, i + 1) for i in range(n)
        ]
        self.sign_up_all(env, news)
        return n

    def history(self, n: int, signups_per_day: float, growth_per_30_days: float) -> np.ndarray:
        """Sign-up times (seconds, ascending, all before day 0) of `n` customers who joined
        before day 0: day by day backwards from day -1, Poisson counts around the daily rate
        (growth curve, weekly rhythm), at clock times from the visit profile; at most
        `existing_history_days` days, the remainder spread evenly over them."""
        limit = self.behaviour.existing_history_days
        days: list[np.ndarray] = []
        placed, day = 0, -1
        rate = signups_per_day
        while placed < n and day >= -limit and rate > 0:
            mean = rate * (1.0 + growth_per_30_days) ** (day / 30.0)
            mean *= self.weekly[(self.start_weekday + day) % 7]
            k = min(int(self.rng.poisson(mean)), n - placed)
            days.append(np.full(k, day, dtype=np.int64))
            placed += k
            day -= 1
        rest = n - placed
        days.append(-self.rng.integers(1, limit + 1, rest))
        day_of = np.concatenate(days)
        clock = self.visit_hours.sample_hours(self.rng, n) * 3600.0
        at = np.minimum(day_of * DAY + clock.astype(np.int64), -1)
        return np.sort(at)

    # -- life -------------------------------------------------------------------------------------
    def life(
        self,
        env: simpy.Environment,
        customer_id: int,
        new: NewCustomer,
        own: Draws,
        rate: float,
        churn: float,
    ) -> Generator[simpy.Event, None, None]:
        """SimPy process of one customer: purchase needs arrive as a Poisson process of `rate` a
        day; each opens a session and an order follows it. After any order the customer may
        churn, which ends the needs (an order already on its way still comes).

        A customer who joined before day 0 is already mid-way: a need that arose the day before
        day 0 opens its (organic) session then and may be ordered on day 0."""
        churned = [False]
        visitor = new.visitor_id
        if new.existing:
            since = -float(DAY)
        else:
            if new.first_order_at is None or new.session_id is None:
                return  # signed up but never orders
            row = own("need")  # its order's part
            stop = row[3] < churn
            order = row[self._order]
            self._order_later(
                env, new.first_order_at, customer_id, new.session_id, True, order, stop, churned
            )
            since = float(new.signed_up_at)
        last_session = -float("inf") if new.existing else float(new.signed_up_at)
        while rate > 0 and not churned[0]:
            since, session_at, row = self._next_need(own, since, last_session, rate)
            gap, u_channel, u_churn = row[1:4]
            last_session = session_at
            if session_at + gap < env.now:
                continue  # a need before day 0 that was served before day 0
            if session_at >= env.now:
                yield env.timeout(session_at - env.now)
                if churned[0]:
                    return
                channel = self._channels[bisect_right(self._channel_cum, u_channel)]
            else:
                channel = ORGANIC  # before day 0 no ads are simulated
            session_id = self.open_session(
                session_at, visitor, customer_id, channel, row[self._session]
            )
            order, stop = row[self._order], u_churn < churn
            self._order_later(
                env, session_at + gap, customer_id, session_id, False, order, stop, churned
            )

    def _order_later(
        self,
        env: simpy.Environment,
        at: float,
        customer_id: int,
        session_id: str,
        first: bool,
        order: list[float],
        stop: bool,
        churned: list[bool],
    ) -> None:
        """Place the order at `at` (`order`: its own numbers, `Shop.draw`); then, if `stop`, the
        customer stops buying."""

        def place(_: simpy.Event) -> None:
            self.place_order(env.now, customer_id, session_id, first, order)
            if stop and not churned[0]:
                churned[0] = True
                self.active -= 1
                self.log.record(CustomerChurned(customer_id, int(env.now)))

        env.timeout(max(0.0, at - env.now)).callbacks.append(place)

    def _next_need(
        self, own: Draws, since: float, last_session: float, rate: float
    ) -> tuple[float, float, list[float]]:
        """The next purchase need after time `since` (seconds): its time, the start of the
        session it opens and its row of own numbers: session hour, gap from the session to the
        order, uniforms of its channel and of churn after the order, of the thinning, then the
        session's (`SessionDesk.draw`) and the order's (`Shop.draw`) own draws.

        Needs form a Poisson process of `rate` per day thinned by the weekly rhythm; the session
        starts on the need's day at a clock time from the visit profile (a day later if that is
        not after the last session)."""
        row = own("need")
        tries = chain(row[4 : 4 + 2 * THINNING], iter(partial(own, "u"), None))
        t = since / DAY
        peak = rate * self._weekly_peak
        while True:
            t += -math.log(1.0 - next(tries)) / peak
            weekday = (self.start_weekday + math.floor(t)) % 7
            if next(tries) < self._weekday_accept[weekday]:
                break
        session_at = math.floor(t) * DAY + row[0] * 3600.0
        while session_at <= last_session:
            session_at += DAY
        return t * DAY, session_at, row


_NOT_IN_EMAIL = re.compile(r"[^a-z0-9]")


def _slug(name: str) -> str:
    return _NOT_IN_EMAIL.sub("", name.lower())
