"""The runner: advances one or more flavours of the shop in step, one simulated day at a time,
and hands each day's events to the hooks registered for that flavour. It owns the garbage
collector policy of a run (`collector_paused`): the collector is paused while the model runs a
day and its hooks take the day's events, and a shard task keeps it paused for a whole batch of
days."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from jaffle_sim.clock import Calendar, SimDay
from jaffle_sim.events import DayEvents
from jaffle_sim.simulation.hooks import DayHook, RunInfo
from jaffle_sim.simulation.model import ShopModel
from jaffle_sim.simulation.scenario import Scenario
from jaffle_sim.simulation.shards import ONE_SHARD, Shard


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused inside the block (as it was again after).

    With hundreds of thousands of live agents, the collector's passes over the objects each day
    makes are costly: running it between the model and its hooks made a year of one flavour
    (event log and spills included) take a fifth more CPU time. The model and the hooks make
    no reference cycles (a test holds them to it), so reference counting frees everything and
    nothing waits for a pass; outside the block the collector runs on its own thresholds (a
    forced pass every day cost a sixth of the simulation's CPU time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class Simulation:
    """A simulated shop over `calendar`, for one seed and flavour (and one shard of the shop:
    `scenario` is the whole shop's; the shard simulates its part of it)."""

    def __init__(
        self,
        scenario: Scenario,
        calendar: Calendar,
        seed: int,
        flavour: str = "training",
        shard: Shard = ONE_SHARD,
    ):
        self.info = RunInfo(seed=seed, flavour=flavour, calendar=calendar, scenario=scenario)
        self.shard = shard
        self.model = ShopModel(shard.scenario(scenario), calendar, seed, flavour, shard)

    def step(self, day: SimDay) -> DayEvents:
        """Simulate `day` and return its events (the log starts empty again)."""
        with collector_paused():
            self.model.env.run(until=day.end)
            self.model.close_day(day.index)
            return self.shard.relabel(self.model.log.drain())

    @property
    def totals(self) -> dict[str, int]:
        """Events of each kind so far."""
        return dict(self.model.log.totals)


class Runner:
    """Steps `simulations` (one per flavour, same calendar) day by day through their hooks."""

    def __init__(
        self,
        simulations: Sequence[Simulation],
        hooks: Mapping[str, Sequence[DayHook]],
    ):
        calendars = {sim.info.calendar for sim in simulations}
        if len(calendars) != 1:
            raise ValueError("the flavours of a run share one calendar")
        self.simulations = list(simulations)
        self.calendar = calendars.pop()
        self.hooks = {
            sim.info.flavour: list(hooks.get(sim.info.flavour, ())) for sim in simulations
        }

    def start(self) -> None:
        for sim in self.simulations:
            for hook in self.hooks[sim.info.flavour]:
                hook.start(sim.info)

    def step(self, day: SimDay) -> dict[str, DayEvents]:
        """Simulate `day` in every flavour; each flavour's hooks see its events."""
        events = {}
        with collector_paused():
            for sim in self.simulations:
                events[sim.info.flavour] = day_events = sim.step(day)
                for hook in self.hooks[sim.info.flavour]:
                    hook.day(day, day_events)
        return events

    def end(self) -> None:
        for sim in self.simulations:
            for hook in self.hooks[sim.info.flavour]:
                hook.end()

    def days(self) -> Iterator[tuple[SimDay, dict[str, DayEvents]]]:
        """Run every day (`start`, `step` per day, `end`), yielding each day with the events of
        every flavour."""
        self.start()
        for day in self.calendar:
            yield day, self.step(day)
        self.end()

    def run(self) -> dict[str, dict[str, int]]:
        """Run to the end; returns the events of each kind per flavour."""
        for _ in self.days():
            pass
        return {sim.info.flavour: sim.totals for sim in self.simulations}
