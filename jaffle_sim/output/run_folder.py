"""The run folder: every path of a run (the one place a file name of the folder is spelled),
atomic writes, and the claim of the outputs a command will write (refusing to replace a user's
files without `--overwrite`).

Layout:
  seeds/training/raw_{customers,orders,payments,signups}_training.csv
  seeds/validation/raw_{...}_validation.csv
  seeds/sessions/stg_{website,app}_sessions.csv
  seeds/ads/stg_{google,facebook,instagram}_ads.csv
  events/<kind>/flavour=<flavour>/date=<YYYY-MM-DD>/part-0.parquet    the event log
  anomalies.json                     ground truth of the validation flavour's anomalies
  run_manifest.json                  what the run was and what it produced
  warehouse.duckdb, dbt_project/     the daily loop: the embedded warehouse and its dbt project
  report/index.html, report/*.png    the run report
  .jaffle-sim-staging/               spill files while a run is under way
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from jaffle_sim.output.contract import TABLES

SEEDS = "seeds"
EVENTS = "events"
MANIFEST = "run_manifest.json"
ANOMALIES = "anomalies.json"
WAREHOUSE = "warehouse.duckdb"
DBT_PROJECT = "dbt_project"
REPORT = "report"
REPORT_INDEX = "index.html"
STAGING = ".jaffle-sim-staging"


class OutputExists(Exception):
    """An output the command would write is already there (and --overwrite was not given)."""


@dataclass(frozen=True)
class RunFolder:
    """Paths of one run's outputs under `root`."""

    root: Path

    def table(self, name: str) -> Path:
        return self.root / self.table_relpath(name)

    @staticmethod
    def table_relpath(name: str) -> str:
        """A table's path relative to the run folder (as the manifest lists it)."""
        return f"{SEEDS}/{TABLES[name].group}/{name}.csv"

    @property
    def seeds(self) -> Path:
        return self.root / SEEDS

    def seed_group(self, group: str) -> Path:
        """The folder of one group of seeds (a flavour, `sessions` or `ads`)."""
        return self.seeds / group

    @property
    def events(self) -> Path:
        return self.root / EVENTS

    def event_part(self, kind: str, flavour: str, date: str, part: int = 0) -> Path:
        return self.events / kind / f"flavour={flavour}" / f"date={date}" / f"part-{part}.parquet"

    def event_kind(self, kind: str, flavour: str | None = None) -> Path:
        """The folder of one kind of events (of one flavour when given)."""
        path = self.events / kind
        return path if flavour is None else path / f"flavour={flavour}"

    @property
    def manifest(self) -> Path:
        return self.root / MANIFEST

    @property
    def anomalies(self) -> Path:
        return self.root / ANOMALIES

    @property
    def warehouse(self) -> Path:
        return self.root / WAREHOUSE

    @property
    def dbt_project(self) -> Path:
        return self.root / DBT_PROJECT

    @property
    def report(self) -> Path:
        return self.root / REPORT

    @property
    def report_index(self) -> Path:
        return self.report / REPORT_INDEX

    @property
    def staging(self) -> Path:
        return self.root / STAGING

    def inside(self, path: Path) -> bool:
        """Whether `path` (resolved, symlinks followed) lies inside the run folder."""
        try:
            path.resolve().relative_to(self.root.resolve())
        except ValueError:
            return False
        return path.resolve() != self.root.resolve()

    def claim(self, paths: Iterable[Path], overwrite: bool) -> None:
        """Check, before anything is written, that none of `paths` exists (or remove them when
        `overwrite`). Only paths inside the folder are ever removed."""
        paths = list(paths)
        outside = [p for p in paths if not self.inside(p)]
        if outside:
            raise OutputExists(f"refusing to touch {outside[0]}: it is not inside {self.root}")
        existing = [p for p in paths if p.exists() or p.is_symlink()]
        if existing and not overwrite:
            shown = ", ".join(str(p.relative_to(self.root)) for p in existing[:3])
            more = f" and {len(existing) - 3} more" if len(existing) > 3 else ""
            raise OutputExists(
                f"{self.root} already holds {shown}{more}; pass --overwrite to "
                "replace them or choose another --out"
            )
        for p in existing:
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            else:
                p.unlink()
        if self.staging.exists():
            shutil.rmtree(self.staging)


@contextlib.contextmanager
def atomic_file(path: Path, mode: str = "wb", durable: bool = True) -> Iterator[IO[Any]]:
    """Write to a temporary name beside `path` and rename into place only when complete, so a
    crash never leaves a half-written file under the real name. `durable` also flushes the file
    to disk before the rename (for the few files a run rewrites; not for each event-log part)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial")
    try:
        with open(tmp, mode) as fh:
            yield fh
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
