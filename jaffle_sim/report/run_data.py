"""A run read back for measuring: its scenario, its calendar and its event log on the simulation
clock, as DuckDB views over the Parquet files of a run folder (or over the frames of an in-memory
`SimulationResult`). Measures query the views and get back only small aggregates (per day, per
hour, per channel, per ad), so the cost of reading a run does not grow with it in memory.

In the views `ev.<kind>` every `*_at` column is whole seconds since midnight UTC of the first
simulated day (the simulation's own clock, negative before the period), and every date column
(`day`, `start_day`, `end_day`) a day number (0 = first simulated day), so that measures use the
units of the scenario. `ev.session` holds each session once; the second deliveries of the noise
floor's duplicated sessions are in `ev.duplicate_session`. Macros `clock_day(s)` and
`second_of_day(s)` floor the clock seconds `s` to a day number and to seconds since midnight.

A run folder's event kind is read from its Parquet parts once, the first time a query names it,
into a table of a scratch database on disk (deleted on `close`): a year of the log is thousands
of small parts, and a report asks dozens of questions of each kind.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa

from jaffle_sim.clock import DAY
from jaffle_sim.output import integrity
from jaffle_sim.output.event_log import DAY_FIELDS, SCHEMAS
from jaffle_sim.output.manifest import ManifestError, RunManifest
from jaffle_sim.output.run_folder import RunFolder
from jaffle_sim.simulation.scenario import Scenario, ScenarioError

if TYPE_CHECKING:
    import duckdb

    from jaffle_sim.api import SimulationResult

_NULLABLE_INT = {pa.int64(): pd.Int64Dtype()}
# Largest sample of single values a distribution check takes (a quantile, say).
SAMPLE_ROWS = 200_000
# A query's references to the views, `ev.kind` or `ev."kind"`.
_REFERENCE = re.compile(r'\bev\."?([a-z_]+)')
T = TypeVar("T")


class RunDataError(ValueError):
    """A folder does not hold a readable run (no manifest, no event log, bad scenario)."""


@dataclass
class RunData:
    """One flavour of a run, read through DuckDB. `events[kind]` (clock-second and day-number
    columns) holds the frames of an in-memory run; a run folder's events stay in their files
    (`folder`)."""

    scenario: Scenario
    start_date: dt.date
    days: int
    flavour: str
    events: dict[str, pd.DataFrame] | None = None
    seed: int | None = None
    folder: Path | None = None
    _con: Any = field(default=None, init=False, repr=False, compare=False)
    _scratch: Any = field(default=None, init=False, repr=False, compare=False)
    _loaded: set[str] = field(default_factory=set, init=False, repr=False, compare=False)
    _memo: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

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

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection with the `ev.<kind>` views (made on first use)."""
        if self._con is None:
            self._con = self._connect()
        return self._con

    def close(self) -> None:
        """Close the DuckDB connection (a later query opens a new one). Measures close it when
        done, so that no DuckDB threads are left running when the process forks workers."""
        if self._con is not None:
            self._con.close()
            self._con = None
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None
        self._loaded.clear()

    def sql(self, query: str) -> pd.DataFrame:
        """The (small) result of one query on the views."""
        return self._execute(query).df()

    def one(self, query: str) -> tuple[Any, ...]:
        """The single row of a query on the views."""
        row = self._execute(query).fetchone()
        assert row is not None
        return tuple(row)

    def _execute(self, query: str) -> duckdb.DuckDBPyConnection:
        """Run `query`; a run folder whose files DuckDB cannot read is a `RunDataError`."""
        import duckdb

        try:
            self._load(query)
            return self.connection.execute(query)
        except duckdb.Error as exc:
            if self.folder is None:
                raise
            raise RunDataError(f"cannot read the event log: {exc}") from None

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """`compute()` once per run: measures shared by the profile and the charts."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def sample(
        self, relation: str, value: str, key: str, n: int | None = None, limit: int = SAMPLE_ROWS
    ) -> np.ndarray:
        """The values `value` of the `n` rows of `relation` (counted when not given): all of
        them up to `limit` rows, otherwise a reproducible sample of about `limit` rows picked by
        the hash of `key` (a Bernoulli sample independent of the values, the threads and the
        order of the files)."""
        if n is None:
            (n,) = self.one(f"select count(*) from ({relation})")
        where = ""
        if n > limit:
            where = f"where hash({key}) < {int(limit / n * 2.0**64)}::ubigint"
        frame = self._execute(f"select {value} as v from ({relation}) {where}")
        return np.asarray(frame.fetchnumpy()["v"], dtype=float)

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
    def from_folder(
        cls, out: Path, flavour: str = "training", manifest: RunManifest | None = None
    ) -> RunData:
        """The event log of one flavour of the run in folder `out` (read when measured), whose
        manifest is read and checked unless the caller did (`manifest`)."""
        folder = RunFolder(Path(out).resolve())
        manifest = manifest or read_manifest(folder)
        try:
            scenario = Scenario.from_dict(manifest.scenario)
            start = dt.date.fromisoformat(manifest.start_date)
        except (TypeError, ValueError, ScenarioError) as exc:
            raise RunDataError(f"{folder.manifest}: cannot read the run: {exc}") from None
        days = manifest.days
        logged = sorted(folder.events.glob(f"kind=*/flavour={flavour}/date=*"))
        if not logged:
            raise RunDataError(
                f"{out}: no {flavour} event log under {folder.events.name}/ (write one with "
                "`jaffle-sim generate all` or `jaffle-sim run`)"
            )
        if manifest.status != "complete":  # an interrupted run: the days it got through
            last = max(dt.date.fromisoformat(p.name.removeprefix("date=")) for p in logged)
            days = min(days, max(1, (last - start).days + 1))  # (history comes before day 0)
        return cls(scenario, start, days, flavour, None, manifest.seed, folder.root)

    def _connect(self) -> duckdb.DuckDBPyConnection:
        import duckdb

        from jaffle_sim.report.run_views import no_progress_bar, open_run

        if self.folder is not None:
            self._scratch = tempfile.TemporaryDirectory(prefix="jaffle-sim-report-")
            con = open_run(self.folder, with_views=False, scratch=Path(self._scratch.name))
        else:
            con = duckdb.connect()
            no_progress_bar(con)
        con.execute("create schema ev")
        con.execute(f"create macro clock_day(s) as floor(s / {DAY})::bigint")
        con.execute(f"create macro second_of_day(s) as (((s % {DAY}) + {DAY}) % {DAY})::bigint")
        if self.events is not None:
            for kind in SCHEMAS:
                con.register(f"_{kind}", _registrable(self.events[kind]))
                con.execute(f'create view ev."{_view(kind)}" as select * from "_{kind}"')
            self._sessions(con)
        return con

    def _load(self, query: str) -> None:
        """Read each event kind `query` names from the run folder, once (see the module)."""
        if self.folder is None:
            return
        con = self.connection
        for name in dict.fromkeys(_REFERENCE.findall(query)):
            kind = "session" if name in _SESSION_VIEWS else name
            if kind in self._loaded or kind not in SCHEMAS:
                continue
            parts = self._parts(kind)
            if parts is not None:
                select = self._clock_select(kind, parts)
            else:
                con.register(f"_{kind}", _registrable(_empty(kind)))
                select = f'select * from "_{kind}"'
            con.execute(f'create table ev."{_view(kind)}" as {select}')
            if kind == "session":
                self._sessions(con)
            self._loaded.add(kind)

    @staticmethod
    def _sessions(con: duckdb.DuckDBPyConnection) -> None:
        """`ev.session` and `ev.duplicate_session` over `ev.delivered_session`."""
        twice = "coalesce(is_duplicate, false)"
        delivered = "select * from ev.delivered_session where"
        con.execute(f"create view ev.session as {delivered} not {twice}")
        con.execute(f"create view ev.duplicate_session as {delivered} {twice}")

    def _parts(self, kind: str) -> Path | None:
        """One Parquet part of this flavour's events of `kind` in the run folder, if any."""
        if self.folder is None:
            return None
        return next(
            iter(RunFolder(self.folder).event_kind(kind, self.flavour).glob("*/*.parquet")), None
        )

    def _clock_select(self, kind: str, part: Path) -> str:
        """A select of this flavour's logged events of `kind` on the clock. It reads only this
        flavour's folder, and the columns it expects from the schema of one part (`part`)."""
        import pyarrow.parquet as pq

        present = set(pq.read_schema(part).names)
        zero = int(dt.datetime.combine(self.start_date, dt.time(), dt.timezone.utc).timestamp())
        cols = []
        for f in SCHEMAS[kind].empty_table().schema:
            q = f'"{f.name}"'
            if f.name not in present:
                cols.append(f"cast(null as {_SQL_TYPE.get(str(f.type), 'varchar')}) as {q}")
            elif f.name.endswith("_at"):
                cols.append(f"cast(round(epoch({q})) as bigint) - {zero} as {q}")
            elif f.name in DAY_FIELDS:
                cols.append(f"cast({q} - date '{self.start_date.isoformat()}' as bigint) as {q}")
            else:
                cols.append(q)
        root = RunFolder(self.folder or Path()).event_kind(kind, self.flavour)
        files = "'" + str(root / "*" / "*.parquet").replace("'", "''") + "'"
        return (
            f"select {', '.join(cols)} from read_parquet({files}, hive_partitioning = true, "
            "union_by_name = true)"
        )


_SQL_TYPE = {
    "int64": "bigint",
    "string": "varchar",
    "bool": "boolean",
    "double": "double",
    "date32[day]": "bigint",
    "timestamp[s, tz=UTC]": "bigint",
    "list<item: string>": "varchar[]",
}


_SESSION_VIEWS = ("session", "delivered_session", "duplicate_session")


def _view(kind: str) -> str:
    """The name under `ev.` that holds every logged event of `kind`."""
    return "delivered_session" if kind == "session" else kind


def read_manifest(folder: RunFolder) -> RunManifest:
    """The run manifest of `folder`; a clear error when there is none, it is unreadable, or the
    run is complete but a file it lists is missing or changed (every reader checks this)."""
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


def _registrable(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` without list columns (no measure reads them; DuckDB scans the rest)."""
    lists = [c for c in frame.columns if c == "session_ids"]
    return frame.drop(columns=lists)


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
