"""Visitors: everyone who arrives at the shop's website or app, and their journeys to a sign-up.

A visitor arrives through an ad click (bought by an `AdPlatform`) or organically. A click lands in a
session unless the visitor bounces first. In each session the visitor signs up with some
probability (higher on a return visit), otherwise may come back later through another channel,
up to a number of sessions: the multi-touch journeys that attribution models try to recover. A
sign-up makes the visitor a customer, whose first order follows the converting session by 1-24 h.

Visitors are many and short-lived, so the pool handles them as arrays: each simulated day it takes
that day's arrivals and the returns due that day together, in rounds (a return can fall on the
same day), and keeps only open journeys between days.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from jaffle_sim import behaviour as rule
from jaffle_sim.agents.ads import AdPlatform, Clicks
from jaffle_sim.agents.customers import Customers, NewCustomer
from jaffle_sim.agents.order_timing import OrderTiming
from jaffle_sim.agents.sessions import SessionDesk, TrafficBehaviour
from jaffle_sim.agents.touches import Touches
from jaffle_sim.clock import DAY, HOUR, MINUTE
from jaffle_sim.distributions import Distribution
from jaffle_sim.events import CHANNELS, ORGANIC, EventLog, JourneyConverted
from jaffle_sim.mixes import Mix


@dataclass(frozen=True)
class JourneyBehaviour:
    """How a visitor's journey unfolds from session to session until sign-up or leaving."""

    first_visit_conversion: float = field(metadata=rule.probability())
    return_visit_conversion: float = field(metadata=rule.probability())
    return_probability: float = field(metadata=rule.probability())
    return_delay_hours: Distribution = field(metadata=rule.distribution(non_negative=True))
    return_channels: Mix = field(metadata=rule.mix(labels=CHANNELS, what="channel"))
    max_sessions: int = field(metadata=rule.count(minimum=1))
    order_timing: OrderTiming

    def __post_init__(self) -> None:
        rule.validate(self)


