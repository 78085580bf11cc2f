"""The warehouse hook: at the end of every simulated day, load the day's seeds and run the bundled
dbt project (seed, run, test) on the embedded DuckDB file or the user's own dbt target.

It runs after the CSV exporter has published the day's files. The simulated "now" (the end of the
day) goes to dbt as var `simulated_now`, so nothing in SQL reads the wall clock.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jaffle_sim.clock import SimDay
from jaffle_sim.events import DayEvents
from jaffle_sim.output.run_folder import RunFolder
from jaffle_sim.simulation.hooks import RunInfo
from jaffle_sim.warehouse.dbt_runner import DbtResult, DbtRunner


@contextmanager
def _collector_on() -> Iterator[None]:
    """Python's garbage collector runs during dbt (which leaves many reference cycles) even while
    the simulation keeps it paused."""
    was_enabled = gc.isenabled()
    gc.enable()
    try:
        yield
    finally:
        if not was_enabled:
            gc.disable()


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


@dataclass
class DayResults:
    """dbt's results for one simulated day."""

    date: str
    flavour: str
    phases: list[DbtResult] = field(default_factory=list)

    @property
    def failed_tests(self) -> list[str]:
        return [n.name for r in self.phases if r.command == "test" for n in r.failed]

    @property
    def failed_nodes(self) -> list[str]:
        return [f"{r.command} {n.name}" for r in self.phases for n in r.failed]

    @property
    def ok(self) -> bool:
        return all(r.success for r in self.phases) and not self.failed_nodes

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "flavour": self.flavour,
            "ok": self.ok,
            "phases": [
                {
                    "command": r.command,
                    "success": r.success,
                    "seconds": round(r.elapsed, 3),
                    "reused_manifest": r.reused_manifest,
                    "statuses": r.status_counts(),
                    "nodes": [
                        {
                            "name": n.name,
                            "type": n.resource_type,
                            "status": n.status,
                            "seconds": round(n.execution_time, 3),
                            "failures": n.failures,
                            **({"message": n.message} if n.failed and n.message else {}),
                        }
                        for n in r.nodes
                    ],
                }
                for r in self.phases
            ],
        }

    def line(self) -> str:
        """One readable line: time and outcome of each phase."""
        parts = []
        for r in self.phases:
            counts = r.status_counts()
            good = sum(v for k, v in counts.items() if k in ("success", "pass"))
            bad = sum(v for k, v in counts.items() if k not in ("success", "pass"))
            parts.append(f"{r.command} {r.elapsed:.1f}s {good} ok" + (f" {bad} not" if bad else ""))
        return "dbt " + ", ".join(parts)


class Warehouse:
    """Day-tick hook running dbt after the seeds of the day are written."""

    def __init__(self, folder: RunFolder, settings: WarehouseSettings):
        self.folder = folder
        self.settings = settings
        self.results: list[DayResults] = []
        self._runner: DbtRunner | None = None
        self._flavour = "training"
        self._loaded: dict[str, tuple[int, int]] = {}  # seed name -> (size, mtime) last loaded

    @property
    def database(self) -> Path | None:
        return None if self.settings.profiles_dir else self.folder.warehouse

    def start(self, run: RunInfo) -> None:
        self._flavour = run.flavour
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

    def day(self, day: SimDay, events: DayEvents) -> None:
        self.refresh(day.date, validation=False)

    def refresh(self, date: dt.date, validation: bool) -> DayResults:
        """Seed, run and test for the simulated day `date` (on the validation tables if asked)."""
        assert self._runner is not None, "start() first"
        vars_: dict[str, Any] = {"simulated_now": simulated_now(date)}
        if validation:
            vars_["validation"] = True
        result = DayResults(date.isoformat(), "validation" if validation else self._flavour)
        changed = self._changed_seeds(validation)
        result.phases = []
        with _collector_on():
            if changed:
                result.phases.append(self._runner.seed(select=changed, vars=vars_))
            if all(r.success for r in result.phases):
                result.phases.append(self._runner.run(vars=vars_))
                result.phases.append(self._runner.test(vars=vars_))
        self.results.append(result)
        return result

    def _changed_seeds(self, validation: bool) -> list[str]:
        """Seeds of this kind of run (the validation folder, or all others) whose CSV file is new
        or changed since their last load: only those are seeded."""
        changed = []
        for path in sorted((self.folder.root / "seeds").rglob("*.csv")):
            if (path.parent.name == "validation") != validation:
                continue
            stat = path.stat()
            signature = (stat.st_size, stat.st_mtime_ns)
            if self._loaded.get(path.stem) != signature:
                self._loaded[path.stem] = signature
                changed.append(path.stem)
        return changed

    def end(self) -> None:
        if self._runner is not None:
            self._runner.close()

    def report(self) -> dict[str, Any]:
        """The last day's results, for the manifest."""
        return self.results[-1].to_dict() if self.results else {}
