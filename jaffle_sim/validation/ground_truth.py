"""The ground truth of the validation flavour: every anomaly planted, as the run folder keeps it
(`RunFolder.anomalies`). This module is its only reader and writer.

The file is JSON with two-space indents and a final newline:

    {"seed": 3, "start_date": "2026-06-01", "end_date": "2026-06-30",
     "published_through": "2026-06-30",
     "anomalies": [{"id": "a01", "kind": "freshness_gap", "table": "raw_orders_validation",
                    "column": null, "dates": ["2026-06-30"], "rows": 212, "params": {},
                    "expected_tests": ["orders_freshness", ...], "description": "...",
                    "detected_by": [...], "detected": true}, ...]}

`detected_by` and `detected` appear once `jaffle-sim score` has scored the run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jaffle_sim.output.run_folder import atomic_file


class GroundTruthError(ValueError):
    """The ground-truth file is missing, unreadable or not in its format; the message names the
    file and what is wrong."""


@dataclass(frozen=True)
class PlantedRecord:
    """One planted anomaly: its id, kind, the table and column it changed (column None when it
    added or removed whole rows), its dates, how many rows it changed, its parameters, the tests
    expected to catch it and its description; once scored, whether it was `detected` and by
    which of the expected tests (`detected_by`), None before."""

    id: str
    kind: str
    table: str
    column: str | None
    dates: tuple[dt.date, ...]
    rows: int
    params: Mapping[str, Any]
    expected_tests: tuple[str, ...]
    description: str
    detected: bool | None = None
    detected_by: tuple[str, ...] | None = None

    def scored(self, detected_by: Iterable[str]) -> PlantedRecord:
        """This record with a score: caught by `detected_by` (detected when it is not empty)."""
        found = tuple(detected_by)
        return dataclasses.replace(self, detected_by=found, detected=bool(found))

    def to_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "table": self.table,
            "column": self.column,
            "dates": [d.isoformat() for d in self.dates],
            "rows": self.rows,
            "params": dict(self.params),
            "expected_tests": list(self.expected_tests),
            "description": self.description,
        }
        if self.detected_by is not None:
            entry["detected_by"] = list(self.detected_by)
        if self.detected is not None:
            entry["detected"] = self.detected
        return entry

    @classmethod
    def from_dict(cls, entry: Any, where: str = "anomaly") -> PlantedRecord:
        """Read one entry; raises GroundTruthError (prefixed with `where`) when it is not in
        the format."""
        read = _Fields(entry, where)
        record = cls(
            id=read.text("id"),
            kind=read.text("kind"),
            table=read.text("table"),
            column=read.optional_text("column"),
            dates=tuple(read.date(d, "dates") for d in read.strings("dates")),
            rows=read.whole("rows"),
            params=read.mapping("params"),
            expected_tests=read.strings("expected_tests"),
            description=read.text("description"),
            detected=read.optional_flag("detected"),
            detected_by=read.strings("detected_by") if "detected_by" in entry else None,
        )
        read.no_others()
        return record


@dataclass(frozen=True)
class GroundTruth:
    """What a run planted in its validation flavour: the run's seed and calendar, the last day
    the validation tables were published for, and every anomaly planted up to that day."""

    seed: int
    start_date: dt.date
    end_date: dt.date
    published_through: dt.date
    anomalies: tuple[PlantedRecord, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "start_date": self.start_date.isoformat(),
            "end_date": self.end_date.isoformat(),
            "published_through": self.published_through.isoformat(),
            "anomalies": [a.to_dict() for a in self.anomalies],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    def dump(self, path: Path) -> None:
        """Write the file atomically (a crash leaves the previous file, never half of one)."""
        with atomic_file(path) as fh:
            fh.write(self.to_json().encode())

    @classmethod
    def from_dict(cls, data: Any, where: str) -> GroundTruth:
        read = _Fields(data, where)
        entries = read.value("anomalies", list, "a list")
        truth = cls(
            seed=read.whole("seed"),
            start_date=read.date(read.text("start_date"), "start_date"),
            end_date=read.date(read.text("end_date"), "end_date"),
            published_through=read.date(read.text("published_through"), "published_through"),
            anomalies=tuple(
                PlantedRecord.from_dict(e, f"{where}: anomaly {i} ({_label(e)})")
                for i, e in enumerate(entries, start=1)
            ),
        )
        read.no_others()
        return truth


def load(path: Path) -> GroundTruth:
    """Read the ground truth at `path`; raises GroundTruthError naming the file and the problem
    when it is missing, unreadable, truncated, not JSON or not in the format."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GroundTruthError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GroundTruthError(f"{path}: cannot be read: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise GroundTruthError(
            f"{path}: not valid JSON (truncated or damaged?): {exc.msg} at line {exc.lineno} "
            f"column {exc.colno}"
        ) from None
    return GroundTruth.from_dict(data, str(path))


def _label(entry: Any) -> str:
    found = entry.get("id") if isinstance(entry, dict) else None
    return found if isinstance(found, str) else "no id"


class _Fields:
    """Typed access to one JSON object's keys, with errors that say where and what."""

    def __init__(self, data: Any, where: str):
        if not isinstance(data, dict):
            raise GroundTruthError(f"{where}: expected a JSON object, got {_kind(data)}")
        self.data: dict[str, Any] = data
        self.where = where
        self.read: set[str] = set()

    def fail(self, key: str, expected: str, value: Any) -> GroundTruthError:
        return GroundTruthError(f"{self.where}: {key!r} must be {expected}, got {_kind(value)}")

    def value(self, key: str, types: type | tuple[type, ...], expected: str) -> Any:
        self.read.add(key)
        if key not in self.data:
            raise GroundTruthError(f"{self.where}: {key!r} is missing")
        value = self.data[key]
        # JSON true/false are Python bools, which are ints too: only a flag may be one.
        if not isinstance(value, types) or (isinstance(value, bool) and types is not bool):
            raise self.fail(key, expected, value)
        return value

    def text(self, key: str) -> str:
        return str(self.value(key, str, "a string"))

    def optional_text(self, key: str) -> str | None:
        self.read.add(key)
        if self.data.get(key, "") is None:
            return None
        return self.text(key)

    def whole(self, key: str) -> int:
        return int(self.value(key, int, "a whole number"))

    def optional_flag(self, key: str) -> bool | None:
        self.read.add(key)
        if key not in self.data:
            return None
        return bool(self.value(key, bool, "true or false"))

    def strings(self, key: str) -> tuple[str, ...]:
        items = self.value(key, list, "a list of strings")
        if not all(isinstance(item, str) for item in items):
            raise self.fail(key, "a list of strings", items)
        return tuple(items)

    def mapping(self, key: str) -> dict[str, Any]:
        return dict(self.value(key, dict, "an object"))

    def date(self, text: str, key: str) -> dt.date:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise GroundTruthError(
                f"{self.where}: {key!r} holds {text!r}, not a date (YYYY-MM-DD)"
            ) from None

    def no_others(self) -> None:
        unknown = sorted(set(self.data) - self.read)
        if unknown:
            raise GroundTruthError(f"{self.where}: unknown key(s) {unknown}")


def _kind(value: Any) -> str:
    """How a JSON value reads in a message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {value!r}" if len(value) <= 40 else "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"
