"""The warehouse's daily refresh: once the writers are done with a simulated day, one
``dbt build`` of the training flavour (``tag:training``: the seeds that changed that day, the
models, the tests) on the embedded DuckDB file or the user's own dbt target; on the days the
validation flavour is published, one build of ``tag:validation`` after it.

Raw tables reach the warehouse as dbt seeds (``--load seeds``, the default) or, with
``--load parquet`` (DuckDB only), as Parquet copies of the published CSVs that the project's
sources read directly (:mod:`jaffle_sim.warehouse.raw_parquet`); the marts are the same.

The simulated "now" (the end of the day) goes to dbt as var `simulated_now`, so nothing in SQL
reads the wall clock.

dbt parses both flavours as one project, and a model's ``ref()`` to a seed whose CSV does not
exist fails the whole parse: until the validation flavour publishes its tables (the last day, or
every ``--validate-every`` days), its seeds are header-only CSVs written at :meth:`Warehouse.start`
(the tables' columns, no rows; the real tables replace them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jaffle_sim.clock import SimDay
from jaffle_sim.output.contract import TABLES, is_validation_table
from jaffle_sim.output.csv_seeds import csv_header
from jaffle_sim.output.run_folder import RunFolder, atomic_file
from jaffle_sim.warehouse.dbt_runner import DbtRunner
from jaffle_sim.warehouse.results import DayResults

if TYPE_CHECKING:
    from jaffle_sim.output.csv_seeds import CsvSeeds
    from jaffle_sim.output.manifest import DayRecord
    from jaffle_sim.validation.flavour import ValidationTables
    from jaffle_sim.warehouse.raw_parquet import RawParquet

#: What a flavour's build selects besides its changed seeds (each intersected with the tag).
BUILT_TYPES = ("model", "test", "unit_test")


@dataclass(frozen=True)
class WarehouseSettings:
    """Where and how dbt runs. Without `profiles_dir` the embedded DuckDB file is used. `load`:
    ``seeds`` (dbt seed) or ``parquet`` (sources over Parquet copies; DuckDB only)."""

    conversion_window_days: int = 1
    target: str | None = None
    profiles_dir: Path | None = None
    detection_days: int = 7
    load: str = "seeds"
    #: Elementary mode: the folder holding its packages (`elementary`, `dbt_utils`), or None.
    elementary_packages: Path | None = None


def simulated_now(date: dt.date) -> str:
    """The end of a simulated day, as dbt var `simulated_now`."""
    return f"{date + dt.timedelta(days=1)} 00:00:00"


def tests_since(date: dt.date) -> str:
    """Var `tests_since` on a later day of a run: the start of the day before `date`. Earlier
    rows of the training tables do not change from one day to the next, and the latest a row
    arrives is the next day's file (a late order)."""
    return f"{date - dt.timedelta(days=1)} 00:00:00"


def selection(flavour: str, seeds: list[str]) -> list[str]:
    """The build of one flavour: its models and tests, and of its seeds only `seeds`."""
    return [f"tag:{flavour},resource_type:{kind}" for kind in BUILT_TYPES] + [
        f"tag:{flavour},resource_type:seed,{name}" for name in seeds
    ]


class Warehouse:
    """After-day hook: refreshes the warehouse from what `seeds` (training, sessions, ads) and
    `validation` (the validation flavour's tables) published that day."""

    def __init__(
        self,
        folder: RunFolder,
        settings: WarehouseSettings,
        seeds: CsvSeeds | None,
        validation: ValidationTables | None,
    ):
        self.folder = folder
        self.settings = settings
        self.seeds = seeds
        self.validation = validation
        self.results: list[DayResults] = []
        self._runner: DbtRunner | None = None
        self._parquet: RawParquet | None = None

    @property
    def database(self) -> Path | None:
        return None if self.settings.profiles_dir else self.folder.warehouse

    def start(self) -> None:
        for name in TABLES:  # what dbt needs to parse before the validation tables exist
            path = self.folder.table(name)
            if is_validation_table(name) and not path.exists():
                with atomic_file(path) as out:
                    out.write(csv_header(TABLES[name].columns))
        vars_: dict[str, Any] = {
            "conversion_window_days": self.settings.conversion_window_days,
            "detection_days": self.settings.detection_days,
        }
        self._runner = DbtRunner.for_run_folder(
            self.folder.root,
            database_path=self.database,
            profiles_dir=self.settings.profiles_dir,
            target=self.settings.target,
            vars=vars_,
        )
        if self.settings.load == "parquet":
            from jaffle_sim.warehouse.raw_parquet import RawParquet

            self._parquet = RawParquet(self.folder, self._runner.project_dir)
            self._runner.vars.update(load_seeds=False, raw_external_location=self._parquet.location)
        if self.settings.elementary_packages is not None:
            from jaffle_sim.warehouse import elementary

            elementary.start(self._runner, self.settings.elementary_packages)

    def after_day(self, day: SimDay, record: DayRecord) -> None:
        if self.seeds is not None:
            # the first build of this process loads every table: after --resume (or on a
            # warehouse of the user's) nothing is known of what an earlier process loaded
            first = not any(r.flavour == "training" for r in self.results)
            changed = self.seeds.tables if first else self.seeds.changed
            since = "" if first else tests_since(day.date)
            record.dbt = self.refresh(day.date, list(changed), "training", since, day.index)
        if self.validation is not None and self.validation.published_through == day.date:
            names = self.validation.published_tables
            record.dbt_validation = self.refresh(day.date, names, "validation", "", day.index)

    def refresh(
        self, date: dt.date, changed: list[str], flavour: str, since: str = "", index: int = 0
    ) -> DayResults:
        """Build `flavour` for the simulated day `date` (day `index` of the run), loading the raw
        tables in `changed`; the tests that check rows by day check those from `since` on (empty:
        all rows)."""
        assert self._runner is not None, "start() first"
        vars_: dict[str, Any] = {"simulated_now": simulated_now(date), "tests_since": since}
        if self.settings.elementary_packages is not None:
            from jaffle_sim.warehouse import elementary

            vars_.update(elementary.window_vars(flavour, index, vars_["simulated_now"]))
            if not self.results:  # the first build of this process
                elementary.build_package(self._runner, vars_)
        if self._parquet is not None:
            self._parquet.publish(changed)
            select = selection(flavour, [])
        else:
            select = selection(flavour, changed)
        built = self._runner.build(select=select, vars=vars_)
        result = DayResults(date.isoformat(), flavour, [built])
        self.results.append(result)
        return result

    def end(self) -> None:
        if self._runner is not None:
            self._runner.close()
