"""A run of the simulation through its exporters: claims the output paths, wires the day-tick
hooks (CSV seeds, Parquet event log, manifest, and later the warehouse), times each phase."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from jaffle_sim.events import DAY, DayEvents
from jaffle_sim.exporters.csv_seeds import CsvSeeds
from jaffle_sim.exporters.event_log import ParquetEventLog
from jaffle_sim.exporters.manifest import Manifest, read_manifest, run_identity
from jaffle_sim.exporters.output import DBT_PROJECT, TABLES, WAREHOUSE, OutputExists, RunFolder
from jaffle_sim.exporters.warehouse import DayResults, Warehouse, WarehouseSettings
from jaffle_sim.settings import BadInput, RunSettings
from jaffle_sim.simulation.clock import SimDay
from jaffle_sim.simulation.hooks import DayHook, RunInfo
from jaffle_sim.simulation.runner import Simulation


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
            paths += [folder.events, folder.manifest]
    folder.claim(dict.fromkeys(paths), settings.overwrite)
    return folder, kept


def _identity(settings: RunSettings) -> dict[str, Any]:
    cal = settings.calendar
    return run_identity(
        settings.seed, cal.end_date.isoformat(), cal.days, settings.scenario.to_dict()
    )


def simulate_to_folder(
    settings: RunSettings,
    command: str,
    tables: Sequence[str],
    *,
    event_log: bool,
    publish_daily: bool,
    warehouse: WarehouseSettings | None = None,
    progress: Callable[[SimDay, dict[str, Any]], None] | None = None,
) -> RunResult:
    """Simulate the training flavour and write `tables` (and the event log) into the folder;
    with `warehouse`, dbt loads and tests the tables after every day."""
    dbt_outputs = []
    if warehouse is not None:
        dbt_outputs = [DBT_PROJECT] if warehouse.profiles_dir else [DBT_PROJECT, WAREHOUSE]
    try:
        folder, kept = claim_outputs(settings, tables, event_log, dbt_outputs)
    except OutputExists as exc:
        raise BadInput(str(exc)) from None
    cal = settings.calendar
    manifest = Manifest(folder, command, _identity(settings), cal.start_date.isoformat(), kept)
    seconds: dict[str, float] = {}
    settle = settings.scenario.shop.lifecycle_days * DAY
    seeds = CsvSeeds(folder, [t for t in TABLES if t in tables], settle, publish_daily)
    hooks: list[DayHook] = [Timed(seeds, "export_csv", seconds)]
    log = ParquetEventLog(folder) if event_log else None
    if log is not None:
        hooks.append(Timed(log, "export_event_log", seconds))
    dbt = Warehouse(folder, warehouse) if warehouse is not None else None
    if dbt is not None:
        hooks.append(Timed(dbt, "dbt", seconds))

    def after_day(day: SimDay, events: DayEvents) -> None:
        entry: dict[str, Any] = {"date": day.date.isoformat(), "events": events.counts()}
        if dbt is not None:
            entry["dbt"] = dbt.report()
        manifest.add_day(entry)
        manifest.set_tables(seeds.row_counts())
        manifest.write("running", timings_seconds=_rounded(seconds))
        if progress is not None:
            progress(day, entry)

    t0 = time.perf_counter()
    manifest.write("running")
    sim = Simulation(settings.scenario, cal, settings.seed, "training")
    try:
        events = sim.run(hooks, progress=after_day)
    except BaseException as exc:
        manifest.write("failed", error=f"{type(exc).__name__}: {exc}")
        raise
    seconds["total"] = time.perf_counter() - t0
    seconds["simulation"] = seconds["total"] - sum(v for k, v in seconds.items() if k != "total")
    manifest.set_tables(seeds.row_counts())
    if log is not None:
        manifest.set_event_log(log.rows)
    result = RunResult(
        folder, seeds.row_counts(), events, seconds, dbt.results if dbt is not None else []
    )
    manifest.write(
        "complete",
        timings_seconds=_rounded(seconds),
        dbt_ok=result.dbt_ok if dbt is not None else None,
    )
    return result


def _rounded(seconds: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 3) for k, v in seconds.items()}
