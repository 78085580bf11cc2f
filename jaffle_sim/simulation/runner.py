"""The runner: advances the model one simulated day at a time and hands each day's events to the
registered hooks."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence

from jaffle_sim.clock import Calendar, SimDay
from jaffle_sim.events import DayEvents
from jaffle_sim.simulation.hooks import DayHook, RunInfo
from jaffle_sim.simulation.model import ShopModel
from jaffle_sim.simulation.scenario import Scenario

# Every this many simulated days the collector also sweeps the oldest generation.
FULL_COLLECTION_DAYS = 30


class Simulation:
    """A simulated shop over `calendar`, for one seed and flavour."""

    def __init__(
        self, scenario: Scenario, calendar: Calendar, seed: int, flavour: str = "training"
    ):
        self.info = RunInfo(seed=seed, flavour=flavour, calendar=calendar, scenario=scenario)
        self.model = ShopModel(scenario, calendar, seed, flavour)

    def days(self) -> Iterator[tuple[SimDay, DayEvents]]:
        """Run day by day, yielding each day with its events (the log is emptied every day).

        Python's cyclic garbage collector is paused while a day runs and run once at its end:
        with hundreds of thousands of live agents its automatic full passes would otherwise
        cost more than the simulation itself."""
        model = self.model
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            for day in self.info.calendar:
                model.env.run(until=day.end)
                model.close_day(day.index)
                gc.collect(1 if day.index % FULL_COLLECTION_DAYS else 2)
                yield day, model.log.drain()
        finally:
            if was_enabled:
                gc.enable()

    def run(
        self,
        hooks: Sequence[DayHook] = (),
        progress: Callable[[SimDay, DayEvents], None] | None = None,
    ) -> dict[str, int]:
        """Run every day through the hooks; returns the number of events of each kind."""
        for hook in hooks:
            hook.start(self.info)
        for day, events in self.days():
            for hook in hooks:
                hook.day(day, events)
            if progress is not None:
                progress(day, events)
        for hook in hooks:
            hook.end()
        return dict(self.model.log.totals)
