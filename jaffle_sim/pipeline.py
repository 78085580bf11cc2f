"""A run of the simulation into a run folder: claims the outputs, has an executor simulate every
shard of every flavour day by day (each writing its own spill files and event-log parts), then
after every day publishes what is due (the CSV seeds, the validation tables with their
anomalies), hands the day's record to the after-day hooks (the warehouse), and keeps the
manifest and the progress."""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from jaffle_sim.clock import SimDay
from jaffle_sim.executors import BATCH_DAYS, batches, make_executor
from jaffle_sim.executors.tasks import TaskDay, TaskSpec
from jaffle_sim.output.claim import claim_outputs, identity
from jaffle_sim.output.contract import TABLES, is_validation_table
from jaffle_sim.output.csv_seeds import CsvSeeds
from jaffle_sim.output.manifest import DayRecord, RunManifest
from jaffle_sim.output.run_folder import RunFolder
from jaffle_sim.settings import BadInput, RunSettings
from jaffle_sim.validation.anomalies import DEFAULT_ANOMALIES, Anomaly
from jaffle_sim.validation.flavour import TABLE_NAMES, ValidationTables
from jaffle_sim.warehouse.daily_refresh import Warehouse, WarehouseSettings
from jaffle_sim.warehouse.results import DayResults

Progress = Callable[[SimDay, DayRecord], None]


class AfterDay(Protocol):
    """Runs once a day's tables are published; may add to the day's record."""

    def start(self) -> None: ...

    def after_day(self, day: SimDay, record: DayRecord) -> None: ...

    def end(self) -> None: ...


@dataclass(frozen=True)
class Execution:
    """How a run is split and where it runs: `shards` shapes the output (part of the run's
    identity); the executor and its workers never do."""

    shards: int = 1
    workers: int = 1
    executor: str = "local"
    scheduler: str | None = None


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


@dataclass(frozen=True)
class ValidationPlan:
    """The validation flavour: which anomalies to plant, and how often the warehouse processes
    it (every `every` days; always after the last day)."""

    anomalies: tuple[Anomaly, ...] = DEFAULT_ANOMALIES
    every: int = 0


@dataclass
class RunResult:
    """What a finished run produced."""

    folder: RunFolder
    manifest: RunManifest
    events: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)
    dbt: list[DayResults] = field(default_factory=list)

    @property
    def tables(self) -> dict[str, int]:
        return {name: t.rows for name, t in self.manifest.tables.items()}

    @property
    def dbt_ok(self) -> bool:
        """Every dbt phase succeeded and no test failed on a training day."""
        return all(day.ok for day in self.dbt if day.flavour == "training")


