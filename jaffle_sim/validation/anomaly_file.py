"""`--anomalies` read and checked: the TOML file's shape and value types, and every anomaly's day
one of the run's days. Every problem is a `BadInput` naming the file, the entry and the key."""

from __future__ import annotations

import datetime as dt
import math
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jaffle_sim.clock import Calendar
from jaffle_sim.settings import BadInput, read_text, whole

if TYPE_CHECKING:
    from jaffle_sim.validation.anomalies import Anomaly

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def parse_anomalies(spec: str | None, calendar: Calendar | None = None) -> tuple[Anomaly, ...]:
    """`--anomalies`: None (the default set), "none", or a TOML file of `[[anomaly]]` tables.
    With `calendar`, every anomaly's day must be one of the run's days."""
    from jaffle_sim.validation.anomalies import AnomalyError, load_anomalies

    if spec is not None and spec != "none":
        _check_anomaly_file(Path(spec))
    try:
        anomalies = load_anomalies(spec)
    except (AnomalyError, ValueError, TypeError) as exc:
        raise BadInput(f"--anomalies: {exc}") from None
    if calendar is not None and spec is not None and spec != "none":
        for number, anomaly in enumerate(anomalies, start=1):
            try:
                date = anomaly.date(calendar.end_date)
            except OverflowError:
                date = None
            if date is None or not calendar.start_date <= date <= calendar.end_date:
                raise BadInput(
                    f"--anomalies {spec}: anomaly {number} ({anomaly.kind}): day {anomaly.day} "
                    f"is not a day of the run ({calendar.start_date} to {calendar.end_date})"
                )
    return anomalies


def _check_anomaly_file(path: Path) -> None:
    """The file's shape and value types, each problem naming the file, entry and key."""
    from jaffle_sim.validation.anomalies import KINDS

    text = read_text(path, "--anomalies")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"--anomalies {path}: not valid TOML: {exc}") from None
    entries = data.get("anomaly", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise BadInput(f"--anomalies {path}: anomaly must be [[anomaly]] tables")
    for number, entry in enumerate(entries, start=1):
        where = f"--anomalies {path}: anomaly {number}"
        kind = entry.get("kind")
        if not isinstance(kind, str):
            raise BadInput(f"{where}: kind must be one of {', '.join(KINDS)}, got {kind!r}")
        day = entry.get("day")
        if day is not None and not (
            whole(day) or (isinstance(day, dt.date) and not isinstance(day, dt.datetime))
        ):
            raise BadInput(
                f"{where} ({kind}): day must be a whole number of days (-1 = the last day) or a "
                f"date, got {day!r}"
            )
        defaults: Mapping[str, Any] = KINDS[kind].defaults if kind in KINDS else {}
        for key, default in defaults.items():
            if key in entry and not _same_type(entry[key], default):
                expected = "text" if isinstance(default, str) else "a number"
                if whole(default):
                    expected = "a whole number"
                raise BadInput(f"{where} ({kind}): {key} must be {expected}, got {entry[key]!r}")


def _same_type(value: Any, default: Any) -> bool:
    if isinstance(default, str):
        return isinstance(value, str)
    if whole(default):
        return whole(value)
    if isinstance(default, float):
        return (
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            and (math.isfinite(value))
        )
    return True
