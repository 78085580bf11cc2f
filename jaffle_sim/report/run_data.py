"""A run read back for measuring: its scenario, its calendar and its event log on the simulation
clock, from an in-memory `SimulationResult` or from the files of a run folder.

Every `*_at` column becomes whole seconds since midnight UTC of the first simulated day (the
simulation's own clock, negative before the period), and every date column (`day`, `start_day`,
`end_day`) becomes a day number (0 = first simulated day), so that measures can use the same units
as the scenario.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from jaffle_sim.clock import DAY
from jaffle_sim.output import integrity
from jaffle_sim.output.event_log import DAY_FIELDS, SCHEMAS
from jaffle_sim.output.manifest import ManifestError, RunManifest
from jaffle_sim.output.run_folder import RunFolder
from jaffle_sim.simulation.scenario import Scenario, ScenarioError

if TYPE_CHECKING:
    from jaffle_sim.api import SimulationResult

_NULLABLE_INT = {pa.int64(): pd.Int64Dtype()}


class RunDataError(ValueError):
    """A folder does not hold a readable run (no manifest, no event log, bad scenario)."""


@dataclass
class RunData:
    """One flavour of a run: `events[kind]` with clock-second and day-number columns.

    Each session is in `events["session"]` once; the second deliveries of the noise floor's
    duplicated sessions (`is_duplicate`) are set apart in `duplicate_sessions`."""

    scenario: Scenario
    start_date: dt.date
    days: int
    flavour: str
    events: dict[str, pd.DataFrame]
    seed: int | None = None
    duplicate_sessions: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        if self.duplicate_sessions is not None or "session" not in self.events:
            return
        sessions = self.events["session"]
        if "is_duplicate" not in sessions:
            self.duplicate_sessions = sessions.iloc[:0]
            return
        twice = sessions.is_duplicate.to_numpy(dtype=bool)
        self.events = {**self.events, "session": sessions[~twice].reset_index(drop=True)}
        self.duplicate_sessions = sessions[twice].reset_index(drop=True)

    @property
    def end_seconds(self) -> int:
        """Clock time of the end of the last simulated day."""
        return self.days * DAY

    @property
    def dates(self) -> pd.DatetimeIndex:
        """The simulated days as dates (index 0 = day 0)."""
        return pd.date_range(self.start_date, periods=self.days, freq="D")

    @property
    def start_weekday(self) -> int:
        """Weekday of day 0 (Monday = 0)."""
        return self.start_date.weekday()

    @classmethod
    def from_result(cls, result: SimulationResult) -> RunData:
        """The events of an in-memory run (`jaffle_sim.simulate`)."""
        start = result.calendar.start_date
        events = {
            kind: _on_clock(result.events[kind], start) if kind in result.events else _empty(kind)
            for kind in SCHEMAS
        }
        return cls(
            result.scenario, start, result.calendar.days, result.flavour, events, result.seed
        )

    @classmethod
    def from_folder(cls, out: Path, flavour: str = "training") -> RunData:
        """The event log of one flavour of the run in folder `out`."""
        folder = RunFolder(out)
        manifest = read_manifest(folder)
        try:
            scenario = Scenario.from_dict(manifest.scenario)
            start = dt.date.fromisoformat(manifest.start_date)
        except (TypeError, ValueError, ScenarioError) as exc:
            raise RunDataError(f"{folder.manifest}: cannot read the run: {exc}") from None
        days = manifest.days
        events = {kind: _on_clock(read_events(folder, kind, flavour), start) for kind in SCHEMAS}
        logged = sorted(folder.events.glob(f"kind=*/flavour={flavour}/date=*"))
        if not logged:
            raise RunDataError(
                f"{out}: no {flavour} event log under {folder.events.name}/ (write one with "
                "`jaffle-sim generate all` or `jaffle-sim run`)"
            )
        if manifest.status != "complete":  # an interrupted run: the days it got through
            last = max(dt.date.fromisoformat(p.name.removeprefix("date=")) for p in logged)
            days = min(days, (last - start).days + 1)
        return cls(scenario, start, days, flavour, events, manifest.seed)


def read_manifest(folder: RunFolder) -> RunManifest:
    """The run manifest of `folder`; a clear error when there is none or it is unreadable."""
    try:
        manifest = RunManifest.load(folder.manifest)
    except ManifestError as exc:
        raise RunDataError(str(exc)) from None
    if manifest is None:
        raise RunDataError(
            f"{folder.root}: no {folder.manifest.name}; is this the output folder of a run?"
        )
    damaged = integrity.damage(folder, manifest)
    if damaged is not None:
        raise RunDataError(damaged)
    return manifest


def read_events(folder: RunFolder, kind: str, flavour: str = "training") -> pd.DataFrame:
    """All days of one event kind of one flavour, in date order, timestamps in UTC."""
    files = sorted(folder.event_kind(kind, flavour).glob("date=*/part-*.parquet"))
    if not files:
        return SCHEMAS[kind].empty_table().to_pandas(types_mapper=_NULLABLE_INT.get)
    try:
        table = pa.concat_tables([pq.read_table(f) for f in files])
    except (OSError, pa.ArrowException) as exc:
        raise RunDataError(f"cannot read the event log: {exc}") from None
    return table.to_pandas(types_mapper=_NULLABLE_INT.get)


def _empty(kind: str) -> pd.DataFrame:
    return _on_clock(
        SCHEMAS[kind].empty_table().to_pandas(types_mapper=_NULLABLE_INT.get), dt.date(2000, 1, 1)
    )


def _on_clock(frame: pd.DataFrame, start: dt.date) -> pd.DataFrame:
    """Timestamps -> clock seconds, dates -> day numbers (relative to `start`)."""
    out = frame.copy()
    zero = pd.Timestamp(start, tz="UTC")
    for col in out.columns:
        if col.endswith("_at"):
            seconds = (pd.to_datetime(out[col], utc=True) - zero) / pd.Timedelta(seconds=1)
            out[col] = np.rint(seconds.to_numpy(dtype=float)).astype(np.int64)
        elif col in DAY_FIELDS:
            days = (pd.to_datetime(out[col]) - pd.Timestamp(start)) / pd.Timedelta(days=1)
            out[col] = np.rint(days.to_numpy(dtype=float)).astype(np.int64)
    return out