def simulate_to_folder(
    settings: RunSettings,
    command: str,
    tables: Sequence[str],
    *,
    event_log: bool,
    publish_daily: bool,
    warehouse: WarehouseSettings | None = None,
    validation: ValidationPlan | None = None,
    execution: Execution = Execution(),
    extra_outputs: Sequence[str] = (),
    progress: Progress | None = None,
    resume: bool = False,
    finish: Callable[[RunResult], None] | None = None,
) -> RunResult:
    """Simulate the shop and write `tables` (and the event log) into the run folder.

    The training flavour feeds the training, session and ad tables; with `validation`, an
    independent validation flavour of the same shop runs in step and its tables are published
    with anomalies planted. With `warehouse`, dbt loads and tests the tables after every day (and
    the validation tables on the days they are published).

    `resume` continues an interrupted run of the same command and options: the days it
    completed are simulated again (the same bytes) without running dbt again, their dbt results
    taken from its manifest; the warehouse goes on from the first day it did not finish.

    `finish` (the score, the report) runs once every day is done; the manifest says `complete`
    only after it, with the size and checksum of every file it lists."""
    folder = RunFolder(settings.out)
    k = execution.shards
    training_tables = [t for t in TABLES if t in tables and not is_validation_table(t)]
    paths = list(extra_outputs)
    if validation is not None:
        paths.append(folder.anomalies.name)
    if event_log:
        paths.append(folder.events.name)
    if warehouse is not None:
        paths.append(folder.dbt_project.name)
        if not warehouse.profiles_dir:
            paths.append(folder.warehouse.name)
    claimed = [*training_tables, *(TABLE_NAMES if validation else ())]
    old = claim_outputs(settings, folder, claimed, paths, k, resume)
    done = {d.date: d for d in old.daily} if resume and old is not None else {}

    cal = settings.calendar
    every = {"training": 1 if publish_daily else 0, "validation": 0}
    if validation is not None and warehouse is not None:
        every["validation"] = validation.every
    specs = []
    for flavour, spilled in (("training", training_tables), ("validation", TABLE_NAMES)):
        if flavour == "validation" and validation is None:
            continue
        if flavour == "training" and not training_tables:
            continue
        for shard in range(k):
            specs.append(
                TaskSpec(
                    folder.root,
                    settings.scenario,
                    cal,
                    settings.seed,
                    flavour,
                    shard,
                    k,
                    tuple(spilled),
                    arrow=flavour == "validation",
                    event_log=event_log,
                    publish_every=every[flavour],
                )
            )
    seeds = (
        CsvSeeds(folder, "training", training_tables, k, settings.compat)
        if training_tables
        else None
    )
    checked = None
    if validation is not None:
        checked = ValidationTables(
            folder, validation.anomalies, every["validation"], settings.seed, cal, k
        )
    dbt = Warehouse(folder, warehouse, seeds, checked) if warehouse is not None else None
    after: list[AfterDay] = [dbt] if dbt is not None else []

    manifest = RunManifest(command, identity(settings, k), cal.start_date.isoformat())
    if old is not None:  # the same run: keep the tables an earlier command wrote (still there)
        manifest.tables = {
            n: t
            for n, t in old.tables.items()
            if n not in tables and n in TABLES and folder.table(n).is_file()
        }
    if resume and old is not None and old.command != command:
        raise BadInput(f"--resume: the run in {folder.root} was `{old.command}`, not `{command}`")
    seconds: dict[str, float] = {}
    rows: dict[str, int] = {}

    @contextlib.contextmanager
    def timed(name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        yield
        seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - t0

    def set_rows() -> None:
        current = {n: rows.get(n, 0) for n in training_tables} | (checked.rows if checked else {})
        manifest.set_rows(current, {name: folder.table_relpath(name) for name in current})

    t0 = time.perf_counter()
    manifest.dump(folder.manifest)
    executor = make_executor(execution.executor, execution.workers, execution.scheduler)
    closed = False

    def close() -> None:
        nonlocal closed
        if not closed:
            closed = True
            executor.close()
            shutil.rmtree(folder.staging, ignore_errors=True)

    try:
        with timed("simulate"):
            executor.start(specs)
        for hook in after:
            hook.start()
        between_days = publish_daily or bool(after) or every["validation"] > 0
        for first, count in batches(cal.days, 1 if between_days else BATCH_DAYS):
            with timed("simulate"):
                batch = executor.steps(first, count)
            for index, days in enumerate(batch, first):
                day = cal.day(index)
                record = DayRecord(day.date.isoformat(), _events_per_flavour(days))
                rows = _rows(days)
                last = day.index == cal.days - 1
                if seeds is not None and (publish_daily or last):
                    with timed("publish_csv"):
                        seeds.publish(rows)
                if checked is not None and checked.due(day):
                    with timed("publish_validation"):
                        checked.publish(day.date)
                earlier = done.get(record.date)
                if earlier is not None:  # resumed: this day's dbt results are in the manifest
                    record.dbt, record.dbt_validation = earlier.dbt, earlier.dbt_validation
                else:
                    for hook in after:
                        with timed("dbt"):
                            hook.after_day(day, record)
                manifest.daily.append(record)
                set_rows()
                manifest.timings_seconds = _rounded(seconds)
                manifest.dump(folder.manifest)
                if progress is not None:
                    progress(day, record)
        logged = executor.end()
        for hook in after:
            hook.end()
        close()
        seconds["total"] = time.perf_counter() - t0
        set_rows()
        if event_log:
            manifest.event_log = _log_rows(specs, logged)
        dbt_days = [r for d in manifest.daily for r in (d.dbt, d.dbt_validation) if r is not None]
        result = RunResult(folder, manifest, _totals(manifest), seconds, dbt_days)
        manifest.timings_seconds = _rounded(seconds)
        manifest.dbt_ok = result.dbt_ok if dbt is not None else None
        manifest.dump(folder.manifest)  # still `running`: `finish` may write more
        if finish is not None:
            finish(result)
        result.manifest = complete(folder, manifest)
    except BaseException as exc:
        from jaffle_sim.interrupts import describe, is_interrupt

        close()  # the staging folder's space first: a full disk needs it for the manifest
        manifest.status = "interrupted" if is_interrupt(exc) else "failed"
        manifest.error = describe(exc)
        manifest.dump_at_the_end(folder.manifest)
        raise
    finally:
        close()
    return result


def complete(folder: RunFolder, written: RunManifest) -> RunManifest:
    """Mark the run complete, with the size and checksum of every file its manifest lists.
    Reads the manifest again first: the run's last steps (the score) may have added to it."""
    from jaffle_sim.output import integrity

    manifest = RunManifest.load(folder.manifest) or written
    manifest.status = "complete"
    integrity.record(folder, manifest)
    manifest.dump(folder.manifest)
    return manifest


def _log_rows(specs: list[TaskSpec], logged: list[dict[str, int]]) -> dict[str, dict[str, int]]:
    """Rows of the event log per flavour and kind (flavours with none left out)."""
    out: dict[str, dict[str, int]] = {}
    for spec, kinds in zip(specs, logged):
        flavour_rows = out.setdefault(spec.flavour, {})
        for kind, n in kinds.items():
            flavour_rows[kind] = flavour_rows.get(kind, 0) + n
    return {f: r for f, r in out.items() if any(r.values())}


def _totals(manifest: RunManifest) -> dict[str, int]:
    totals: dict[str, int] = {}
    for record in manifest.daily:
        for counts in record.events.values():
            for kind, n in counts.items():
                totals[kind] = totals.get(kind, 0) + n
    return totals


def _events_per_flavour(days: list[TaskDay]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for d in days:
        counts = out.setdefault(d.flavour, {})
        for kind, n in d.events.items():
            counts[kind] = counts.get(kind, 0) + n
    return out


def _rows(days: list[TaskDay]) -> dict[str, int]:
    out: dict[str, int] = {}
    for d in days:
        for name, n in d.rows.items():
            out[name] = out.get(name, 0) + n
    return out


def _rounded(seconds: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 3) for k, v in seconds.items()}
