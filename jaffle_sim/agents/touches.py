"""Touches: a visitor's contacts with the shop (the first arrival, then each return), in batches.

The visitor pool handles a day's touches as parallel arrays rather than one object per touch: when
(seconds since the start), whose (visitor id), which touch of the journey (1 = the arrival) and
through which channel (organic or a platform).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jaffle_sim.clock import DAY


@dataclass
class Touches:
    """Touches as parallel arrays; `channel` is a channel name each."""

    at: np.ndarray
    visitor: np.ndarray
    number: np.ndarray
    channel: np.ndarray

    @staticmethod
    def arrivals(at: np.ndarray, channel: str) -> Touches:
        """First touches at times `at` through `channel` (visitor ids still to be assigned)."""
        n = len(at)
        return Touches(
            np.asarray(at, dtype=float),
            np.zeros(n, dtype=np.int64),
            np.ones(n, dtype=np.int64),
            np.full(n, channel, dtype=object),
        )

    @staticmethod
    def concat(parts: list[Touches]) -> Touches:
        if not parts:
            return Touches(
                np.zeros(0),
                np.zeros(0, dtype=np.int64),
                np.zeros(0, dtype=np.int64),
                np.zeros(0, dtype=object),
            )
        return Touches(
            *(
                np.concatenate([getattr(p, f) for p in parts])
                for f in ("at", "visitor", "number", "channel")
            )
        )

    def take(self, mask: np.ndarray) -> Touches:
        return Touches(self.at[mask], self.visitor[mask], self.number[mask], self.channel[mask])

    def by_day(self) -> list[tuple[int, Touches]]:
        """The touches split by the simulated day they fall on, in day order."""
        days = (self.at // DAY).astype(np.int64)
        return [(int(d), self.take(days == d)) for d in np.unique(days)]

    def __len__(self) -> int:
        return len(self.at)
