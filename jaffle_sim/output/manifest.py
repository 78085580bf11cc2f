"""`run_manifest.json`, typed: what a run was (seed, scenario, calendar, versions) and what it
produced (rows per table and per day, the warehouse's results, timings, the detection score).
This module is the only reader and writer of the file. The pipeline rewrites it atomically after
every simulated day, so an interrupted run says how far it got."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from jaffle_sim.events import FLAVOURS
from jaffle_sim.output.run_folder import EVENTS, atomic_file
from jaffle_sim.warehouse.results import DayResults

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
STATUSES = ("running", "complete", "failed", "interrupted")


class ManifestError(ValueError):
    """A run_manifest.json that cannot be read (said in one line, naming the file)."""


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


@dataclass(frozen=True)
class RunIdentity:
    """What makes two runs the same run: equal identities give byte-identical tables."""

    seed: int
    end_date: str
    days: int
    scenario: dict[str, Any]
    shards: int = 1
    compat: str = "jaffle-sim"


@dataclass
class TableRecord:
    """One table as written: its path inside the run folder and its rows."""

    path: str
    rows: int


@dataclass
class FileRecord:
    """A file as the run wrote it (size and SHA-256), or for a folder of event-log parts their
    number and total size."""

    bytes: int
    sha256: str | None = None
    parts: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"bytes": self.bytes}
        if self.sha256 is not None:
            out["sha256"] = self.sha256
        if self.parts is not None:
            out["parts"] = self.parts
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FileRecord:
        parts = data.get("parts")
        sha = data.get("sha256")
        return cls(
            int(data["bytes"]),
            None if sha is None else str(sha),
            None if parts is None else int(parts),
        )


@dataclass
class DayRecord:
    """One simulated day: the events of each flavour, and dbt's results on that day."""

    date: str
    events: dict[str, dict[str, int]] = field(default_factory=dict)  # flavour -> kind -> count
    dbt: DayResults | None = None
    dbt_validation: DayResults | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"date": self.date}
        for flavour, counts in self.events.items():
            out[f"{flavour}_events"] = counts
        if self.dbt is not None:
            out["dbt"] = self.dbt.to_dict()
        if self.dbt_validation is not None:
            out["dbt_validation"] = self.dbt_validation.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DayRecord:
        events = {f: data[f"{f}_events"] for f in FLAVOURS if f"{f}_events" in data}
        dbt, valid = data.get("dbt"), data.get("dbt_validation")
        return cls(
            str(data["date"]),
            events,
            DayResults.from_dict(dbt) if dbt else None,
            DayResults.from_dict(valid) if valid else None,
        )


