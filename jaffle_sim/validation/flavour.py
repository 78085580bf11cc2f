"""The validation flavour's tables: new data of the same shop, with labelled anomalies.

The flavour's shards spill their clean rows of the four account tables (customers, orders,
payments, signups) as Arrow files (`output.spill`); `ValidationTables` publishes them, every
`every` days and after the last day, merged in shard order with every anomaly dated up to that
day planted, plus the ground truth of what was planted (`ground_truth`). Planting starts from the
clean tables at every publish, so a day's anomaly is the same whenever it is written. Only a
publish holds the whole tables in memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
import pyarrow as pa

from jaffle_sim.clock import Calendar, SimDay
from jaffle_sim.output.contract import ACCOUNT_TABLES, TABLES, account_tables
from jaffle_sim.output.csv_seeds import csv_header
from jaffle_sim.output.run_folder import RunFolder, atomic_file
from jaffle_sim.output.spill import arrow_parts, write_csv_rows
from jaffle_sim.validation.anomalies import Anomaly, Planted, Tables, inject
from jaffle_sim.validation.ground_truth import GroundTruth

FLAVOUR = "validation"
TABLE_NAMES = account_tables(FLAVOUR)


class ValidationTables:
    """Publishes the validation flavour's spilled tables with the anomalies planted, after every
    `every` days (0: only after the last day) and after the last. After a publish,
    `published_through` is its day, `published_tables` the tables written, `rows` their row
    counts and `planted` the anomalies in them."""

    def __init__(
        self,
        folder: RunFolder,
        anomalies: Sequence[Anomaly],
        every: int,
        seed: int,
        calendar: Calendar,
        shards: int = 1,
    ):
        if every < 0:
            raise ValueError(f"every must be >= 0 days, got {every}")
        self.folder = folder
        self.anomalies = tuple(anomalies)
        self.every = every
        self.seed = seed
        self.calendar = calendar
        self.shards = shards
        self.planted: list[Planted] = []
        self.rows: dict[str, int] = {}
        self.published_through: dt.date | None = None
        self.published_tables: list[str] = []
        self._dates = [d.date for d in calendar]

    def due(self, day: SimDay) -> bool:
        """Whether the tables are published after `day`."""
        last = day.index == len(self._dates) - 1
        return last or (self.every > 0 and (day.index + 1) % self.every == 0)

    def clean_tables(self) -> Tables:
        """The flavour's tables as simulated so far, before any anomaly."""
        frames = {}
        for table, name in zip(ACCOUNT_TABLES, TABLE_NAMES):
            parts = arrow_parts(self.folder, FLAVOUR, self.shards, name)
            frames[table] = (
                pa.concat_tables(parts).to_pandas()
                if parts
                else pd.DataFrame(columns=list(TABLES[name].columns))
            )
        return Tables(**frames)

    def publish(self, up_to: dt.date) -> list[Planted]:
        """Write the four validation tables with the anomalies dated up to `up_to` planted, and
        the ground truth."""
        tables, self.planted = inject(
            self.clean_tables(), self.anomalies, self._dates, self.seed, up_to
        )
        for table, name in zip(ACCOUNT_TABLES, TABLE_NAMES):
            frame = getattr(tables, table)
            with atomic_file(self.folder.table(name)) as out:
                out.write(csv_header(TABLES[name].columns))
                write_csv_rows(pa.Table.from_pandas(frame, preserve_index=False), out)
            self.rows[name] = len(frame)
        self.write_ground_truth(up_to)
        self.published_through = up_to
        self.published_tables = list(TABLE_NAMES)
        return self.planted

    def ground_truth(self, up_to: dt.date) -> GroundTruth:
        """What the last publish planted, for the tables published through `up_to`."""
        return GroundTruth(
            seed=self.seed,
            start_date=self.calendar.start_date,
            end_date=self.calendar.end_date,
            published_through=up_to,
            anomalies=tuple(p.record() for p in self.planted),
        )

    def write_ground_truth(self, up_to: dt.date) -> None:
        self.ground_truth(up_to).dump(self.folder.anomalies)
