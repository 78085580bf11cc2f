"""The run folder: where every output lives, atomic writes, and the refusal to replace a user's
files without `--overwrite`.

Layout (the data contract):
  seeds/training/raw_{customers,orders,payments,signups}_training.csv
  seeds/validation/raw_{...}_validation.csv
  seeds/sessions/stg_{website,app}_sessions.csv
  seeds/ads/stg_{google,facebook,instagram}_ads.csv
  events/<kind>/flavour=<flavour>/date=<YYYY-MM-DD>/part-0.parquet
  run_manifest.json
  warehouse.duckdb, dbt_project/   (the daily loop: the embedded warehouse and its dbt project)
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

ACCOUNT_TABLES = ("customers", "orders", "payments", "signups")
ACCOUNT_COLUMNS = {
    "customers": ("id", "first_name", "last_name"),
    "orders": ("id", "user_id", "order_date", "status"),
    "payments": ("id", "order_id", "payment_method", "amount"),
    "signups": ("id", "user_id", "user_email", "hashed_password", "signup_date"),
}
SESSION_COLUMNS = (
    "session_id",
    "customer_id",
    "started_at",
    "ended_at",
    "utm_source",
    "ad_id",
    "visitor_id",
)
AD_COLUMNS = ("ad_id", "date", "utm_medium", "utm_campaign", "cost", "impressions", "clicks")


@dataclass(frozen=True)
class TableSpec:
    """One output table: its seed name (file stem), folder under `seeds/` and columns."""

    name: str
    folder: str
    columns: tuple[str, ...]

    @property
    def relpath(self) -> str:
        return f"seeds/{self.folder}/{self.name}.csv"


def _tables() -> dict[str, TableSpec]:
    specs = []
    for flavour in ("training", "validation"):
        for table in ACCOUNT_TABLES:
            specs.append(TableSpec(f"raw_{table}_{flavour}", flavour, ACCOUNT_COLUMNS[table]))
    for platform in ("website", "app"):
        specs.append(TableSpec(f"stg_{platform}_sessions", "sessions", SESSION_COLUMNS))
    for platform in ("google", "facebook", "instagram"):
        specs.append(TableSpec(f"stg_{platform}_ads", "ads", AD_COLUMNS))
    return {s.name: s for s in specs}


TABLES = _tables()
AD_TABLES = tuple(n for n in TABLES if n.endswith("_ads"))
SESSION_TABLES = tuple(n for n in TABLES if n.endswith("_sessions"))


def account_tables(flavour: str) -> tuple[str, ...]:
    return tuple(f"raw_{t}_{flavour}" for t in ACCOUNT_TABLES)


# What each `generate` choice writes.
SELECTIONS: dict[str, tuple[str, ...]] = {
    "training": account_tables("training"),
    "validation": account_tables("validation"),
    "marketing": AD_TABLES + SESSION_TABLES,
    "ads": AD_TABLES,
    "all": account_tables("training") + account_tables("validation") + AD_TABLES + SESSION_TABLES,
}

MANIFEST = "run_manifest.json"
EVENTS = "events"
WAREHOUSE = "warehouse.duckdb"
DBT_PROJECT = "dbt_project"
STAGING = ".jaffle-sim-staging"


class OutputExists(Exception):
    """An output the command would write is already there (and --overwrite was not given)."""


@dataclass(frozen=True)
class RunFolder:
    """Paths of one run's outputs."""

    root: Path

    def table(self, name: str) -> Path:
        return self.root / TABLES[name].relpath

    @property
    def events(self) -> Path:
        return self.root / EVENTS

    @property
    def manifest(self) -> Path:
        return self.root / MANIFEST

    @property
    def warehouse(self) -> Path:
        return self.root / WAREHOUSE

    @property
    def dbt_project(self) -> Path:
        return self.root / DBT_PROJECT

    @property
    def staging(self) -> Path:
        return self.root / STAGING

    def claim(self, paths: Iterable[Path], overwrite: bool) -> None:
        """Check, before anything is written, that none of `paths` exists (or remove them when
        `overwrite`). Never touches files the run does not write."""
        existing = [p for p in paths if p.exists()]
        if existing and not overwrite:
            shown = ", ".join(str(p.relative_to(self.root)) for p in existing[:3])
            more = f" and {len(existing) - 3} more" if len(existing) > 3 else ""
            raise OutputExists(
                f"{self.root} already holds {shown}{more}; pass --overwrite to "
                "replace them or choose another --out"
            )
        for p in existing:
            if p.is_dir():
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
