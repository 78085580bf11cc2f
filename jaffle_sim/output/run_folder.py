"""The run folder: every path of a run (the one place a file name of the folder is spelled),
atomic writes, and the claim of the outputs a command will write (refusing to replace a user's
files without `--overwrite`).

Layout:
  seeds/training/raw_{customers,orders,payments,signups}_training.csv
  seeds/validation/raw_{...}_validation.csv
  seeds/sessions/stg_{website,app}_sessions.csv
  seeds/ads/stg_{google,facebook,instagram}_ads.csv
  seeds/attribution/raw_attribution_truth.csv   ground truth: the credit of each touch
  events/kind=<kind>/flavour=<flavour>/date=<YYYY-MM-DD>/part-<shard>.parquet   the event log
  anomalies.json                     ground truth of the validation flavour's anomalies
  run_manifest.json                  what the run was and what it produced
  warehouse.duckdb, dbt_project/     the daily loop: the embedded warehouse and its dbt project
  report/index.html, report/*.png    the run report
  .jaffle-sim-staging/               spill files while a run is under way
  .jaffle-sim.lock                   held by the command writing into the folder (`lock`)

What `--overwrite` removes is known from this module alone, never from a path read in the folder:
the tables, the manifest and ground truth, the warehouse, and inside `events/`, `report/` and
`dbt_project/` only the files a run writes there (event-log parts of known kinds, the report's
page and charts, the staged project with dbt's `target/` and `logs/`). A user's own files in any
of those folders survive; folders left empty are removed. Nothing is written or removed through a
symbolic link that leads outside the folder.
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from jaffle_sim.events import EVENT_TYPES, FLAVOURS
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
LOCK = ".jaffle-sim.lock"
PARTIAL = ".{}.partial"  # an atomic write's temporary name beside the file it replaces

# The files a run writes inside its folder outputs (patterns of names, partial writes included).
EVENT_DATES = "date=*"
EVENT_PARTS = ("part-*.parquet", ".part-*.parquet.partial")
REPORT_FILES = (REPORT_INDEX, "*.png", PARTIAL.format(REPORT_INDEX), PARTIAL.format("*.png"))
DBT_WORK = ("target", "logs")  # dbt's own folders in the staged project
DBT_FILES = ("profiles.yml", ".user.yml")  # written beside the staged project's files
_DUCKDB_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


class OutputExists(Exception):
    """An output the command would write is already there (and --overwrite was not given), or
    cannot be claimed (it leads outside the folder, or another process has it open)."""


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

    def event_part(self, kind: str, flavour: str, date: str, shard: int = 0) -> Path:
        """One shard's events of one kind, flavour and day."""
        return self.event_kind(kind, flavour) / f"date={date}" / f"part-{shard}.parquet"

    def event_kind(self, kind: str, flavour: str | None = None) -> Path:
        """The folder of one kind of events (of one flavour when given)."""
        path = self.events / f"kind={kind}"
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

    @property
    def lock(self) -> Path:
        return self.root / LOCK

    @property
    def raw_parquet(self) -> Path:
        """Parquet copies of the published raw tables (`run --load parquet`), in dbt's work
        folder of the staged project: claimed, replaced and removed with it."""
        return self.dbt_project / DBT_WORK[0] / "raw"

    @property
    def warehouse_files(self) -> list[Path]:
        """The embedded warehouse and DuckDB's write-ahead log beside it."""
        return [self.warehouse, self.warehouse.with_name(f"{WAREHOUSE}.wal")]

    def outputs(self) -> list[Path]:
        """Every output a run can write here: the replacement of another run claims them all."""
        return [
            *(self.table(name) for name in TABLES),
            self.events,
            self.manifest,
            self.anomalies,
            *self.warehouse_files,
            self.dbt_project,
            self.report,
        ]

    def spill(self, flavour: str, shard: int) -> Path:
        """The staging folder of one flavour and shard: its rows until they are published."""
        return self.staging / f"{flavour}-{shard}"

    def inside(self, path: Path) -> bool:
        """Whether `path` (resolved, symlinks followed) lies inside the run folder."""
        try:
            path.resolve().relative_to(self.root.resolve())
        except ValueError:
            return False
        return path.resolve() != self.root.resolve()

    def written(self, path: Path, project_files: Collection[str] = ()) -> list[Path]:
        """The files this tool writes at output `path` that are there now: the file itself, or
        for a folder output the files a run writes inside it (`project_files`: the staged dbt
        project's files, relative to it). Symbolic links are never followed."""
        if not path.is_dir() or path.is_symlink():
            return [p for p in (path, partial(path)) if p.exists() or p.is_symlink()]
        if path == self.events:
            return self._event_parts()
        if path == self.report:
            return [p for p in _entries(path) if _matches(p.name, REPORT_FILES)]
        if path == self.dbt_project:
            return [
                p
                for p in _files_under(path)
                if _staged(p.relative_to(path).as_posix(), project_files)
            ]
        if path == self.staging:
            return list(_files_under(path))
        raise ValueError(f"{path} is a folder but not an output folder of a run")

    def _event_parts(self) -> list[Path]:
        return [Path(part.path) for part in self.event_part_entries()]

    def event_part_entries(self) -> list[os.DirEntry[str]]:
        """The event log's part files (and partial parts) as directory entries, whose `stat`
        is cached: a year of a sharded run has a hundred thousand of them."""
        found = []
        for kind in EVENT_TYPES:
            for flavour in FLAVOURS:
                for day in _scan(self.event_kind(kind, flavour)):
                    if day.is_dir(follow_symlinks=False) and _matches(day.name, (EVENT_DATES,)):
                        found += [p for p in _scan(day.path) if _matches(p.name, EVENT_PARTS)]
        return found

    def claim(
        self, paths: Iterable[Path], overwrite: bool, project_files: Collection[str] = ()
    ) -> None:
        """Check, before anything is written, that none of `paths` holds output already (or
        remove what this tool wrote there when `overwrite`). Refuses paths that lead outside the
        folder (symbolic links included) and a warehouse another process has open; removes only
        files this tool writes, then the folders that removal left empty. The staging folder of
        an earlier run is always cleared."""
        paths = [*dict.fromkeys(paths), self.staging]
        for path in paths:
            self._check_inside(path)
        found = {p: self.written(p, project_files) for p in paths}
        existing = [p for p in paths[:-1] if found[p]]
        if existing and not overwrite:
            shown = ", ".join(str(p.relative_to(self.root)) for p in existing[:3])
            more = f" and {len(existing) - 3} more" if len(existing) > 3 else ""
            raise OutputExists(
                f"{self.root} already holds {shown}{more}; pass --overwrite to "
                "replace them or choose another --out"
            )
        doomed = [f for p in (existing if overwrite else []) + [self.staging] for f in found[p]]
        if self.warehouse in doomed:
            _check_not_open(self.warehouse)
        emptied = set()
        for f in doomed:
            f.unlink(missing_ok=True)
            emptied.add(f.parent)
        for folder in sorted(emptied, key=lambda d: len(d.parts), reverse=True):
            while folder != self.root and self.inside(folder):
                try:
                    folder.rmdir()
                except OSError:  # not empty: a user's file, or more of ours to come
                    break
                folder = folder.parent

    def _check_inside(self, path: Path) -> None:
        """Refuse an output that is, or holds, a symbolic link leading outside the folder."""
        if not self.inside(path):
            raise OutputExists(
                f"refusing to write {path}: it leads outside {self.root} (a symbolic link?)"
            )
        if not path.is_dir() or path.is_symlink():
            return
        for parent, folders, files in os.walk(path):
            for name in (*folders, *files):
                entry = Path(parent) / name
                if entry.is_symlink() and not self.inside(entry):
                    raise OutputExists(
                        f"refusing to write into {path}: {entry} is a symbolic link leading "
                        f"outside {self.root}"
                    )


