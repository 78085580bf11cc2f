"""Spill files: where one flavour and shard keeps its table rows until they are published.

`TableSpill` is the day-tick hook a shard runs (in whichever process or cluster worker simulates
it): every day it projects the events onto the tables (`TableStream`) and appends the new rows
to its files in `RunFolder.spill(flavour, shard)`, and rewrites the orders whose status can still
change. CSV spills hold CSV rows without a header (the seeds are their concatenation); Arrow
spills hold one IPC file per table and day (the validation flavour reads them back unchanged to
plant anomalies). Publishers in the client merge the shards' spills in shard order.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import IO

import pyarrow as pa
import pyarrow.csv as pacsv

from jaffle_sim.clock import SimDay
from jaffle_sim.events import DayEvents
from jaffle_sim.output.run_folder import RunFolder, atomic_file
from jaffle_sim.output.tables import TableStream
from jaffle_sim.simulation.hooks import RunInfo

_CSV = pacsv.WriteOptions(include_header=False, quoting_style="needed")
LIVE = ".live"  # the file of the orders whose status can still change


def write_csv_rows(table: pa.Table, fh: IO[bytes]) -> None:
    if table.num_rows:
        pacsv.write_csv(table, fh, _CSV)


def write_arrow(table: pa.Table, path: Path) -> None:
    with atomic_file(path, durable=False) as fh, pa.ipc.new_stream(fh, table.schema) as writer:
        writer.write_table(table)


def read_arrow(path: Path) -> pa.Table:
    with pa.OSFile(str(path)) as fh:
        return pa.ipc.open_stream(fh).read_all()


class TableSpill:
    """Day-tick hook of one flavour and shard: appends each day's new rows of `tables` to the
    spill folder, as CSV rows (`arrow=False`) or Arrow files, and on the days the tables are
    published (every `publish_every` days, 0: none but the last) the orders whose status can
    still change. `rows` counts the settled rows spilled per table; `live` the live orders."""

    def __init__(
        self,
        folder: RunFolder,
        tables: Iterable[str],
        shard: int,
        arrow: bool = False,
        publish_every: int = 0,
    ):
        self.folder = folder
        self.tables = list(tables)
        self.shard = shard
        self.arrow = arrow
        self.publish_every = publish_every
        self.rows: dict[str, int] = dict.fromkeys(self.tables, 0)
        self.live = 0
        self._dir = folder.staging
        self._csv: dict[str, IO[bytes]] = {}
        self._stream: TableStream | None = None
        self._stream_days = 0

    def start(self, run: RunInfo) -> None:
        self._stream = TableStream.for_run(run)
        self._stream_days = run.calendar.days
        self._dir = self.folder.spill(run.flavour, self.shard)
        if self._dir.exists():
            shutil.rmtree(self._dir)
        self._dir.mkdir(parents=True)
        if not self.arrow:
            self._csv = {name: open(self._dir / f"{name}.csv", "wb") for name in self.tables}  # noqa: SIM115

    def day(self, day: SimDay, events: DayEvents) -> None:
        assert self._stream is not None, "start() first"
        new = self._stream.day(events, day.end)
        for name in self.tables:
            rows = new.get(name)
            if rows is None:
                continue
            if self.arrow:
                if rows.num_rows:
                    write_arrow(rows, self._dir / name / f"{day.index:05d}.arrow")
            else:
                write_csv_rows(rows, self._csv[name])
                self._csv[name].flush()
            self.rows[name] += rows.num_rows
        orders = self._stream.orders_table
        self.live = len(self._stream.orders)
        last = day.index == self._stream_days - 1
        every = self.publish_every
        if orders in self.tables and (last or (every > 0 and (day.index + 1) % every == 0)):
            live = self._stream.orders.live(day.end)
            self.live = live.num_rows
            if self.arrow:
                write_arrow(live, self._dir / f"{orders}{LIVE}.arrow")
            else:
                with atomic_file(self._dir / f"{orders}{LIVE}.csv", durable=False) as fh:
                    write_csv_rows(live, fh)

    def end(self) -> None:
        for fh in self._csv.values():
            fh.close()
        self._csv = {}


def csv_parts(folder: RunFolder, flavour: str, shards: int, table: str) -> list[Path]:
    """The spilled CSV files of `table` in the order the seed concatenates them: per shard, the
    settled rows then the live orders."""
    out = []
    for shard in range(shards):
        spill = folder.spill(flavour, shard)
        out.append(spill / f"{table}.csv")
        live = spill / f"{table}{LIVE}.csv"
        if live.exists():
            out.append(live)
    return out


def arrow_paths(folder: RunFolder, flavour: str, shards: int, table: str) -> list[Path]:
    """The spilled Arrow files of `table`, per shard: each day's settled rows, then the live
    orders."""
    out = []
    for shard in range(shards):
        spill = folder.spill(flavour, shard)
        out += sorted((spill / table).glob("*.arrow"))
        live = spill / f"{table}{LIVE}.arrow"
        if live.exists():
            out.append(live)
    return out
