"""The CSV seed writer: a day-tick hook that keeps every selected table of one flavour as a dbt
seed file.

Rows are appended day by day to spill files in the run's staging folder, so memory holds one day
of rows (plus the orders whose status can still change). `publish` writes each table under its
real name atomically: header, settled rows, live rows. A run publishes after every day (the
warehouse loads the files daily) or only at the end.
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
from jaffle_sim.output.contract import TABLES
from jaffle_sim.output.run_folder import RunFolder, atomic_file
from jaffle_sim.output.tables import TableStream
from jaffle_sim.simulation.hooks import RunInfo

_OPTIONS = pacsv.WriteOptions(include_header=False, quoting_style="needed")


def write_csv_rows(table: pa.Table, fh: IO[bytes]) -> None:
    if table.num_rows:
        pacsv.write_csv(table, fh, _OPTIONS)


def csv_header(columns: Iterable[str]) -> bytes:
    return (",".join(f'"{c}"' for c in columns) + "\n").encode()


class CsvSeeds:
    """Writes the selected tables of one flavour as CSV seeds. After each `publish`, `changed`
    names the tables whose content differs from the previous publish."""

    def __init__(self, folder: RunFolder, tables: Iterable[str], publish_daily: bool):
        self.folder = folder
        self.tables = [t for t in TABLES if t in set(tables)]
        self.publish_daily = publish_daily
        self.rows: dict[str, int] = dict.fromkeys(self.tables, 0)
        self.changed: list[str] = []
        self._published: dict[str, int] = {}
        self._spill: dict[str, IO[bytes]] = {}
        self._stream: TableStream | None = None

    # -- hook --------------------------------------------------------------------------------
    def start(self, run: RunInfo) -> None:
        self._stream = TableStream.for_run(run)
        self.folder.staging.mkdir(parents=True, exist_ok=True)
        for name in self.tables:
            self._spill[name] = open(self._spill_path(name), "wb")  # noqa: SIM115

    def day(self, day: SimDay, events: DayEvents) -> None:
        assert self._stream is not None, "start() first"
        new = self._stream.day(events, day.end)
        for name in self.tables:
            if name in new:
                write_csv_rows(new[name], self._spill[name])
                self.rows[name] += new[name].num_rows
        if self.publish_daily:
            self.publish()

    def end(self) -> None:
        self.publish()
        for fh in self._spill.values():
            fh.close()
        shutil.rmtree(self.folder.staging, ignore_errors=True)

    # -- files --------------------------------------------------------------------------------
    def _spill_path(self, name: str) -> Path:
        return self.folder.staging / f"{name}.csv"

    def publish(self) -> None:
        """Write every table under its real name (atomically)."""
        assert self._stream is not None, "start() first"
        orders = self._stream.orders_table
        self.changed = [
            name
            for name in self.tables
            if self._published.get(name) != self.rows[name]
            or (name == orders and len(self._stream.orders))
        ]
        for name in self.tables:
            spill = self._spill[name]
            spill.flush()
            with atomic_file(self.folder.table(name)) as out:
                out.write(csv_header(TABLES[name].columns))
                with open(self._spill_path(name), "rb") as src:
                    shutil.copyfileobj(src, out, 1 << 20)
                if name == orders:
                    write_csv_rows(self._stream.orders.live(), out)
            self._published[name] = self.rows[name]

    def row_counts(self) -> dict[str, int]:
        """Rows per table as published (orders: settled plus live)."""
        counts = dict(self.rows)
        if self._stream is not None and self._stream.orders_table in counts:
            counts[self._stream.orders_table] += len(self._stream.orders)
        return counts
