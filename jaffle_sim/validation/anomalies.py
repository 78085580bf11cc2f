"""Anomalies to plant in the validation flavour's tables: small, composable, labelled changes.

An `Anomaly` says what to plant (kind: one of `KINDS`, which fixes its table and column), on
which simulated day (`day`: -1 is the last day, or a date) and how strongly (`share`, `factor`,
`value`, ...). `inject` applies a list of them to clean tables, each with its own random stream,
in the kinds' order of application, and returns the changed tables and, per anomaly, the number
of rows it changed: the ground truth (`ground_truth.PlantedRecord`) with the dbt tests expected
to catch each one.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jaffle_sim.simulation.streams import Streams
from jaffle_sim.validation.ground_truth import PlantedRecord
from jaffle_sim.validation.kinds import KINDS
from jaffle_sim.validation.registry import Kind, Stage, Tables

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "DEFAULT_ANOMALIES",
    "KINDS",
    "ORDER",
    "Anomaly",
    "AnomalyError",
    "Kind",
    "Planted",
    "Stage",
    "Tables",
    "inject",
    "load_anomalies",
]

# The kinds in their order of application (KINDS is kept in that order).
ORDER: tuple[str, ...] = tuple(KINDS)


class AnomalyError(ValueError):
    """An anomaly specification is invalid; the message names the entry and key."""


@dataclass(frozen=True)
class Anomaly:
    """One anomaly to plant: `kind`, the simulated `day` (negative: counted from the last day, -1
    being the last; or a date) and parameters overriding the kind's defaults."""

    kind: str
    day: int | dt.date
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise AnomalyError(
                f"unknown anomaly kind {self.kind!r}; expected one of {', '.join(KINDS)}"
            )
        unknown = set(self.params) - set(KINDS[self.kind].defaults)
        if unknown:
            allowed = ", ".join(KINDS[self.kind].defaults) or "none"
            raise AnomalyError(
                f"{self.kind}: unknown parameter(s) {sorted(unknown)}; allowed: {allowed}"
            )
        for key in ("share", "keep"):
            value = self.params.get(key)
            if value is not None and not (isinstance(value, (int, float)) and 0 <= value <= 1):
                raise AnomalyError(f"{self.kind}: {key} must be in [0, 1], got {value!r}")
        factor = self.params.get("factor")
        if factor is not None and not (isinstance(factor, (int, float)) and factor > 0):
            raise AnomalyError(f"{self.kind}: factor must be > 0, got {factor!r}")
        hour = self.params.get("hour")
        if hour is not None and not (isinstance(hour, int) and 0 <= hour <= 23):
            raise AnomalyError(f"{self.kind}: hour must be a whole number 0-23, got {hour!r}")
        if isinstance(self.day, int) and self.day >= 0:
            raise AnomalyError(f"{self.kind}: day must be negative (-1 = last day) or a date")

    @property
    def spec(self) -> Kind:
        return KINDS[self.kind]

    def param(self, key: str) -> Any:
        return self.params.get(key, self.spec.defaults[key])

    def resolved(self) -> dict[str, Any]:
        """Every parameter of the kind, in the kind's order, defaults filled in."""
        return {k: self.param(k) for k in self.spec.defaults}

    def date(self, end_date: dt.date) -> dt.date:
        if isinstance(self.day, dt.date):
            return self.day
        return end_date + dt.timedelta(days=self.day + 1)


DEFAULT_ANOMALIES: tuple[Anomaly, ...] = (
    Anomaly("freshness_gap", -1),
    Anomaly("schema_change", -2),
    Anomaly("invalid_status", -3),
    Anomaly("duplicate_order_ids", -3),
    Anomaly("volume_spike", -4),
    Anomaly("volume_drop", -5),
    Anomaly("hour_shift", -6),
    Anomaly("zero_amounts", -3),
    Anomaly("amount_shift", -6),
    Anomaly("method_mix_shift", -5),
    Anomaly("blank_first_names", -3),
    Anomaly("names_swapped", -2),
    Anomaly("shared_email", -4),
    Anomaly("duplicate_signup_ids", -3),
    Anomaly("customers_without_signup", -5),
    Anomaly("orphan_signups", -6),
)


def load_anomalies(spec: str | None) -> tuple[Anomaly, ...]:
    """`None`: the default set; `"none"`: no anomalies; otherwise a TOML file of
    `[[anomaly]]` tables with `kind`, `day` and parameters."""
    if spec is None:
        return DEFAULT_ANOMALIES
    if spec == "none":
        return ()
    path = Path(spec)
    if not path.is_file():
        raise AnomalyError(f"no such file: {path}")
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise AnomalyError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(data) - {"anomaly"}
    if unknown:
        raise AnomalyError(f"{path}: unknown key(s) {sorted(unknown)}; expected [[anomaly]] tables")
    out = []
    for i, entry in enumerate(data.get("anomaly", []), start=1):
        where = f"{path}: anomaly {i}"
        if not isinstance(entry, dict) or "kind" not in entry or "day" not in entry:
            raise AnomalyError(f"{where}: needs kind and day")
        params = {k: v for k, v in entry.items() if k not in ("kind", "day")}
        try:
            out.append(Anomaly(entry["kind"], entry["day"], params))
        except AnomalyError as exc:
            raise AnomalyError(f"{where}: {exc}") from None
    return tuple(out)


@dataclass(frozen=True)
class Planted:
    """An anomaly as planted: its id, date and the number of rows it changed."""

    id: str
    anomaly: Anomaly
    date: dt.date
    rows: int

    def record(self) -> PlantedRecord:
        """Its entry in the ground truth."""
        kind = self.anomaly.spec
        return PlantedRecord(
            id=self.id,
            kind=kind.name,
            table=f"raw_{kind.table}_validation",
            column=kind.column,
            dates=(self.date,),
            rows=self.rows,
            params=self.anomaly.resolved(),
            expected_tests=kind.expected_tests,
            description=kind.description,
        )

    def to_dict(self) -> dict[str, Any]:
        return self.record().to_dict()


def inject(
    clean: Tables,
    anomalies: Sequence[Anomaly],
    calendar_dates: Sequence[dt.date],
    seed: int,
    up_to: dt.date,
) -> tuple[Tables, list[Planted]]:
    """Plant every anomaly whose date is within the calendar and not after `up_to`, in the
    kinds' order of application. Each anomaly draws from its own stream (seed, its position), so
    planting is the same at every publish."""
    tables = clean.copy()
    end = max(calendar_dates)
    planted = []
    numbered = sorted(enumerate(anomalies, start=1), key=lambda item: item[1].spec.order)
    for number, anomaly in numbered:
        date = anomaly.date(end)
        if date not in calendar_dates or date > up_to:
            continue
        rng = Streams(seed, "validation").generator("anomalies", number)
        rows = anomaly.spec.inject(tables, anomaly.resolved(), date, rng)
        planted.append(Planted(f"a{number:02d}", anomaly, date, rows))
    planted.sort(key=lambda p: p.id)
    return tables, planted
