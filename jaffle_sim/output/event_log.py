"""The Parquet event log: a day-tick hook writing each day's events, a file per kind and day.

Layout: `events/kind=<kind>/flavour=<flavour>/date=<YYYY-MM-DD>/part-<shard>.parquet` (Hive
partitions: `pandas.read_parquet("OUT/events/kind=order_placed")` loads a kind across days, and
DuckDB's `read_parquet('OUT/events/*/*/*/*.parquet', hive_partitioning = true, union_by_name =
true)` every kind). `date` is the date of the event itself (`EVENT_DATE`: the column that says
when it happened), so the history a run starts with (the sign-ups of the customers who exist on
day 0, the ads already running, their sessions the day before) is in the partitions of its own
dates before day 0. Each shard of a run writes its own part, so shards never share a file.
`*_at` columns are UTC timestamps, day numbers are dates, money stays in integer cents.
"""

from __future__ import annotations

import datetime as dt
import typing
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from jaffle_sim.clock import DAY, SimDay
from jaffle_sim.events import EVENT_TYPES, DayEvents
from jaffle_sim.output.run_folder import RunFolder, atomic_file
from jaffle_sim.output.tables import dates
from jaffle_sim.simulation.hooks import RunInfo

DAY_FIELDS = ("day", "start_day", "end_day")
# Per kind, the column whose date is the event's partition.
EVENT_DATE = {
    "ad_launched": "start_day",
    "ad_day": "day",
    "click": "clicked_at",
    "session": "started_at",
    "signed_up": "signed_up_at",
    "journey_converted": "converted_at",
    "order_placed": "ordered_at",
    "payment_made": "paid_at",
    "order_status_changed": "changed_at",
    "customer_churned": "churned_at",
    "touch_credited": "converted_at",
}


def _arrow_type(name: str, hint: Any) -> pa.DataType:
    if name.endswith("_at"):
        return pa.timestamp("s", tz="UTC")
    if name in DAY_FIELDS:
        return pa.date32()
    args = set(typing.get_args(hint)) - {type(None)}
    base = next(iter(args)) if args and typing.get_origin(hint) is not list else hint
    if typing.get_origin(hint) is list:
        return pa.list_(pa.string())
    return {int: pa.int64(), float: pa.float64(), bool: pa.bool_(), str: pa.string()}[base]


SCHEMAS: dict[str, pa.Schema] = {
    kind: pa.schema(
        [(name, _arrow_type(name, hint)) for name, hint in typing.get_type_hints(etype).items()]
    )
    for kind, etype in EVENT_TYPES.items()
}


class ParquetEventLog:
    """Writes one flavour's events to the event log, a file per kind and day."""

    def __init__(self, folder: RunFolder, shard: int = 0):
        self.folder = folder
        self.shard = shard
        self.rows: dict[str, int] = dict.fromkeys(EVENT_TYPES, 0)
        self._epoch = 0
        self._flavour = "training"

    def start(self, run: RunInfo) -> None:
        self._epoch = run.calendar.epoch_seconds
        self._flavour = run.flavour

    def day(self, day: SimDay, events: DayEvents) -> None:
        for kind in SCHEMAS:
            n = events.count(kind)
            if n == 0:
                continue
            table = event_table(kind, events[kind], self._epoch)
            days = _day_numbers(kind, events[kind])
            numbers = np.unique(days)
            for number in numbers.tolist():
                if number > day.index or (number < day.index and day.index > 0):
                    raise ValueError(
                        f"a {kind} event of day {number} was logged on day {day.index}"
                    )
                rows = table if len(numbers) == 1 else table.filter(pa.array(days == number))
                date = day.date + dt.timedelta(days=number - day.index)
                path = self.folder.event_part(kind, self._flavour, date.isoformat(), self.shard)
                with atomic_file(path, durable=False) as fh:
                    fh.write(parquet_bytes(rows))
            self.rows[kind] += n

    def end(self) -> None:
        pass


def _day_numbers(kind: str, columns: dict[str, Any]) -> np.ndarray:
    """The day number (0 = the first simulated day) of each event of `kind`."""
    name = EVENT_DATE[kind]
    values = np.asarray(columns[name], dtype=np.int64)
    return values if name in DAY_FIELDS else np.floor_divide(values, DAY)


def parquet_bytes(table: pa.Table) -> pa.Buffer:
    """`table` as the bytes of a Parquet file, encoded in memory and written in one call: a
    day's part is small, and pyarrow's per-file costs (a Python file object, a zstd context per
    column) would otherwise be most of the event log's time. Snappy, as DuckDB writes by default."""
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="snappy")
    return sink.getvalue()


def event_table(kind: str, columns: dict[str, Any], epoch: int) -> pa.Table:
    """One kind of a day's events as an Arrow table: clock seconds become UTC timestamps (`epoch`
    is the Unix time of the clock's zero), day numbers become dates."""
    schema = SCHEMAS[kind]
    arrays = []
    for field in schema:
        values = columns[field.name]
        if pa.types.is_timestamp(field.type):
            arrays.append(pa.array(np.asarray(values, dtype=np.int64) + epoch, field.type))
        elif pa.types.is_date32(field.type):
            arrays.append(dates(values, epoch))
        else:
            arrays.append(pa.array(values, field.type))
    return pa.Table.from_arrays(arrays, schema=schema)