@dataclass
class RunManifest:
    """The manifest of one run folder."""

    command: str
    identity: RunIdentity
    start_date: str
    status: str = "running"
    versions: dict[str, str | None] = field(default_factory=package_versions)
    platform: str = sys.platform
    tables: dict[str, TableRecord] = field(default_factory=dict)
    event_log: dict[str, dict[str, int]] | None = None  # flavour -> kind -> rows
    files: dict[str, FileRecord] = field(default_factory=dict)  # recorded as the run completes
    daily: list[DayRecord] = field(default_factory=list)
    timings_seconds: dict[str, float] = field(default_factory=dict)
    dbt_ok: bool | None = None
    error: str | None = None
    score: dict[str, Any] | None = None

    @property
    def seed(self) -> int:
        return self.identity.seed

    @property
    def days(self) -> int:
        return self.identity.days

    @property
    def end_date(self) -> str:
        return self.identity.end_date

    @property
    def scenario(self) -> dict[str, Any]:
        return self.identity.scenario

    def set_rows(self, rows: dict[str, int], paths: dict[str, str]) -> None:
        for name, n in rows.items():
            self.tables[name] = TableRecord(paths[name], n)

    # -- the file -------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        ident = self.identity
        out: dict[str, Any] = {
            "status": self.status,
            "error": self.error,
            "command": self.command,
            "seed": ident.seed,
            "end_date": ident.end_date,
            "days": ident.days,
            "shards": ident.shards,
            "compat": ident.compat,
            "start_date": self.start_date,
            "versions": self.versions,
            "platform": self.platform,
            "tables": {k: {"path": t.path, "rows": t.rows} for k, t in self.tables.items()},
            "event_log": None
            if self.event_log is None
            else {"path": EVENTS, "rows": self.event_log},
            "files": {k: f.to_dict() for k, f in self.files.items()},
            "daily": [d.to_dict() for d in self.daily],
            "timings_seconds": self.timings_seconds,
            "scenario": ident.scenario,
        }
        for key in ("dbt_ok", "score"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunManifest:
        identity = RunIdentity(
            int(data["seed"]),
            str(data["end_date"]),
            int(data["days"]),
            dict(data["scenario"]),
            int(data.get("shards", 1)),
            str(data.get("compat", "jaffle-sim")),
        )
        log = data.get("event_log")
        status = str(data.get("status", "running"))
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        return cls(
            command=str(data.get("command", "")),
            identity=identity,
            start_date=str(data["start_date"]),
            status=status,
            versions=dict(data.get("versions") or {}),
            platform=str(data.get("platform", "")),
            tables={
                str(k): TableRecord(str(v["path"]), int(v["rows"]))
                for k, v in (data.get("tables") or {}).items()
            },
            event_log=dict(log["rows"]) if isinstance(log, dict) else None,
            files={str(k): FileRecord.from_dict(v) for k, v in (data.get("files") or {}).items()},
            daily=[DayRecord.from_dict(d) for d in data.get("daily") or []],
            timings_seconds=dict(data.get("timings_seconds") or {}),
            dbt_ok=data.get("dbt_ok"),
            error=data.get("error"),
            score=data.get("score"),
        )

    @classmethod
    def load(cls, path: Path) -> RunManifest | None:
        """The manifest at `path`; None when there is none. Raises ManifestError (naming the
        file) when it is unreadable, truncated or not a run manifest."""
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_bytes())
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            return cls.from_dict(data)
        except (OSError, UnicodeDecodeError) as exc:
            raise ManifestError(f"cannot read {path}: {exc}") from None
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            detail = f"missing key {exc}" if isinstance(exc, KeyError) else str(exc)
            raise ManifestError(f"{path} is not a readable run manifest ({detail})") from None

    def dump(self, path: Path) -> None:
        with atomic_file(path) as fh:
            fh.write(self._text())

    def dump_at_the_end(self, path: Path) -> None:
        """Write the manifest of a run that has failed or was interrupted: atomically when the
        disk allows, else (a full disk has no room for a second copy) only its status and its
        error (cut to the room the file has for it), changed in place. Never raises OSError: the
        failure that ended the run is the one reported."""
        try:
            self.dump(path)
        except OSError:
            with contextlib.suppress(OSError):
                _set_in_place(path, self.status, self.error)

    def _text(self) -> bytes:
        data = self.to_dict()
        del data["status"], data["error"]
        # One line per day: indenting the day records takes json's slow pure-Python path, and
        # the manifest is written after every day (a year's run wrote 31 s of indentation).
        days = [json.dumps(d, default=str, separators=(", ", ": ")) for d in data["daily"]]
        data["daily"] = _DAYS
        text = json.dumps(data, indent=2, default=str) + "\n"
        listed = "[]" if not days else "[\n    " + ",\n    ".join(days) + "\n  ]"
        text = text.replace(f'"daily": "{_DAYS}"', f'"daily": {listed}', 1)
        # The status and the error first, each padded: room to change them in place.
        error = json.dumps(self.error)
        head = f'{_STATUS_AT.decode()}{self.status}",'.ljust(len(_STATUS_AT) + _STATUS_ROOM)
        head += _ERROR_AT.decode() + f"{error},".ljust(_ERROR_ROOM)
        return (head + text[1:]).encode()


_STATUS_AT = b'{\n  "status": "'
_ERROR_AT = b'\n  "error": '
_DAYS = "daily records"  # where they go (no string inside JSON can hold `"daily": "`)
_STATUS_ROOM = max(len(s) for s in STATUSES) + 2  # the value, its closing quote and the comma
_ERROR_ROOM = 240  # bytes for the error (JSON, with its comma) that a full disk can still write


def _set_in_place(path: Path, status: str, error: str | None) -> None:
    """Overwrite the status and the error of the manifest at `path` in their padded places (no
    new disk space); the error is cut to fit."""
    with open(path, "r+b") as fh:
        head = fh.read(len(_STATUS_AT) + _STATUS_ROOM + len(_ERROR_AT) + (1 << 16))
        at = len(_STATUS_AT) + _STATUS_ROOM
        value = head[len(_STATUS_AT) : at]
        start = at + len(_ERROR_AT)
        room = head.find(b'\n  "', start) - start  # the error's value, its comma and padding
        ours = head.startswith(_STATUS_AT) and head[at:].startswith(_ERROR_AT)
        if not ours or not re.fullmatch(rb'[a-z]+", *', value) or room <= 0:
            return  # not a manifest this tool wrote: leave it alone
        fh.seek(len(_STATUS_AT))
        fh.write(f'{status}",'.encode().ljust(_STATUS_ROOM) + _ERROR_AT + _fitted(error, room))
        fh.flush()
        os.fsync(fh.fileno())


def _fitted(error: str | None, room: int) -> bytes:
    """`error` on one line as a JSON value and a comma, cut (ending in `...`) and padded to
    `room` bytes."""
    line = None if error is None else " ".join(error.split())
    text = json.dumps(line) + ","
    if len(text) > room and line is not None:
        low, high = 0, len(line)  # the longest prefix that fits, by bisection
        while low < high:
            mid = (low + high + 1) // 2
            fits = len(json.dumps(line[:mid] + "...")) < room
            low, high = (mid, high) if fits else (low, mid - 1)
        text = json.dumps(line[:low].rstrip() + "...") + ","
    return text.encode().ljust(room) if len(text) <= room else b"null,".ljust(room)
