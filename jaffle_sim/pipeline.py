"""A run of the simulation through its exporters: claims the output paths, steps the training
and validation flavours day by day through their day-tick hooks (CSV seeds, Parquet event log,
validation tables, warehouse), keeps the manifest and times each phase."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from jaffle_sim.clock import DAY, SimDay
from jaffle_sim.events import DayEvents
from jaffle_sim.output.csv_seeds import CsvSeeds
from jaffle_sim.output.event_log import ParquetEventLog
from jaffle_sim.output.manifest import Manifest, read_manifest, run_identity
from jaffle_sim.output.run_folder import DBT_PROJECT, TABLES, WAREHOUSE, OutputExists, RunFolder
from jaffle_sim.settings import BadInput, RunSettings
from jaffle_sim.simulation.hooks import DayHook, RunInfo
from jaffle_sim.simulation.runner import Simulation
from jaffle_sim.validation.anomalies import DEFAULT_ANOMALIES, Anomaly
from jaffle_sim.validation.flavour import ANOMALIES_FILE, ValidationTables
from jaffle_sim.warehouse.daily_refresh import DayResults, Warehouse, WarehouseSettings


@dataclass
class Timed:
    """Wraps a hook and adds the seconds it spends to `seconds[name]`."""

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


@dataclass
class RunResult:
    """What a finished run produced."""

    folder: RunFolder
    tables: dict[str, int]
    events: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)
    dbt: list[DayResults] = field(default_factory=list)

    @property
    def dbt_ok(self) -> bool:
        """Every dbt phase succeeded and no test failed on a training day."""
        return all(day.ok for day in self.dbt if day.flavour == "training")


def claim_outputs(
    settings: RunSettings, tables: Sequence[str], event_log: bool, extra: Sequence[str] = ()
) -> tuple[RunFolder, dict[str, Any]]:
    """Check the output folder before writing: refuse to replace anything without --overwrite.
    A folder that holds the same run (same seed, calendar, scenario) may gain more tables; one
    that holds another run is replaced as a whole with --overwrite. Returns the tables of the
    same run to keep listing in the manifest."""
    folder = RunFolder(settings.out)
    identity = _identity(settings)
    old = read_manifest(folder.manifest)
    paths = [folder.table(t) for t in tables] + [folder.root / p for p in extra]
    if event_log:
        paths.append(folder.events)
    kept: dict[str, Any] = {}
    if old is not None:
        same_run = all(old.get(k) == v for k, v in identity.items())
        if same_run:
            kept = {k: v for k, v in old.get("tables", {}).items() if k not in tables}
        else:
            if not settings.overwrite:
                raise OutputExists(
                    f"{folder.root} holds another run (seed {old.get('seed')}, end date "
                    f"{old.get('end_date')}, {old.get('days')} days); pass --overwrite to replace "
                    "it or choose another --out"
                )
            paths += [
                folder.root / v["path"]
                for v in old.get("tables", {}).values()
                if isinstance(v, dict) and "path" in v
            ]
            paths += [
                folder.events,
                folder.manifest,
                folder.warehouse,
                folder.dbt_project,
                folder.root / ANOMALIES_FILE,
            ]
    folder.claim(dict.fromkeys(paths), settings.overwrite)
    return folder, kept


def _identity(settings: RunSettings) -> dict[str, Any]:
    cal = settings.calendar
    return run_identity(
        settings.seed, cal.end_date.isoformat(), cal.days, settings.scenario.to_dict()
    )


@dataclass(frozen=True)
class ValidationPlan:
    """The validation flavour: which anomalies to plant, and how often the warehouse processes
    it (every `every` days; always after the last day)."""

    anomalies: tuple[Anomaly, ...] = DEFAULT_ANOMALIES
    every: int = 0

    def due(self, day: SimDay, days: int) -> bool:
        last = day.index == days - 1
        return last or (self.every > 0 and (day.index + 1) % self.every == 0)


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
    progress: Callable[[SimDay, dict[str, Any]], None] | None = None,
) -> RunResult:
    """Simulate the shop and write `tables` (and the event log) into the run folder.

    The training flavour feeds the training, session and ad tables; with `validation`, an
    independent validation flavour of the same shop runs in step and its tables are published
    with anomalies planted on its processing days. With `warehouse`, dbt loads and tests the
    tables after every day (and the validation tables on their days)."""
    training_tables = [t for t in TABLES if t in tables and not t.endswith("_validation")]
    extra = list(extra_outputs) + ([] if validation is None else [ANOMALIES_FILE])
    if warehouse is not None:
        extra += [DBT_PROJECT] if warehouse.profiles_dir else [DBT_PROJECT, WAREHOUSE]
    validation_tables = [t for t in TABLES if t.endswith("_validation")] if validation else []
    try:
        folder, kept = claim_outputs(
            settings, [*training_tables, *validation_tables], event_log, extra
        )
    except OutputExists as exc:
        raise BadInput(str(exc)) from None
    cal = settings.calendar
    manifest = Manifest(folder, command, _identity(settings), cal.start_date.isoformat(), kept)
    seconds: dict[str, float] = {}
    settle = settings.scenario.shop.lifecycle_days * DAY

    seeds = CsvSeeds(folder, training_tables, settle, publish_daily) if training_tables else None
    train_hooks: list[DayHook] = [Timed(seeds, "export_csv", seconds)] if seeds else []
    valid_hooks: list[DayHook] = []
    logs = []
    if event_log:
        logs = [ParquetEventLog(folder), ParquetEventLog(folder)]
        if seeds:
            train_hooks.append(Timed(logs[0], "export_event_log", seconds))
        if validation is not None:
            valid_hooks.append(Timed(logs[1], "export_event_log", seconds))
    dbt = Warehouse(folder, warehouse) if warehouse is not None else None
    if dbt is not None and seeds:
        train_hooks.append(Timed(dbt, "dbt", seconds))
    checked = None
    if validation is not None:
        checked = ValidationTables(folder, validation.anomalies, settle)
        valid_hooks.append(Timed(checked, "export_validation", seconds))

    flavours = []
    if train_hooks:
        flavours.append(
            (Simulation(settings.scenario, cal, settings.seed, "training"), train_hooks)
        )
    if valid_hooks:
        flavours.append(
            (Simulation(settings.scenario, cal, settings.seed, "validation"), valid_hooks)
        )

    def table_rows() -> dict[str, int]:
        rows = seeds.row_counts() if seeds else {}
        return {**rows, **(checked.rows if checked else {})}

    t0 = time.perf_counter()
    manifest.write("running")
    try:
        for sim, hooks in flavours:
            for hook in hooks:
                hook.start(sim.info)
        for steps in zip(*(sim.days() for sim, _ in flavours)):
            day = steps[0][0]
            entry: dict[str, Any] = {"date": day.date.isoformat()}
            for (sim, hooks), (_, day_events) in zip(flavours, steps):
                for hook in hooks:
                    hook.day(day, day_events)
                entry[f"{sim.info.flavour}_events"] = day_events.counts()
            if dbt is not None and seeds:
                entry["dbt"] = dbt.report()
            if (
                checked is not None
                and validation is not None
                and (
                    validation.due(day, cal.days) and (dbt is not None or day.index == cal.days - 1)
                )
            ):
                t1 = time.perf_counter()
                checked.publish(day.date)
                seconds["export_validation"] = (
                    seconds.get("export_validation", 0.0) + time.perf_counter() - t1
                )
                if dbt is not None:
                    t1 = time.perf_counter()
                    entry["dbt_validation"] = dbt.refresh(day.date, validation=True).to_dict()
                    seconds["dbt"] = seconds.get("dbt", 0.0) + time.perf_counter() - t1
            manifest.add_day(entry)
            manifest.set_tables(table_rows())
            manifest.write("running", timings_seconds=_rounded(seconds))
            if progress is not None:
                progress(day, entry)
        for _, hooks in flavours:
            for hook in hooks:
                hook.end()
    except BaseException as exc:
        manifest.write("failed", error=f"{type(exc).__name__}: {exc}")
        raise
    seconds["total"] = time.perf_counter() - t0
    seconds["simulation"] = seconds["total"] - sum(v for k, v in seconds.items() if k != "total")
    events: dict[str, int] = {}
    for sim, _ in flavours:
        for kind, n in sim.model.log.totals.items():
            events[kind] = events.get(kind, 0) + n
    manifest.set_tables(table_rows())
    if logs:
        manifest.set_event_log(
            {
                flavour: log.rows
                for flavour, log in zip(("training", "validation"), logs)
                if any(log.rows.values())
            }
        )
    result = RunResult(folder, table_rows(), events, seconds, dbt.results if dbt else [])
    manifest.write(
        "complete",
        timings_seconds=_rounded(seconds),
        dbt_ok=result.dbt_ok if dbt is not None else None,
    )
    return result


def _rounded(seconds: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 3) for k, v in seconds.items()}
