"""The validation flavour's tables: new data of the same shop, with labelled anomalies.

A day-tick hook fed by the validation simulation. It keeps the four account tables (customers,
orders, payments, signups) of the flavour, and `publish(up_to)` writes them with every anomaly
dated up to that day planted, plus `anomalies.json`, the ground truth of what was planted. The
clean tables are kept and planting starts from them at every publish, so a day's anomaly is the
same whenever it is written.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import pandas as pd
import pyarrow as pa

from jaffle_sim.clock import SimDay
from jaffle_sim.events import DayEvents
from jaffle_sim.output.csv_seeds import csv_header, write_csv_rows
from jaffle_sim.output.run_folder import ACCOUNT_TABLES, TABLES, RunFolder, atomic_file
from jaffle_sim.output.tables import TableStream
from jaffle_sim.simulation.hooks import RunInfo
from jaffle_sim.validation.anomalies import Anomaly, Planted, Tables, inject

ANOMALIES_FILE = "anomalies.json"
FLAVOUR = "validation"


def anomalies_path(folder: RunFolder) -> Any:
    return folder.root / ANOMALIES_FILE


class ValidationTables:
    """Collects the validation flavour's tables and publishes them with anomalies planted."""

    def __init__(self, folder: RunFolder, anomalies: Sequence[Anomaly], settle_after: float):
        self.folder = folder
        self.anomalies = tuple(anomalies)
        self.settle_after = settle_after
        self.planted: list[Planted] = []
        self.rows: dict[str, int] = {}
        self._parts: dict[str, list[pa.Table]] = {t: [] for t in ACCOUNT_TABLES}
        self._stream: TableStream | None = None
        self._run: RunInfo | None = None
        self._dates: list[dt.date] = []

    def start(self, run: RunInfo) -> None:
        self._run = run
        self._stream = TableStream(run.calendar.epoch_seconds, FLAVOUR, self.settle_after)
        self._dates = [d.date for d in run.calendar]

    def day(self, day: SimDay, events: DayEvents) -> None:
        assert self._stream is not None, "start() first"
        new = self._stream.day(events, day.end)
        for table in ACCOUNT_TABLES:
            rows = new[f"raw_{table}_{FLAVOUR}"]
            if rows.num_rows:
                self._parts[table].append(rows)

    def end(self) -> None:
        pass

    def clean_tables(self) -> Tables:
        """The flavour's tables as simulated so far, before any anomaly."""
        assert self._stream is not None, "start() first"
        frames = {}
        for table in ACCOUNT_TABLES:
            parts = list(self._parts[table])
            if table == "orders":
                parts.append(self._stream.orders.live())
            columns = TABLES[f"raw_{table}_{FLAVOUR}"].columns
            frames[table] = (
                pa.concat_tables(parts).to_pandas()
                if parts
                else pd.DataFrame(columns=list(columns))
            )
        return Tables(**frames)

    def publish(self, up_to: dt.date) -> list[Planted]:
        """Write the four validation tables with the anomalies dated up to `up_to` planted, and
        `anomalies.json`."""
        assert self._run is not None, "start() first"
        tables, self.planted = inject(
            self.clean_tables(), self.anomalies, self._dates, self._run.seed, up_to
        )
        for table in ACCOUNT_TABLES:
            name = f"raw_{table}_{FLAVOUR}"
            frame = getattr(tables, table)
            with atomic_file(self.folder.table(name)) as out:
                out.write(csv_header(TABLES[name].columns))
                write_csv_rows(pa.Table.from_pandas(frame, preserve_index=False), out)
            self.rows[name] = len(frame)
        self.write_ground_truth(up_to)
        return self.planted

    def write_ground_truth(self, up_to: dt.date) -> None:
        assert self._run is not None
        payload = {
            "seed": self._run.seed,
            "start_date": self._run.calendar.start_date.isoformat(),
            "end_date": self._run.calendar.end_date.isoformat(),
            "published_through": up_to.isoformat(),
            "anomalies": [p.to_dict() for p in self.planted],
        }
        with atomic_file(anomalies_path(self.folder)) as fh:
            fh.write((json.dumps(payload, indent=2) + "\n").encode())
