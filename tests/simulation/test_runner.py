"""The runner: flavours step in lock-step through the calendar, each hook sees its own flavour,
and it gives the same events as a flavour run alone."""

from __future__ import annotations

import datetime as dt
import gc
from pathlib import Path

from jaffle_sim.clock import Calendar, SimDay
from jaffle_sim.events import DayEvents
from jaffle_sim.executors.tasks import ShardTask, TaskSpec
from jaffle_sim.output.contract import account_tables
from jaffle_sim.simulation.hooks import RunInfo
from jaffle_sim.simulation.runner import Runner, Simulation, collector_paused
from jaffle_sim.simulation.scenario import Scenario

CALENDAR = Calendar(dt.date(2026, 3, 15), 3)
SMALL = Scenario.default().scaled(0.1)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def start(self, run: RunInfo) -> None:
        self.calls.append(("start", run.flavour))

    def day(self, day: SimDay, events: DayEvents) -> None:
        self.calls.append(("day", (day.index, events.count("session"))))

    def end(self) -> None:
        self.calls.append(("end", None))


def test_each_flavour_hook_sees_its_days_in_order() -> None:
    train, valid = Recorder(), Recorder()
    sims = [Simulation(SMALL, CALENDAR, 3, f) for f in ("training", "validation")]
    seen = [
        day.index for day, _ in Runner(sims, {"training": [train], "validation": [valid]}).days()
    ]
    assert seen == [0, 1, 2]
    for rec, flavour in ((train, "training"), (valid, "validation")):
        assert rec.calls[0] == ("start", flavour)
        assert [c[1][0] for c in rec.calls[1:-1]] == [0, 1, 2]  # type: ignore[index]
        assert rec.calls[-1] == ("end", None)
    # independent flavours: different traffic on the same days
    assert [c[1] for c in train.calls[1:-1]] != [c[1] for c in valid.calls[1:-1]]


def test_lock_step_does_not_change_a_flavour() -> None:
    alone, together = Recorder(), Recorder()
    Runner([Simulation(SMALL, CALENDAR, 3, "training")], {"training": [alone]}).run()
    sims = [Simulation(SMALL, CALENDAR, 3, f) for f in ("training", "validation")]
    totals = Runner(sims, {"training": [together]}).run()
    assert alone.calls == together.calls
    assert set(totals) == {"training", "validation"} and totals["training"]["session"] > 0


def test_the_model_leaves_no_reference_cycles_for_the_collector() -> None:
    """The runner pauses the cyclic collector during a day and never forces a pass: that is
    only sound while a simulated day leaves no garbage that reference counting cannot free."""
    sim = Simulation(SMALL, Calendar(dt.date(2026, 3, 15), 20), 4)
    gc.collect()
    gc.disable()
    try:
        for day in sim.info.calendar:
            sim.step(day)
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_a_shard_task_and_its_writers_leave_no_reference_cycles(tmp_path: Path) -> None:
    """A shard task keeps the collector paused for a batch of days, event log and spill
    writers included: sound only while none of them leaves cyclic garbage."""
    calendar = Calendar(dt.date(2026, 3, 15), 10)
    tasks = [
        ShardTask(
            TaskSpec(
                tmp_path,
                SMALL,
                calendar,
                4,
                flavour,
                1,
                2,
                account_tables(flavour),
                arrow=flavour == "validation",
                event_log=True,
            )
        )
        for flavour in ("training", "validation")
    ]
    gc.collect()
    gc.disable()
    try:
        for task in tasks:
            days = task.steps(0, calendar.days)
            assert sum(d.events["session"] for d in days) > 0
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_the_collector_is_paused_inside_the_block_only() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
