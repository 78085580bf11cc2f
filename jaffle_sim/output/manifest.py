"""`run_manifest.json`: what a run was (seed, scenario, calendar, versions) and what it produced
(rows per table and per day, the warehouse's results, timings). Rewritten atomically after every
simulated day, so an interrupted run says how far it got."""

from __future__ import annotations

import json
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from jaffle_sim.output.run_folder import TABLES, RunFolder, atomic_file

PACKAGES = (
    "jaffle-sim",
    "simpy",
    "numpy",
    "scipy",
    "pandas",
    "pyarrow",
    "faker",
    "dbt-core",
    "dbt-duckdb",
    "duckdb",
)


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def run_identity(seed: int, end_date: str, days: int, scenario: dict[str, Any]) -> dict[str, Any]:
    """What makes two runs the same run: equal identities give byte-identical tables."""
    return {"seed": seed, "end_date": end_date, "days": days, "scenario": scenario}


def read_manifest(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


class Manifest:
    """The manifest of one command's run into a folder (tables already listed by an earlier
    command of the same run are kept)."""

    def __init__(
        self,
        folder: RunFolder,
        command: str,
        identity: dict[str, Any],
        start_date: str,
        kept_tables: dict[str, Any] | None = None,
    ):
        self.folder = folder
        self.data: dict[str, Any] = {
            "status": "running",
            "command": command,
            **{k: v for k, v in identity.items() if k != "scenario"},
            "start_date": start_date,
            "versions": package_versions(),
            "platform": sys.platform,
            "tables": dict(kept_tables or {}),
            "event_log": None,
            "daily": [],
            "timings_seconds": {},
            "scenario": identity["scenario"],
        }

    def set_tables(self, rows: dict[str, int]) -> None:
        for name, n in rows.items():
            self.data["tables"][name] = {"path": TABLES[name].relpath, "rows": n}

    def set_event_log(self, rows: dict[str, Any]) -> None:
        self.data["event_log"] = {"path": "events", "rows": rows}

    def add_day(self, entry: dict[str, Any]) -> None:
        self.data["daily"].append(entry)

    def write(self, status: str = "running", **extra: Any) -> None:
        self.data["status"] = status
        self.data.update(extra)
        text = json.dumps(self.data, indent=2, default=str) + "\n"
        with atomic_file(self.folder.manifest) as fh:
            fh.write(text.encode())
