"""Sign-ups: the visitors whose session converted become customers, in time order; their first
orders are timed from their own random numbers, and every touch of their journeys is credited
with the model's truth credit (`TouchCredited`)."""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import simpy

from jaffle_sim.agents.customers import Customers, NewCustomer
from jaffle_sim.agents.effects import TouchRates
from jaffle_sim.agents.journeys import Journey
from jaffle_sim.agents.order_timing import OrderTiming, Tilt
from jaffle_sim.agents.touches import SLOT, KeyedUniforms, Streams, split_key
from jaffle_sim.clock import DAY, HOUR
from jaffle_sim.events import CHANNELS, ORGANIC, EventLog, JourneyConverted, TouchCredited

CONVERTER_STREAM = 3  # (CONVERTER_STREAM, day code, channel, number): one new customer's draws
SOURCES = np.array([None if c == ORGANIC else c for c in CHANNELS], dtype=object)


class SignUps:
    """Turns converting visitors into customers (`Customers.sign_up`) and records their journeys."""

    def __init__(
        self,
        customers: Customers,
        log: EventLog,
        rates: TouchRates,
        timing: OrderTiming,
        tilt: Tilt,
        uniforms: KeyedUniforms,
        streams: Streams,
    ):
        self.customers = customers
        self.log = log
        self.rates = rates
        self.timing = timing
        self._tilt = tilt
        self.uniforms = uniforms
        self.streams = streams
        self._credits: dict[tuple[int, ...], list[float]] = {}

    def sign_up(
        self,
        env: simpy.Environment,
        converters: list[tuple[int, Journey]],
        col: dict[str, Any],
        session_id: np.ndarray,
        customer_id: np.ndarray,
    ) -> None:
        """Sign converters up in time order, time their first orders, credit their touches."""
        converters.sort(key=lambda c: (int(col["signup_at"][c[0]]), c[0]))
        idx = np.array([i for i, _ in converters])
        gap = self._first_order_gaps(col["key"][idx], col["number"][idx], col["start"][idx])
        news = [
            NewCustomer(
                int(col["visitor"][i]),
                session_id[i],
                int(col["signup_at"][i]),
                float(col["start"][i] + gap[k]) if col["buys"][i] else None,
                int(col["key"][i]),
            )
            for k, (i, _) in enumerate(converters)
        ]
        ids = self.customers.sign_up_all(env, news)
        for (i, journey), new, cid in zip(converters, news, ids):
            customer_id[i] = cid
            visitor_id, signed_up_at, key = new.visitor_id, new.signed_up_at, new.key
            recorded = [s for s in journey.sessions if s is not None]
            self.log.record(
                JourneyConverted(cid, visitor_id, recorded, journey.first_at, signed_up_at, key)
            )
            credit = self._credit(tuple(journey.channels))
            for touch, (sid, channel, ad, share) in enumerate(
                zip(journey.sessions, journey.channels, journey.ads, credit), start=1
            ):
                self.log.record(
                    TouchCredited(
                        cid, visitor_id, sid, touch, SOURCES[channel], ad, share, signed_up_at
                    )
                )

    def _credit(self, channels: tuple[int, ...]) -> list[float]:
        """The truth credit of a journey's touches (journeys repeat: computed once each)."""
        credit = self._credits.get(channels)
        if credit is None:
            credit = self._credits[channels] = self.rates.credit(channels)
        return credit

    def _first_order_gaps(
        self, key: np.ndarray, touch: np.ndarray, start: np.ndarray
    ) -> np.ndarray:
        """Seconds from each converting session's start to its first order, from the converter's
        own numbers. The order-timing model draws only uniforms, handed out per converter by
        `_OwnUniforms`; a free delay distribution (`gap_hours`) gets a stream per converter."""
        timing = self.timing
        clock_hours = (start % DAY) / HOUR
        if timing.gap_hours is None:
            u = self.uniforms(key, touch)
            own = _OwnUniforms(u[:, [SLOT["order_day"], SLOT["order_hour"], SLOT["order_spare"]]])
            return timing.sample_gap_seconds(
                cast(np.random.Generator, own), clock_hours, self._tilt
            )
        return np.array(
            [
                timing.sample_gap_seconds(
                    self.streams(CONVERTER_STREAM, *split_key(k)),
                    clock_hours[i : i + 1],
                    self._tilt,
                )[0]
                for i, k in enumerate(key.tolist())
            ]
        )


class _OwnUniforms:
    """Stands in for a generator where only `random(n)` is drawn for n visitors: each call hands
    out the next column of the visitors' own uniforms (a shorter call, for a subset, takes the
    first rows of its column)."""

    def __init__(self, columns: np.ndarray):
        self.columns = columns
        self.calls = 0

    def random(self, size: int) -> np.ndarray:
        column = self.columns[:, min(self.calls, self.columns.shape[1] - 1)]
        self.calls += 1
        return column[:size].copy()
