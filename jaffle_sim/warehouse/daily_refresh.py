"""The warehouse's daily refresh: once the writers are done with a simulated day, load what they
published and run the bundled dbt project (seed, run, test) on the embedded DuckDB file or the
user's own dbt target; on the days the validation flavour is published, the same on its tables.

The simulated "now" (the end of the day) goes to dbt as var `simulated_now`, so nothing in SQL
reads the wall clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jaffle_sim.clock import SimDay
from jaffle_sim.output.run_folder import RunFolder
from jaffle_sim.warehouse.dbt_runner import DbtRunner
from jaffle_sim.warehouse.results import DayResults

if TYPE_CHECKING:
    from jaffle_sim.output.csv_seeds import CsvSeeds
    from jaffle_sim.output.manifest import DayRecord
    from jaffle_sim.validation.flavour import ValidationTables


@dataclass(frozen=True)
class WarehouseSettings:
    """Where and how dbt runs. Without `profiles_dir` the embedded DuckDB file is used."""

    conversion_window_days: int = 1
    target: str | None = None
    profiles_dir: Path | None = None
    detection_days: int = 7


def simulated_now(date: dt.date) -> str:
    """The end of a simulated day, as dbt var `simulated_now`."""
    return f"{date + dt.timedelta(days=1)} 00:00:00"


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

    @property
    def database(self) -> Path | None:
        return None if self.settings.profiles_dir else self.folder.warehouse

    def start(self) -> None:
        self._runner = DbtRunner.for_run_folder(
            self.folder.root,
            database_path=self.database,
            profiles_dir=self.settings.profiles_dir,
            target=self.settings.target,
            vars={
                "conversion_window_days": self.settings.conversion_window_days,
                "detection_days": self.settings.detection_days,
            },
        )

    def after_day(self, day: SimDay, record: DayRecord) -> None:
        if self.seeds is not None:
            record.dbt = self.refresh(day.date, self.seeds.changed, validation=False)
        if self.validation is not None and self.validation.published_through == day.date:
            names = self.validation.published_tables
            record.dbt_validation = self.refresh(day.date, names, validation=True)

    def refresh(self, date: dt.date, seeds: list[str], validation: bool) -> DayResults:
        """Seed `seeds`, run and test for the simulated day `date` (on the validation tables
        if asked)."""
        assert self._runner is not None, "start() first"
        vars_: dict[str, Any] = {"simulated_now": simulated_now(date)}
        if validation:
            vars_["validation"] = True
        result = DayResults(date.isoformat(), "validation" if validation else "training")
        if seeds:
            result.phases.append(self._runner.seed(select=seeds, vars=vars_))
        if all(r.success for r in result.phases):
            result.phases.append(self._runner.run(vars=vars_))
            result.phases.append(self._runner.test(vars=vars_))
        self.results.append(result)
        return result

    def end(self) -> None:
        if self._runner is not None:
            self._runner.close()
