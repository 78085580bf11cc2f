"""A shard task: one flavour of one shard of a run, simulated day by day wherever an executor
places it (this process, a local worker process, a Dask worker). It writes its own spill files
and event-log parts into the run folder and reports each day's counts back to the client."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from jaffle_sim.clock import Calendar
from jaffle_sim.output.event_log import ParquetEventLog
from jaffle_sim.output.run_folder import RunFolder
from jaffle_sim.output.spill import TableSpill
from jaffle_sim.simulation.hooks import DayHook
from jaffle_sim.simulation.runner import Runner, Simulation, collector_paused
from jaffle_sim.simulation.scenario import Scenario
from jaffle_sim.simulation.shards import Shard


@dataclass(frozen=True)
class TaskSpec:
    """What a worker needs to simulate one flavour of one shard (picklable)."""

    root: Path
    scenario: Scenario
    calendar: Calendar
    seed: int
    flavour: str
    shard: int
    shards: int
    tables: tuple[str, ...] = ()  # tables to spill
    arrow: bool = False  # spill as Arrow files (the validation flavour) instead of CSV rows
    event_log: bool = False
    publish_every: int = 0  # the client publishes the tables every this many days (0: at the end)

    @property
    def name(self) -> str:
        return f"shard {self.shard} of {self.shards} ({self.flavour})"


@dataclass
class TaskDay:
    """One task's day: its events per kind, the rows spilled so far per table (orders: settled
    plus live) and the seconds its writers spent."""

    flavour: str
    shard: int
    events: dict[str, int]
    rows: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)


class ShardTask:
    """Simulates one `TaskSpec` day by day."""

    def __init__(self, spec: TaskSpec):
        self.spec = spec
        folder = RunFolder(spec.root)
        self.sim = Simulation(
            spec.scenario, spec.calendar, spec.seed, spec.flavour, Shard(spec.shard, spec.shards)
        )
        self.spill = (
            TableSpill(folder, spec.tables, spec.shard, spec.arrow, spec.publish_every)
            if spec.tables
            else None
        )
        self.log = ParquetEventLog(folder, spec.shard) if spec.event_log else None
        hooks: list[DayHook] = [h for h in (self.spill, self.log) if h is not None]
        self.runner = Runner([self.sim], {spec.flavour: hooks})
        self.runner.start()

    def step(self, index: int) -> TaskDay:
        t0 = time.perf_counter()
        events = self.runner.step(self.spec.calendar.day(index))[self.spec.flavour]
        rows: dict[str, int] = {}
        if self.spill is not None:
            rows = dict(self.spill.rows)
            orders = f"raw_orders_{self.spec.flavour}"
            if orders in rows:
                rows[orders] += self.spill.live
        seconds = {"simulate_and_spill": time.perf_counter() - t0}
        return TaskDay(self.spec.flavour, self.spec.shard, events.counts(), rows, seconds)

    def steps(self, first: int, count: int) -> list[TaskDay]:
        """Days `first` .. `first + count - 1`, one after the other (the garbage collector
        paused for all of them: see `collector_paused`)."""
        with collector_paused():
            return [self.step(index) for index in range(first, first + count)]

    def end(self) -> dict[str, int]:
        """Close the writers; the event-log rows written per kind."""
        self.runner.end()
        return dict(self.log.rows) if self.log is not None else {}
