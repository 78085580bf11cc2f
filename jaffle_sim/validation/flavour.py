"""The validation flavour's tables: new data of the same shop, with labelled anomalies.

A day-tick hook of the validation simulation. It collects the flavour's four account tables
(customers, orders, payments, signups) and publishes them, every `every` days and after the last
day, with every anomaly dated up to that day planted, plus the ground truth of what was planted
(`ground_truth`). Planting starts from the clean tables at every publish, so a day's anomaly is
the same whenever it is written.

Between publishes the clean rows wait on disk, in anonymous spill files in the run's staging
folder (Arrow IPC, read back unchanged), so memory holds one day of rows and the orders whose
status can still change; only a publish holds the whole tables.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO

import pandas as pd
import pyarrow as pa

from jaffle_sim.clock import SimDay
from jaffle_sim.events import DayEvents
from jaffle_sim.output.contract import ACCOUNT_TABLES, TABLES, account_tables
from jaffle_sim.output.csv_seeds import csv_header, write_csv_rows
from jaffle_sim.output.run_folder import RunFolder, atomic_file
from jaffle_sim.output.tables import TableStream
from jaffle_sim.simulation.hooks import RunInfo
from jaffle_sim.validation.anomalies import Anomaly, Planted, Tables, inject
from jaffle_sim.validation.ground_truth import GroundTruth

FLAVOUR = "validation"


class _Spill:
    """Arrow tables appended to an anonymous file in `directory`: it has no name, so nothing
    can remove it under the writer, and it is gone once closed (or the process ends)."""

    def __init__(self, directory: Path):
        directory.mkdir(parents=True, exist_ok=True)
        self._file: IO[bytes] = tempfile.TemporaryFile(dir=directory)  # noqa: SIM115
        self._parts: list[tuple[int, int]] = []  # (offset, size) of each table
        self._size = 0

    def append(self, table: pa.Table) -> None:
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        data = sink.getvalue()
        self._file.seek(self._size)
        self._file.write(memoryview(data))
        self._parts.append((self._size, data.size))
        self._size += data.size

    def tables(self) -> list[pa.Table]:
        out = []
        for offset, size in self._parts:
            self._file.seek(offset)
            out.append(pa.ipc.open_stream(self._file.read(size)).read_all())
        return out

    def close(self) -> None:
        self._file.close()


class ValidationTables:
    """Day-tick hook: collects the validation flavour's tables and publishes them with the
    anomalies planted, after every `every` days (0: only after the last day) and after the last.
    After a publish, `published_through` is its day, `published_tables` the tables written,
    `rows` their row counts and `planted` the anomalies in them."""

    def __init__(self, folder: RunFolder, anomalies: Sequence[Anomaly], every: int = 0):
        if every < 0:
            raise ValueError(f"every must be >= 0 days, got {every}")
        self.folder = folder
        self.anomalies = tuple(anomalies)
        self.every = every
        self.planted: list[Planted] = []
        self.rows: dict[str, int] = {}
        self.published_through: dt.date | None = None
        self.published_tables: list[str] = []
        self._spills: dict[str, _Spill] = {}
        self._stream: TableStream | None = None
        self._run: RunInfo | None = None
        self._dates: list[dt.date] = []

    # -- hook --------------------------------------------------------------------------------
    def start(self, run: RunInfo) -> None:
        if run.flavour != FLAVOUR:
            raise ValueError(f"ValidationTables serves the {FLAVOUR} flavour, not {run.flavour}")
        self._run = run
        self._stream = TableStream.for_run(run)
        self._dates = [d.date for d in run.calendar]
        self._spills = {table: _Spill(self.folder.staging) for table in ACCOUNT_TABLES}

    def day(self, day: SimDay, events: DayEvents) -> None:
        assert self._stream is not None, "start() first"
        new = self._stream.day(events, day.end)
        for table, name in zip(ACCOUNT_TABLES, account_tables(FLAVOUR)):
            if new[name].num_rows:
                self._spills[table].append(new[name])
        if self.due(day):
            self.publish(day.date)

    def end(self) -> None:
        for spill in self._spills.values():
            spill.close()
        self._spills = {}
        with contextlib.suppress(OSError):  # the staging folder goes once it is empty
            self.folder.staging.rmdir()

    # -- publishing --------------------------------------------------------------------------
    def due(self, day: SimDay) -> bool:
        """Whether the tables are published after `day`."""
        last = day.index == len(self._dates) - 1
        return last or (self.every > 0 and (day.index + 1) % self.every == 0)

    def clean_tables(self) -> Tables:
        """The flavour's tables as simulated so far, before any anomaly."""
        assert self._stream is not None, "start() first"
        frames = {}
        for table, name in zip(ACCOUNT_TABLES, account_tables(FLAVOUR)):
            parts = self._spills[table].tables()
            if table == "orders":
                parts.append(self._stream.orders.live())
            frames[table] = (
                pa.concat_tables(parts).to_pandas()
                if parts
                else pd.DataFrame(columns=list(TABLES[name].columns))
            )
        return Tables(**frames)

    def publish(self, up_to: dt.date) -> list[Planted]:
        """Write the four validation tables with the anomalies dated up to `up_to` planted, and
        the ground truth."""
        assert self._run is not None, "start() first"
        tables, self.planted = inject(
            self.clean_tables(), self.anomalies, self._dates, self._run.seed, up_to
        )
        for table, name in zip(ACCOUNT_TABLES, account_tables(FLAVOUR)):
            frame = getattr(tables, table)
            with atomic_file(self.folder.table(name)) as out:
                out.write(csv_header(TABLES[name].columns))
                write_csv_rows(pa.Table.from_pandas(frame, preserve_index=False), out)
            self.rows[name] = len(frame)
        self.write_ground_truth(up_to)
        self.published_through = up_to
        self.published_tables = list(account_tables(FLAVOUR))
        return self.planted

    def ground_truth(self, up_to: dt.date) -> GroundTruth:
        """What the last publish planted, for the tables published through `up_to`."""
        assert self._run is not None, "start() first"
        return GroundTruth(
            seed=self._run.seed,
            start_date=self._run.calendar.start_date,
            end_date=self._run.calendar.end_date,
            published_through=up_to,
            anomalies=tuple(p.record() for p in self.planted),
        )

    def write_ground_truth(self, up_to: dt.date) -> None:
        self.ground_truth(up_to).dump(self.folder.anomalies)
