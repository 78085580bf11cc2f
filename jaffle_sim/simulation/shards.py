"""Shards: the shop simulated as K independent market segments that together are one shop.

Shard `i` of `K` has 1/K of every arrival rate and ad launch rate and its share of the existing
customers (split exactly), its own campaigns and its own random streams. Its agents count ids
from 1 as if alone; at the end of each day its events are relabelled into the shop's id space by
interleaving, `global = (local - 1) * K + i + 1` (and `w12` -> `w{global}` for text ids), so ids
of different shards never collide and no renumbering pass over the merged tables is needed.
Arrival keys (`agents.touches.arrival_key`) keep their day and channel; their arrival number
`n` becomes `n * K + i`.
With K = 1 nothing changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from jaffle_sim.agents.touches import ARRIVAL_NUMBER
from jaffle_sim.events import DayEvents
from jaffle_sim.simulation.scenario import Scenario

_TEXT_ID = re.compile(r"([A-Za-z]*)(\d+)")


@dataclass(frozen=True)
class Shard:
    """Shard `index` of `count`."""

    index: int = 0
    count: int = 1

    def __post_init__(self) -> None:
        if not 0 <= self.index < self.count:
            raise ValueError(f"shard {self.index} is not one of {self.count} shards")

    def global_id(self, local: int) -> int:
        return (local - 1) * self.count + self.index + 1

    def scenario(self, scenario: Scenario) -> Scenario:
        """The shard's part of the shop: rates divided by K, existing customers split so that
        the shards' counts add up to the shop's."""
        if self.count == 1:
            return scenario
        k = self.count
        existing = scenario.customers.existing_customers
        changes: dict[str, Any] = {
            "traffic.organic_visitors_per_day": scenario.traffic.organic_visitors_per_day / k,
            "customers.existing_customers": existing // k + (1 if self.index < existing % k else 0),
        }
        for name, platform in scenario.ads.items():
            changes[f"ads.{name}.launches_per_day"] = platform.launches_per_day / k
        return scenario.updated(changes)

    def relabel(self, events: DayEvents) -> DayEvents:
        """The day's events with every id (`*_id`, `*_ids` fields) in the shop's id space."""
        if self.count == 1:
            return events
        return DayEvents(
            {
                kind: {name: self._ids(name, values) for name, values in columns.items()}
                for kind, columns in events.columns.items()
            }
        )

    def _ids(self, name: str, values: Any) -> Any:
        if name == "arrival_key":  # arrival numbers interleaved like ids: keys stay unique
            key = np.asarray(values, dtype=np.int64)
            number = key & ARRIVAL_NUMBER
            return key - number + number * self.count + self.index
        if name.endswith("_ids"):
            return [None if v is None else [self._text(x) for x in v] for v in values]
        if not name.endswith("_id") or len(values) == 0:
            return values
        k, i = self.count, self.index + 1
        if isinstance(values, np.ndarray) and values.dtype.kind in "iu":
            return (values - 1) * k + i
        first = next((v for v in values if v is not None), None)
        if isinstance(first, str):  # one-letter prefix and a number: w12, a3, g7
            return [None if v is None else f"{v[0]}{(int(v[1:]) - 1) * k + i}" for v in values]
        if first is not None and None not in values:  # whole numbers only: at numpy's speed
            return ((np.asarray(values, dtype=np.int64) - 1) * k + i).tolist()
        return [None if v is None else (int(v) - 1) * k + i for v in values]

    def _text(self, value: str) -> str:
        match = _TEXT_ID.fullmatch(value)
        if match is None:
            raise ValueError(f"cannot relabel id {value!r}")
        return f"{match.group(1)}{self.global_id(int(match.group(2)))}"


ONE_SHARD = Shard()  # a run that is not split
