"""Touches: a visitor's contacts with the shop (the first arrival, then each return), in batches.

The visitor pool handles a day's touches as parallel arrays rather than one object per touch: when
(seconds since the start), whose (visitor id), which touch of the journey (1 = the arrival),
through which channel (a position in `CHANNELS`), the visitor's own random numbers and the key of
where the visitor came from.

Common random numbers: every visitor's random numbers are its own. Its session lengths and return
delays (one per possible touch, up to `max_sessions`) are drawn when it arrives, from a stream
keyed by the channel of arrival and the day, in the order of that channel's arrivals that day
(`ArrivalDraws`). Its uniforms for every decision of every touch (`SLOTS`) are a counter-based
hash of the run's seed, its arrival key and (touch, slot) (`KeyedUniforms`), so they need no
storage. Nothing a visitor does consumes a draw shared with other visitors, so a run without one
platform leaves every other visitor's journey exactly as it was. The arrival key (day, channel,
arrival number) names the visitor across such runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from jaffle_sim.clock import DAY
from jaffle_sim.distributions import Distribution

# A keyed random stream: key parts -> generator (the model's `streams.generator("visitors", ...)`).
Streams = Callable[..., np.random.Generator]

# The uniforms of each touch, one per decision (append only: positions are part of the hash).
SLOTS = (
    "land",  # a paid click lands (< traffic.landing_share)
    "app",  # the session is in the app (< the channel's app share)
    "signup",  # signs up in the session (< the sign-up probability)
    "back",  # comes back later (< the return probability)
    "channel",  # the return channel (inverse of journey.return_channels)
    "signup_at",  # where in the session the sign-up falls
    "ad",  # which running ad a paid return clicks (in proportion to impressions)
    "without_ad",  # a return through a platform without a running ad still happens organically
    "buys",  # a new customer places a first order (>= customers.no_first_order_share)
    "order_day",  # the first order: same day or next (OrderTiming.sample_gap_seconds)
    "order_hour",  # the first order: clock time within the chosen window
    "order_spare",  # the first order: a window without order-hour weight
)
SLOT = {name: i for i, name in enumerate(SLOTS)}
MINUTES, DELAY = 0, 1  # the distribution draws of a touch: session minutes, hours to the return

# Arrival keys: day + DAY_OFFSET (days before day 0 stay positive), channel and arrival number.
DAY_OFFSET = 1 << 20
_CHANNEL_BITS = 2
_NUMBER_BITS = 32
ARRIVAL_NUMBER = (1 << _NUMBER_BITS) - 1  # the bits of a key that hold the arrival number


def arrival_key(day: int, channel: int, number: np.ndarray) -> np.ndarray:
    """One integer per visitor naming where it came from: (day, channel, arrival number)."""
    head = ((day + DAY_OFFSET) << _CHANNEL_BITS) | channel
    return (np.int64(head) << _NUMBER_BITS) | np.asarray(number, dtype=np.int64)


def split_key(key: int) -> tuple[int, int, int]:
    """(day code, channel, arrival number) of an arrival key (the day code is day + DAY_OFFSET)."""
    key = int(key)
    number = key & ARRIVAL_NUMBER
    head = key >> _NUMBER_BITS
    return head >> _CHANNEL_BITS, head & ((1 << _CHANNEL_BITS) - 1), number


@dataclass(frozen=True)
class ArrivalDraws:
    """The distribution draws every arriving visitor needs for up to `touches` touches."""

    touches: int
    session_minutes: Distribution
    return_delay_hours: Distribution

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Shape (n, touches, 2): session minutes and return delays of n visitors, in order."""
        m = n * self.touches
        out = np.empty((n, self.touches, 2))
        out[:, :, MINUTES] = self.session_minutes.sample(rng, m).reshape(n, self.touches)
        out[:, :, DELAY] = self.return_delay_hours.sample(rng, m).reshape(n, self.touches)
        return out


# SplitMix64's constants: counter-based numbers are a hash of (seed, key, counter), so they do
# not depend on who else draws or in which order (visitors here, customers in own_draws, the
# duplicate sessions in quality).
GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1, _MIX2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB
MASK = 2**64 - 1


def mix(z: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser, element-wise on uint64 (wrapping) arithmetic."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(_MIX1)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(_MIX2)
    return z ^ (z >> np.uint64(31))


def mix_int(z: int) -> int:
    """`mix` of one Python integer (the same bits, without an array's cost)."""
    z = (z ^ (z >> 30)) * _MIX1 & MASK
    z = (z ^ (z >> 27)) * _MIX2 & MASK
    return z ^ (z >> 31)


@dataclass(frozen=True)
class KeyedUniforms:
    """Uniforms in [0, 1) as a pure function of (seed, arrival key, touch, slot): counter-based,
    so a visitor's numbers never depend on other visitors or on the order they are asked for."""

    seed: int

    def __call__(self, key: np.ndarray, touch: np.ndarray) -> np.ndarray:
        """Shape (n, len(SLOTS)): the uniforms of touch `touch` (1 = first) of each visitor."""
        k = np.asarray(key, dtype=np.int64).astype(np.uint64)
        per_visitor = mix(k * GOLDEN ^ np.full(len(k), self.seed, dtype=np.uint64))
        counter = np.asarray(touch, dtype=np.uint64)[:, None] * np.uint64(len(SLOTS)) + np.arange(
            len(SLOTS), dtype=np.uint64
        )
        bits = mix(mix(per_visitor[:, None] + counter * GOLDEN))
        return (bits >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


@dataclass
class Touches:
    """Touches as parallel arrays: `channel` holds positions in `CHANNELS`, `draws` each visitor's
    distribution draws (`ArrivalDraws`), `key` each visitor's arrival key."""

    at: np.ndarray
    visitor: np.ndarray
    number: np.ndarray
    channel: np.ndarray
    draws: np.ndarray
    key: np.ndarray

    @staticmethod
    def arrivals(at: np.ndarray, channel: int, draws: np.ndarray, key: np.ndarray) -> Touches:
        """First touches at times `at` through `channel` (visitor ids still to be assigned)."""
        n = len(at)
        return Touches(
            np.asarray(at, dtype=float),
            np.zeros(n, dtype=np.int64),
            np.ones(n, dtype=np.int64),
            np.full(n, channel, dtype=np.int64),
            draws,
            key,
        )

    @staticmethod
    def concat(parts: list[Touches], touches: int = 1) -> Touches:
        if not parts:
            return Touches(
                np.zeros(0),
                np.zeros(0, dtype=np.int64),
                np.zeros(0, dtype=np.int64),
                np.zeros(0, dtype=np.int64),
                np.zeros((0, touches, 2)),
                np.zeros(0, dtype=np.int64),
            )
        if len(parts) == 1:
            return parts[0]
        return Touches(*(np.concatenate([getattr(p, f) for p in parts]) for f in _FIELDS))

    def take(self, mask: np.ndarray) -> Touches:
        return Touches(*(getattr(self, f)[mask] for f in _FIELDS))

    def current(self) -> np.ndarray:
        """Shape (n, 2): each touch's own session minutes and return delay."""
        return self.draws[np.arange(len(self)), self.number - 1]

    def by_day(self) -> list[tuple[int, Touches]]:
        """The touches split by the simulated day they fall on, in day order."""
        days = (self.at // DAY).astype(np.int64)
        return [(int(d), self.take(days == d)) for d in np.unique(days)]

    def __len__(self) -> int:
        return len(self.at)


_FIELDS = ("at", "visitor", "number", "channel", "draws", "key")