def partial(path: Path) -> Path:
    """The temporary name an atomic write of `path` uses."""
    return path.with_name(PARTIAL.format(path.name))


def _entries(folder: Path) -> list[Path]:
    return [Path(e.path) for e in _scan(folder)]


def _scan(folder: str | Path) -> list[os.DirEntry[str]]:
    """The entries of `folder` by name (none when it is not a folder)."""
    try:
        with os.scandir(folder) as it:
            return sorted(it, key=lambda e: e.name)
    except (FileNotFoundError, NotADirectoryError):
        return []


def _files_under(folder: Path) -> Iterator[Path]:
    for parent, _, files in os.walk(folder):
        for name in files:
            yield Path(parent) / name
    for parent, folders, _ in os.walk(folder):  # symbolic links to folders: the links only
        for name in folders:
            if (Path(parent) / name).is_symlink():
                yield Path(parent) / name


def _matches(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def _staged(relpath: str, project_files: Collection[str]) -> bool:
    """Whether a file of the staged dbt project (path relative to it) is one this tool wrote."""
    top = relpath.split("/", 1)[0]
    return relpath in project_files or top in DBT_WORK or relpath in DBT_FILES


def _check_not_open(database: Path) -> None:
    """Refuse to remove a DuckDB file that another process holds open."""
    import duckdb

    try:
        duckdb.connect(str(database)).close()
    except duckdb.Error as exc:
        text = str(exc)
        if "Could not set lock" not in text:
            return  # not a database DuckDB can open: nobody holds it open either
        holder = _DUCKDB_HOLDER.search(text)
        who = f" (process {holder['pid']}, {holder['program']})" if holder else ""
        raise OutputExists(
            f"--overwrite: {database} is open in another process{who}; close it (a notebook or "
            "another run) and try again"
        ) from None


@contextlib.contextmanager
def atomic_file(path: Path, mode: str = "wb", durable: bool = True) -> Iterator[IO[Any]]:
    """Write to a temporary name beside `path` and rename into place only when complete, so a
    crash never leaves a half-written file under the real name. `durable` also flushes the file
    to disk before the rename (for the few files a run rewrites; not for each event-log part)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = partial(path)
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
