"""Visitors: everyone who arrives at the shop's website or app, and their journeys to a sign-up.

A visitor arrives through an ad click (bought by an `AdPlatform`) or organically. A click lands in a
session unless the visitor bounces first. In each session the visitor signs up with a probability
that depends on the touch's channel and position (`agents.effects`), otherwise may come back
later through another channel, up to a number of sessions: the multi-touch journeys that
attribution models try to recover. A sign-up makes the visitor a customer, whose first order
follows the converting session by 1-24 h; the journey's touches are credited with the model's
own truth credit (`TouchCredited`).

Visitors are many and short-lived, so the pool handles them as arrays: each simulated day it takes
that day's arrivals and the returns due that day together, in rounds (a return can fall on the
same day), and keeps only open journeys between days; `visit_records` numbers the day's sessions,
follows the journeys and records the events. Every visitor's random numbers are its own
(`touches`): session lengths and return delays drawn when it arrives from a stream keyed by its
channel and day, and uniforms hashed from its arrival key, touch and decision. So a run with a
platform switched off leaves every journey that never touches it as it was.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Generator
from typing import Any

import numpy as np
import simpy

from jaffle_sim.agents.ads import AdPlatform, Clicks
from jaffle_sim.agents.customers import Customers
from jaffle_sim.agents.journeys import Journey, JourneyBehaviour
from jaffle_sim.agents.sessions import SessionDesk, TrafficBehaviour
from jaffle_sim.agents.signups import SignUps
from jaffle_sim.agents.touches import (
    DAY_OFFSET,
    DELAY,
    MINUTES,
    SLOT,
    ArrivalDraws,
    KeyedUniforms,
    Streams,
    Touches,
    arrival_key,
)
from jaffle_sim.agents.visit_records import record_visits
from jaffle_sim.clock import DAY, HOUR, MINUTE
from jaffle_sim.events import CHANNELS, ORGANIC, EventLog

# Sub-streams of the `visitors` concern (0 and 1 were the shared visitor and desk streams).
ARRIVALS_STREAM = 2  # (ARRIVALS_STREAM, channel, day code): a channel's arrivals of one day
# 3 is `signups.CONVERTER_STREAM`: one new customer's draws
UNIFORMS_STREAM = 4  # the seed of the visitors' keyed uniforms

ORGANIC_CODE = CHANNELS.index(ORGANIC)


class Visitors:
    """The pool of visitors with open journeys."""

    def __init__(
        self,
        traffic: TrafficBehaviour,
        journey: JourneyBehaviour,
        platforms: dict[str, AdPlatform],
        desk: SessionDesk,
        customers: Customers,
        streams: Streams,
        log: EventLog,
        first_visitor_id: int,
    ):
        self.traffic = traffic
        self.journey = journey
        self.platforms = platforms
        self.desk = desk
        self.customers = customers
        self.streams = streams
        self.log = log
        self.next_visitor = first_visitor_id
        self.rates = journey.rates(traffic.landing_share)
        self.draws = ArrivalDraws(
            journey.max_sessions, traffic.session_minutes, journey.return_delay_hours
        )
        self.uniforms = KeyedUniforms(int(streams(UNIFORMS_STREAM).integers(0, 2**63)))
        self._app_share = np.array([desk.app_share[c] for c in CHANNELS])
        mix = journey.return_channels
        self._return_cum = np.cumsum(mix.probabilities)
        self._return_code = np.array([CHANNELS.index(c) for c in mix.labels], dtype=np.int64)
        self._inbox: list[Clicks] = []
        self._due: dict[int, list[Touches]] = defaultdict(list)
        self._journeys: dict[int, Journey] = {}
        self.signups = SignUps(
            customers,
            log,
            self.rates,
            journey.order_timing,
            journey.order_timing.tilt_for(traffic.visit_hours),
            self.uniforms,
            streams,
        )

    # -- arrivals -------------------------------------------------------------------------------
    def _arrivals(self, day: int, channel: int, at: np.ndarray | None, rate: float) -> Touches:
        """A channel's first touches of one day, with their draws, from the stream of (channel,
        day): the times `at` when given (clicks), else Poisson(rate) visits at visit hours."""
        rng = self.streams(ARRIVALS_STREAM, channel, day + DAY_OFFSET)
        if at is None:
            n = int(rng.poisson(rate))
            at = day * DAY + self.traffic.visit_hours.sample_hours(rng, n) * HOUR
        n = len(at)
        key = arrival_key(day, channel, np.arange(n))
        return Touches.arrivals(at, channel, self.draws.draw(rng, n), key)

    def _number(self, arrivals: Touches) -> None:
        """Visitor ids for new arrivals, in time order (the arrays keep their order)."""
        order = np.argsort(arrivals.at, kind="stable")
        arrivals.visitor[order] = np.arange(self.next_visitor, self.next_visitor + len(order))
        self.next_visitor += len(order)

    def _concat(self, parts: list[Touches]) -> Touches:
        return Touches.concat(parts, self.journey.max_sessions)

    def warm_up(self, days: int, paid_per_day: dict[str, float], organic_per_day: float) -> None:
        """Simulate `days` days before day 0 without recording anything, so that day 0 starts with
        the journeys already under way (returns due on day 0 and later). Sign-ups during the
        warm-up are dropped: the customers acquired before day 0 are the existing customers. A
        platform without clicks then has no ads: returns through it follow `return_without_ad`."""
        running = [CHANNELS.index(name) for name, rate in paid_per_day.items() if rate > 0]
        rates = {CHANNELS.index(name): rate for name, rate in paid_per_day.items()}
        rates[ORGANIC_CODE] = organic_per_day
        for day in range(-days, 0):
            arrivals = self._concat(
                [self._arrivals(day, c, None, r) for c, r in sorted(rates.items())]
            )
            self._number(arrivals)
            due = self._without_ads(self._concat(self._due.pop(day, [])), running)
            batch = self._concat([arrivals, due])
            while len(batch):
                done, later = self._visit(batch, np.full(len(batch), None, dtype=object))
                for i in np.flatnonzero(done["back"]).tolist():
                    v = int(batch.visitor[i])
                    journey = self._journeys.get(v) or Journey(int(done["start"][i]))
                    journey.add(None, int(batch.channel[i]), None)
                    self._journeys[v] = journey
                for i in np.flatnonzero(~done["back"] & (batch.number > 1)).tolist():
                    self._journeys.pop(int(batch.visitor[i]), None)
                today = later.at < (day + 1) * DAY
                for d, touches in later.take(~today).by_day():
                    self._due[d].append(touches)
                batch = self._without_ads(later.take(today), running)

    def _without_ads(self, touches: Touches, running: list[int]) -> Touches:
        """Warm-up returns through a platform without ads: organic or none (`return_without_ad`)."""
        stopped = (touches.channel != ORGANIC_CODE) & ~np.isin(touches.channel, running)
        if not stopped.any():
            return touches
        u = self.uniforms(touches.key, touches.number)[:, SLOT["without_ad"]]
        keep = ~stopped | (u < self.journey.return_without_ad)
        touches.channel[stopped & keep] = ORGANIC_CODE
        for v in touches.visitor[~keep].tolist():
            self._journeys.pop(v, None)
        return touches.take(keep)

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
        parts, ads = [], []
        for clicks in sorted(self._inbox, key=lambda c: CHANNELS.index(c.platform)):
            channel = CHANNELS.index(clicks.platform)
            parts.append(self._arrivals(day, channel, np.asarray(clicks.at, dtype=float), 0.0))
            ads.append(np.array(clicks.ad_ids, dtype=object))
        self._inbox = []
        rate = self.traffic.organic_visitors_per_day * organic_scale
        parts.append(self._arrivals(day, ORGANIC_CODE, None, rate))
        ads.append(np.full(len(parts[-1]), None, dtype=object))
        arrivals = self._concat(parts)
        self._number(arrivals)

        due, due_ads = self._route(self._concat(self._due.pop(day, [])))
        batch = self._concat([arrivals, due])
        batch_ads = np.concatenate([*ads, due_ads])
        day_end = (day + 1) * DAY
        rounds = []
        while len(batch):
            done, later = self._visit(batch, batch_ads)
            rounds.append(done)
            today = later.at < day_end
            for d, touches in later.take(~today).by_day():
                self._due[d].append(touches)
            batch, batch_ads = self._route(later.take(today))
        record_visits(env, rounds, self.desk, self._journeys, self.signups, self.log)

    def _route(self, touches: Touches) -> tuple[Touches, np.ndarray]:
        """Ads for return touches through a platform, each picked with the visitor's own draw in
        proportion to today's impressions. A platform without a running ad today: the visitor
        comes back organically with `return_without_ad`, or not at all (the journey ends)."""
        ads = np.full(len(touches), None, dtype=object)
        paid = np.flatnonzero(touches.channel != ORGANIC_CODE)
        if len(paid) == 0:
            return touches, ads
        u = self.uniforms(touches.key[paid], touches.number[paid])
        keep = np.ones(len(touches), dtype=bool)
        route = {CHANNELS.index(name): p.route_one for name, p in self.platforms.items()}
        without_ad = self.journey.return_without_ad
        for i, channel, u_ad, u_without in zip(
            paid.tolist(),
            touches.channel[paid].tolist(),
            u[:, SLOT["ad"]].tolist(),
            u[:, SLOT["without_ad"]].tolist(),
        ):
            ad = route[channel](u_ad)
            if ad is not None:
                ads[i] = ad
            elif u_without < without_ad:
                touches.channel[i] = ORGANIC_CODE
            else:
                keep[i] = False
                self._journeys.pop(int(touches.visitor[i]), None)
        if keep.all():
            return touches, ads
        return touches.take(keep), ads[keep]

    def _visit(self, touches: Touches, ad_ids: np.ndarray) -> tuple[dict[str, Any], Touches]:
        """One round: clicks land or bounce; sessions end in sign-up, a return or leaving."""
        r, j = self.rates, self.journey
        u = self.uniforms(touches.key, touches.number)
        drawn = touches.current()
        channel = touches.channel
        later_touch = (touches.number > 1).astype(np.int64)
        landed = u[:, SLOT["land"]] < r.landing[channel]
        is_app = u[:, SLOT["app"]] < self._app_share[channel]
        start = touches.at.astype(np.int64)
        end = start + np.maximum(MINUTE, (drawn[:, MINUTES] * MINUTE).astype(np.int64))
        convert = landed & (u[:, SLOT["signup"]] < r.signup[later_touch, channel])
        back = (
            landed
            & ~convert
            & (u[:, SLOT["back"]] < r.back[later_touch, channel])
            & (touches.number < j.max_sessions)
        )
        delay = drawn[back, DELAY] * HOUR
        pick = np.searchsorted(self._return_cum, u[back, SLOT["channel"]], side="right")
        next_channel = self._return_code[np.minimum(pick, len(self._return_code) - 1)]
        later = Touches(
            end[back] + np.maximum(delay, MINUTE),
            touches.visitor[back],
            touches.number[back] + 1,
            next_channel,
            touches.draws[back],
            touches.key[back],
        )
        # Sign-up happens during the session, and before midnight: the day's tables are written
        # at the end of the day and must not hold a sign-up from the future.
        last = np.minimum(end, (start // DAY + 1) * DAY - 1)
        signup_at = start + (u[:, SLOT["signup_at"]] * (last - start)).astype(np.int64)
        done = {
            "at": touches.at,
            "visitor": touches.visitor,
            "number": touches.number,
            "channel": touches.channel,
            "key": touches.key,
            "ad_id": ad_ids,
            "landed": landed,
            "is_app": is_app,
            "start": start,
            "end": end,
            "convert": convert,
            "back": back,
            "signup_at": signup_at,
            "buys": u[:, SLOT["buys"]] >= self.customers.behaviour.no_first_order_share,
        }
        return done, later
