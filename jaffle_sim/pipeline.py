"""A run of the simulation into a run folder: claims the outputs, wires the writers as day-tick
hooks of their flavour (CSV seeds and the event log of training; the event log and the
anomaly-carrying tables of validation), steps the flavours with the runner, and after every day
hands the day's record to the after-day hooks (the warehouse), the manifest and the progress."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from jaffle_sim.clock import SimDay
from jaffle_sim.events import DayEvents
from jaffle_sim.output.contract import TABLES, is_validation_table
from jaffle_sim.output.csv_seeds import CsvSeeds
from jaffle_sim.output.event_log import ParquetEventLog
from jaffle_sim.output.manifest import DayRecord, ManifestError, RunIdentity, RunManifest
from jaffle_sim.output.run_folder import OutputExists, RunFolder
from jaffle_sim.settings import BadInput, RunSettings
from jaffle_sim.simulation.hooks import DayHook, RunInfo
from jaffle_sim.simulation.runner import Runner, Simulation
from jaffle_sim.validation.anomalies import DEFAULT_ANOMALIES, Anomaly
from jaffle_sim.validation.flavour import ValidationTables
from jaffle_sim.warehouse.daily_refresh import Warehouse, WarehouseSettings
from jaffle_sim.warehouse.results import DayResults

Progress = Callable[[SimDay, DayRecord], None]


class AfterDay(Protocol):
    """Runs once every flavour's writers are done with a day; may add to the day's record."""

    def start(self) -> None: ...

    def after_day(self, day: SimDay, record: DayRecord) -> None: ...

    def end(self) -> None: ...


@dataclass
class Timed:
    """Wraps a day-tick hook and adds the seconds it spends to `seconds[name]`."""

    hook: DayHook
    name: str
    seconds: dict[str, float]

    def _timed(self, call: Callable[[], None]) -> None:
        t0 = time.perf_counter()
        call()
        self.seconds[self.name] = self.seconds.get(self.name, 0.0) + time.perf_counter() - t0

    def start(self, run: RunInfo) -> None:
        self._timed(lambda: self.hook.start(run))

    def day(self, day: SimDay, events: DayEvents) -> None:
        self._timed(lambda: self.hook.day(day, events))

    def end(self) -> None:
        self._timed(self.hook.end)


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


def identity(settings: RunSettings) -> RunIdentity:
    cal = settings.calendar
    return RunIdentity(
        settings.seed, cal.end_date.isoformat(), cal.days, settings.scenario.to_dict()
    )


def claim_outputs(
    settings: RunSettings, folder: RunFolder, tables: Sequence[str], paths: Sequence[str]
) -> RunManifest | None:
    """Check the output folder before writing: refuse to replace anything without --overwrite.
    A folder that holds the same run (same seed, calendar, scenario) may gain more tables (the
    manifest of that run is returned); one that holds another run is replaced as a whole with
    --overwrite. Only paths this tool writes are ever removed, never a path read from the
    folder."""
    try:
        old = RunManifest.load(folder.manifest)
    except ManifestError as exc:
        if not settings.overwrite:
            raise BadInput(
                f"{exc}; pass --overwrite to replace it or choose another --out"
            ) from None
        old = None
    claimed = [folder.table(t) for t in tables] + [folder.root / p for p in paths]
    same_run = old is not None and old.identity == identity(settings)
    if old is not None and not same_run:
        if not settings.overwrite:
            raise BadInput(
                f"{folder.root} holds another run (seed {old.seed}, end date {old.end_date}, "
                f"{old.days} days); pass --overwrite to replace it or choose another --out"
            )
        claimed += [folder.table(t) for t in old.tables if t in TABLES]
        claimed += [folder.events, folder.manifest, folder.warehouse, folder.dbt_project]
        claimed += [folder.anomalies, folder.report]
    try:
        folder.claim(dict.fromkeys(claimed), settings.overwrite)
    except OutputExists as exc:
        raise BadInput(str(exc)) from None
    return old if same_run else None


def simulate_to_folder(
    settings: RunSettings,
    command: str,
    tables: Sequence[str],
    *,
    event_log: bool,
    publish_daily: bool,
    warehouse: WarehouseSettings | None = None,
    validation: ValidationPlan | None = None,
    extra_outputs: Sequence[str] = (),
    progress: Progress | None = None,
) -> RunResult:
    """Simulate the shop and write `tables` (and the event log) into the run folder.

    The training flavour feeds the training, session and ad tables; with `validation`, an
    independent validation flavour of the same shop runs in step and its tables are published
    with anomalies planted. With `warehouse`, dbt loads and tests the tables after every day (and
    the validation tables on the days they are published)."""
    folder = RunFolder(settings.out)
    training_tables = [t for t in TABLES if t in tables and not is_validation_table(t)]
    validation_tables = [t for t in TABLES if is_validation_table(t)] if validation else []
    paths = list(extra_outputs)
    if validation is not None:
        paths.append(folder.anomalies.name)
    if event_log:
        paths.append(folder.events.name)
    if warehouse is not None:
        paths.append(folder.dbt_project.name)
        if not warehouse.profiles_dir:
            paths.append(folder.warehouse.name)
    old = claim_outputs(settings, folder, [*training_tables, *validation_tables], paths)

    seconds: dict[str, float] = {}
    hooks: dict[str, list[DayHook]] = {"training": [], "validation": []}
    seeds = CsvSeeds(folder, training_tables, publish_daily) if training_tables else None
    if seeds is not None:
        hooks["training"].append(Timed(seeds, "export_csv", seconds))
    checked = None
    if validation is not None:
        every = validation.every if warehouse is not None else 0
        checked = ValidationTables(folder, validation.anomalies, every)
        hooks["validation"].append(Timed(checked, "export_validation", seconds))
    logs: dict[str, ParquetEventLog] = {}
    if event_log:
        for flavour in hooks:
            if hooks[flavour]:
                logs[flavour] = ParquetEventLog(folder)
                hooks[flavour].append(Timed(logs[flavour], "export_event_log", seconds))
    dbt = Warehouse(folder, warehouse, seeds, checked) if warehouse is not None else None
    after: list[AfterDay] = [dbt] if dbt is not None else []

    cal = settings.calendar
    sims = [Simulation(settings.scenario, cal, settings.seed, f) for f in hooks if hooks[f]]
    runner = Runner(sims, hooks)
    manifest = RunManifest(command, identity(settings), cal.start_date.isoformat())
    if old is not None:  # the same run: keep the tables an earlier command wrote
        manifest.tables = {k: v for k, v in old.tables.items() if k not in tables}

    def table_rows() -> dict[str, int]:
        rows = seeds.row_counts() if seeds else {}
        return {**rows, **(checked.rows if checked else {})}

    def set_rows() -> None:
        rows = table_rows()
        manifest.set_rows(rows, {name: folder.table_relpath(name) for name in rows})

    t0 = time.perf_counter()
    manifest.dump(folder.manifest)
    try:
        for hook in after:
            hook.start()
        for day, events in runner.days():
            record = DayRecord(day.date.isoformat(), {f: e.counts() for f, e in events.items()})
            for hook in after:
                t1 = time.perf_counter()
                hook.after_day(day, record)
                seconds["dbt"] = seconds.get("dbt", 0.0) + time.perf_counter() - t1
            manifest.daily.append(record)
            set_rows()
            manifest.timings_seconds = _rounded(seconds)
            manifest.dump(folder.manifest)
            if progress is not None:
                progress(day, record)
        for hook in after:
            hook.end()
    except BaseException as exc:
        manifest.status = "failed"
        manifest.error = f"{type(exc).__name__}: {exc}"
        manifest.dump(folder.manifest)
        raise
    seconds["total"] = time.perf_counter() - t0
    seconds["simulation"] = seconds["total"] - sum(v for k, v in seconds.items() if k != "total")
    events_total: dict[str, int] = {}
    for sim in sims:
        for kind, n in sim.totals.items():
            events_total[kind] = events_total.get(kind, 0) + n
    set_rows()
    if logs:
        manifest.event_log = {f: log.rows for f, log in logs.items() if any(log.rows.values())}
    result = RunResult(folder, manifest, events_total, seconds, dbt.results if dbt else [])
    manifest.status = "complete"
    manifest.timings_seconds = _rounded(seconds)
    manifest.dbt_ok = result.dbt_ok if dbt is not None else None
    manifest.dump(folder.manifest)
    return result


def _rounded(seconds: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 3) for k, v in seconds.items()}
