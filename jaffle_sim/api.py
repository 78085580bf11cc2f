"""Run the simulation in memory, for notebooks and tuning: `simulate()` returns the event log and
every table as pandas DataFrames, without touching disk.

    from jaffle_sim import Scenario, simulate
    result = simulate(Scenario.default().updated({"journey.return_probability": 0.4}), days=30)
    result.tables["raw_orders_training"].head()
    result.events["session"].groupby("utm_source").size()
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa

from jaffle_sim.clock import Calendar, SimDay
from jaffle_sim.events import DayEvents
from jaffle_sim.output.event_log import SCHEMAS, event_table
from jaffle_sim.output.tables import TableStream
from jaffle_sim.simulation.hooks import RunInfo
from jaffle_sim.simulation.runner import Runner, Simulation
from jaffle_sim.simulation.scenario import Scenario

# Integer columns stay integers when they hold nulls (a session's customer id).
_NULLABLE_INT = {pa.int64(): pd.Int64Dtype()}


@dataclass
class SimulationResult:
    """The outcome of an in-memory run: `events[kind]` (timestamps in UTC) and `tables[name]`
    (the raw tables exactly as the CSV seeds would hold them at the end of the last day)."""

    scenario: Scenario
    calendar: Calendar
    seed: int
    flavour: str
    events: dict[str, pd.DataFrame] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


class _Collect:
    """Day-tick hook gathering events and table rows as Arrow tables."""

    def __init__(self) -> None:
        self.events: dict[str, list[pa.Table]] = {k: [] for k in SCHEMAS}
        self.tables: dict[str, list[pa.Table]] = {}
        self._stream: TableStream | None = None
        self._epoch = 0

    def start(self, run: RunInfo) -> None:
        self._epoch = run.calendar.epoch_seconds
        self._stream = TableStream.for_run(run)
        self._day_end = 0  # the end of the last day stepped (clock seconds)

    def day(self, day: SimDay, events: DayEvents) -> None:
        assert self._stream is not None
        for kind in SCHEMAS:
            if events.count(kind):
                self.events[kind].append(event_table(kind, events[kind], self._epoch))
        for name, rows in self._stream.day(events, day.end).items():
            self.tables.setdefault(name, []).append(rows)
        self._day_end = day.end

    def end(self) -> None:
        assert self._stream is not None
        self.tables[self._stream.orders_table].append(self._stream.orders.live(self._day_end))


def simulate(
    scenario: Scenario | None = None,
    *,
    days: int = 30,
    seed: int = 42,
    end_date: dt.date | str = "2026-01-31",
    flavour: str = "training",
) -> SimulationResult:
    """Simulate `days` days up to `end_date` in memory and return events and tables."""
    scenario = scenario or Scenario.default()
    if isinstance(end_date, str):
        end_date = dt.date.fromisoformat(end_date)
    calendar = Calendar(end_date, days)
    collect = _Collect()
    Runner([Simulation(scenario, calendar, seed, flavour)], {flavour: [collect]}).run()
    result = SimulationResult(scenario, calendar, seed, flavour)
    for kind, parts in collect.events.items():
        table = pa.concat_tables(parts) if parts else SCHEMAS[kind].empty_table()
        result.events[kind] = table.to_pandas(types_mapper=_NULLABLE_INT.get)
    for name, parts in collect.tables.items():
        result.tables[name] = pa.concat_tables(parts).to_pandas(types_mapper=_NULLABLE_INT.get)
    return result