class Visitors:
    """The pool of visitors with open journeys."""

    def __init__(
        self,
        traffic: TrafficBehaviour,
        journey: JourneyBehaviour,
        platforms: dict[str, AdPlatform],
        desk: SessionDesk,
        customers: Customers,
        rng: np.random.Generator,
        log: EventLog,
        first_visitor_id: int,
    ):
        self.traffic = traffic
        self.journey = journey
        self.platforms = platforms
        self.desk = desk
        self.customers = customers
        self.rng = rng
        self.log = log
        self.next_visitor = first_visitor_id
        self._inbox: list[Clicks] = []
        self._due: dict[int, list[Touches]] = defaultdict(list)
        # Open journeys: visitor -> (first touch time, session ids so far).
        self._journeys: dict[int, tuple[int, list[str]]] = {}
        self._tilt = journey.order_timing.tilt_for(traffic.visit_hours)

    def warm_up(self, days: int, paid_per_day: dict[str, float], organic_per_day: float) -> None:
        """Simulate `days` days before day 0 without recording anything, so that day 0 starts with
        the journeys already under way (returns due on day 0 and later). Sign-ups during the
        warm-up are dropped: the customers acquired before day 0 are the existing customers."""
        rng, hours = self.rng, self.traffic.visit_hours
        for day in range(-days, 0):
            parts = [
                Touches.arrivals(
                    day * DAY + hours.sample_hours(rng, rng.poisson(rate)) * HOUR, channel
                )
                for channel, rate in (*paid_per_day.items(), (ORGANIC, organic_per_day))
            ]
            batch = Touches.concat([*parts, *self._due.pop(day, [])])
            order = np.argsort(batch.at, kind="stable")
            batch = batch.take(order)
            fresh = batch.number == 1
            batch.visitor[fresh] = np.arange(self.next_visitor, self.next_visitor + fresh.sum())
            self.next_visitor += int(fresh.sum())
            while len(batch):
                done, later = self._visit(batch, np.full(len(batch), None, dtype=object))
                for v, back, at in zip(
                    batch.visitor.tolist(), done["back"].tolist(), done["start"].tolist()
                ):
                    if back:
                        self._journeys.setdefault(v, (at, []))
                    else:
                        self._journeys.pop(v, None)
                today = later.at < (day + 1) * DAY
                for d, touches in later.take(~today).by_day():
                    self._due[d].append(touches)
                batch = later.take(today)

    def receive(self, clicks: Clicks) -> None:
        """First-touch clicks bought by an ad platform for the current day."""
        self._inbox.append(clicks)

    def process(
        self, env: simpy.Environment, organic_scale: Callable[[int], float]
    ) -> Generator[simpy.Event, None, None]:
        """SimPy process: each day, after the ad platforms delivered, run the day's visits."""
        while True:
            yield env.timeout(0)  # the platforms' processes run first at the same instant
            day = int(env.now // DAY)
            self.run_day(env, day, organic_scale(day))
            yield env.timeout((day + 1) * DAY - env.now)

    # -- one day --------------------------------------------------------------------------------
    def run_day(self, env: simpy.Environment, day: int, organic_scale: float) -> None:
        rng, t = self.rng, self.traffic
        ads: list[np.ndarray] = []
        parts = []
        for clicks in self._inbox:
            parts.append(Touches.arrivals(clicks.at, clicks.platform))
            ads.append(np.array(clicks.ad_ids, dtype=object))
        self._inbox = []
        n_organic = rng.poisson(t.organic_visitors_per_day * organic_scale)
        parts.append(
            Touches.arrivals(day * DAY + t.visit_hours.sample_hours(rng, n_organic) * HOUR, ORGANIC)
        )
        ads.append(np.full(n_organic, None, dtype=object))
        arrivals = Touches.concat(parts)
        ad_of = np.concatenate(ads)
        order = np.argsort(arrivals.at, kind="stable")
        arrivals, ad_of = arrivals.take(order), ad_of[order]
        arrivals.visitor = np.arange(self.next_visitor, self.next_visitor + len(arrivals))
        self.next_visitor += len(arrivals)

        due = Touches.concat(self._due.pop(day, []))
        due_ads = self._route(due.channel)  # may turn a channel without ads today organic
        batch = Touches.concat([arrivals, due])
        batch_ads = np.concatenate([ad_of, due_ads])
        day_end = (day + 1) * DAY
        rounds = []
        while len(batch):
            done, later = self._visit(batch, batch_ads)
            rounds.append(done)
            today = later.at < day_end
            for d, touches in later.take(~today).by_day():
                self._due[d].append(touches)
            batch = later.take(today)
            batch_ads = self._route(batch.channel)
        self._record(env, rounds)

    def _route(self, channels: np.ndarray) -> np.ndarray:
        """Ads for return touches through a platform (today's running ads); organic if none."""
        out = np.full(len(channels), None, dtype=object)
        for name, platform in self.platforms.items():
            idx = np.flatnonzero(channels == name)
            if len(idx) == 0:
                continue
            chosen = platform.route_clicks(len(idx))
            if chosen:
                out[idx] = np.array(chosen, dtype=object)
            else:
                channels[idx] = ORGANIC
        return out

    def _visit(self, touches: Touches, ad_ids: np.ndarray) -> tuple[dict[str, Any], Touches]:
        """One round: clicks land or bounce; sessions end in sign-up, a return or leaving."""
        rng, j, t = self.rng, self.journey, self.traffic
        n = len(touches)
        paid = touches.channel != ORGANIC
        landed = ~paid | (rng.random(n) < t.landing_share)
        app_share = np.array([self.desk.app_share[c] for c in touches.channel])
        is_app = rng.random(n) < app_share
        minutes = t.session_minutes.sample(rng, n)
        start = touches.at.astype(np.int64)
        end = start + np.maximum(MINUTE, (minutes * MINUTE).astype(np.int64))
        p_convert = np.where(
            touches.number == 1, j.first_visit_conversion, j.return_visit_conversion
        )
        u = rng.random(n)
        convert = landed & (u < p_convert)
        back = (
            landed
            & ~convert
            & (rng.random(n) < j.return_probability)
            & (touches.number < j.max_sessions)
        )
        delay = j.return_delay_hours.sample(rng, int(back.sum())) * HOUR
        channel = np.array(j.return_channels.labels, dtype=object)[
            j.return_channels.sample_index(rng, int(back.sum()))
        ]
        later = Touches(
            end[back] + np.maximum(delay, MINUTE),
            touches.visitor[back],
            touches.number[back] + 1,
            channel,
        )
        # Sign-up happens during the session, and before midnight: the day's tables are written
        # at the end of the day and must not hold a sign-up from the future.
        last = np.minimum(end, (start // DAY + 1) * DAY - 1)
        signup_at = start + (rng.random(n) * (last - start)).astype(np.int64)
        done = {
            "touches": touches,
            "ad_id": ad_ids,
            "paid": paid,
            "landed": landed,
            "is_app": is_app,
            "start": start,
            "end": end,
            "convert": convert,
            "back": back,
            "signup_at": signup_at,
        }
        return done, later

    def _record(self, env: simpy.Environment, rounds: list[dict[str, Any]]) -> None:
        """Number today's sessions in time order, sign converters up in time order, record."""
        if not rounds:
            return
        col = {k: np.concatenate([r[k] for r in rounds]) for k in rounds[0] if k != "touches"}
        touches = Touches.concat([r["touches"] for r in rounds])
        order = np.lexsort((touches.visitor, touches.at))
        touches = touches.take(order)
        col = {k: v[order] for k, v in col.items()}
        n = len(touches)
        session_id = np.full(n, None, dtype=object)
        for platform, mask in (
            ("app", col["landed"] & col["is_app"]),
            ("website", col["landed"] & ~col["is_app"]),
        ):
            idx = np.flatnonzero(mask)
            session_id[idx] = np.array(self.desk.number(platform, len(idx)), dtype=object)
        customer_id = np.full(n, None, dtype=object)

        # Journeys: extend open ones, close those that end today.
        journeys = self._journeys
        visitors = touches.visitor.tolist()
        landed, convert, back = (
            col["landed"].tolist(),
            col["convert"].tolist(),
            col["back"].tolist(),
        )
        starts = col["start"].tolist()
        converters = []
        for i in range(n):
            v = visitors[i]
            if not landed[i]:
                journeys.pop(v, None)
                continue
            first_at, path = journeys.get(v) or (starts[i], [])
            path.append(session_id[i])
            if convert[i]:
                journeys.pop(v, None)
                converters.append((i, first_at, path))
            elif back[i]:
                journeys[v] = (first_at, path)
            else:
                journeys.pop(v, None)
        self._sign_up(env, converters, touches, col, session_id, customer_id)

        landed_idx = np.flatnonzero(col["landed"])
        self.log.record_columns(
            "session",
            {
                "session_id": session_id[landed_idx].tolist(),
                "visitor_id": touches.visitor[landed_idx],
                "customer_id": customer_id[landed_idx].tolist(),
                "started_at": col["start"][landed_idx],
                "ended_at": col["end"][landed_idx],
                "platform": np.where(col["is_app"][landed_idx], "app", "website").tolist(),
                "utm_source": [None if c == ORGANIC else c for c in touches.channel[landed_idx]],
                "ad_id": col["ad_id"][landed_idx].tolist(),
                "touch": touches.number[landed_idx],
            },
        )
        paid_idx = np.flatnonzero(col["paid"])
        self.log.record_columns(
            "click",
            {
                "clicked_at": col["start"][paid_idx],
                "ad_id": col["ad_id"][paid_idx].tolist(),
                "platform": touches.channel[paid_idx].tolist(),
                "visitor_id": touches.visitor[paid_idx],
                "session_id": session_id[paid_idx].tolist(),
                "touch": touches.number[paid_idx],
            },
        )

    def _sign_up(
        self,
        env: simpy.Environment,
        converters: list[tuple[int, Any, list[Any]]],
        touches: Touches,
        col: dict[str, Any],
        session_id: np.ndarray,
        customer_id: np.ndarray,
    ) -> None:
        if not converters:
            return
        converters.sort(key=lambda c: (int(col["signup_at"][c[0]]), c[0]))
        idx = np.array([c[0] for c in converters])
        clock_hours = (col["start"][idx] % DAY) / HOUR
        gap = self.journey.order_timing.sample_gap_seconds(self.rng, clock_hours, self._tilt)
        buys = self.rng.random(len(idx)) >= self.customers.behaviour.no_first_order_share
        for k, (i, first_at, path) in enumerate(converters):
            signed_up_at = int(col["signup_at"][i])
            order_at = float(col["start"][i] + gap[k]) if buys[k] else None
            new = NewCustomer(int(touches.visitor[i]), session_id[i], signed_up_at, order_at)
            cid = self.customers.sign_up(env, new)
            customer_id[i] = cid
            self.log.record(
                JourneyConverted(cid, new.visitor_id, list(path), first_at, signed_up_at)
            )
