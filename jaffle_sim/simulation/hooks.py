"""The day-tick hook interface: the only way output leaves the simulation (the engine writes no
files). A hook serves one flavour: `start` once, `day` after every simulated day with that day's
events, `end` after the last day."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from jaffle_sim.clock import Calendar, SimDay
from jaffle_sim.events import DayEvents
from jaffle_sim.simulation.scenario import Scenario


@dataclass(frozen=True)
class RunInfo:
    """What a hook may want to know about the run it serves."""

    seed: int
    flavour: str
    calendar: Calendar
    scenario: Scenario


class DayHook(Protocol):
    """Called by the runner for the flavour it is registered with."""

    def start(self, run: RunInfo) -> None: ...

    def day(self, day: SimDay, events: DayEvents) -> None: ...

    def end(self) -> None: ...
