"""The validation flavour's tables: new data of the same shop, with labelled anomalies.

The flavour's shards spill their clean rows of the four account tables (customers, orders,
payments, signups) as Arrow files (`output.spill`); `ValidationTables` publishes them, every
`every` days and after the last day, merged in shard order with every anomaly dated up to that
day planted, plus the ground truth of what was planted (`ground_truth`). Planting starts from the
clean tables at every publish, so a day's anomaly is the same whenever it is written.

A publish holds only the rows of the days an anomaly is planted on (its window) in memory: it
plants into those, then streams every other row from the spill files into the CSVs, one spill
file at a time, and appends the window's rows after them. Every anomaly kind reads and changes
only the rows of its own day (orders, signups and sign-up dates by their date; payments and
customers by the date of their order or sign-up), so the rows written are those of planting into
the whole tables, in another order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from jaffle_sim.clock import Calendar, SimDay
from jaffle_sim.output.contract import ACCOUNT_TABLES, TABLES, account_tables
from jaffle_sim.output.csv_seeds import csv_header
from jaffle_sim.output.run_folder import RunFolder, atomic_file
from jaffle_sim.output.spill import arrow_paths, read_arrow, write_csv_rows
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
        return Tables(
            **{t: _frame(list(self._parts(n)()), t) for t, n in zip(ACCOUNT_TABLES, TABLE_NAMES)}
        )

    def publish(self, up_to: dt.date) -> list[Planted]:
        """Write the four validation tables with the anomalies dated up to `up_to` planted, and
        the ground truth."""
        window = Window(self._planted_dates(up_to))
        parts = {t: self._parts(n) for t, n in zip(ACCOUNT_TABLES, TABLE_NAMES)}
        clean = {}
        for table in ("orders", "signups", "payments", "customers"):  # keys before their users
            clean[table] = _frame([p.filter(window.mask(table, p)) for p in parts[table]()], table)
            window.remember(table, clean[table])
        tables, self.planted = inject(
            Tables(**clean), self.anomalies, self._dates, self.seed, up_to
        )
        for table, name in zip(ACCOUNT_TABLES, TABLE_NAMES):
            frame = getattr(tables, table)
            planted = pa.Table.from_pandas(frame, preserve_index=False)
            rows: int = 0
            types: pa.Schema | None = None
            schema: pa.Schema | None = None
            with atomic_file(self.folder.table(name)) as out:
                out.write(csv_header(TABLES[name].columns))
                for part in parts[table]():
                    if schema is None or not part.schema.equals(schema):
                        schema, types = part.schema, _types(frame, planted, part.schema)
                    kept = part.filter(pc.invert(window.mask(table, part)))
                    write_csv_rows(kept.cast(types), out)
                    rows += kept.num_rows
                if types is not None:  # planted rows come from the spill files
                    write_csv_rows(planted.cast(types), out)
            self.rows[name] = rows + planted.num_rows
        self.write_ground_truth(up_to)
        self.published_through = up_to
        self.published_tables = list(TABLE_NAMES)
        return self.planted

    def _planted_dates(self, up_to: dt.date) -> set[dt.date]:
        end = self._dates[-1]
        return {d for a in self.anomalies if (d := a.date(end)) in self._dates and d <= up_to}

    def _parts(self, name: str) -> Callable[[], Iterator[pa.Table]]:
        """The spill files of table `name`, read one at a time, in the order of `arrow_paths`."""
        return lambda: (read_arrow(p) for p in arrow_paths(self.folder, FLAVOUR, self.shards, name))

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


class Window:
    """The rows of the days anomalies are planted on: orders and signups dated on one of
    `dates`, the payments of those orders and the customers of those signups. The ids are kept
    sorted and looked up by bisection: a hash set of them (``pyarrow.compute.is_in``) would be
    rebuilt for every spill file, and a big run's window holds hundreds of thousands of ids."""

    def __init__(self, dates: set[dt.date]):
        self.dates = pa.array(sorted(dates), pa.date32())
        self.ids = {"payments": _NO_IDS, "customers": _NO_IDS}  # sorted, by the table they key

    def mask(self, table: str, part: pa.Table) -> pa.ChunkedArray | pa.Array:
        if table == "orders":
            return pc.is_in(pc.cast(part["order_date"], pa.date32()), self.dates)
        if table == "signups":
            return pc.is_in(pc.cast(part["signup_date"], pa.date32()), self.dates)
        column = part["order_id" if table == "payments" else "id"]  # ids are positive
        values = pc.fill_null(column, -1).to_numpy().astype(np.int64, copy=False)
        return pa.array(_sorted_member(values, self.ids[table]))

    def remember(self, table: str, rows: pd.DataFrame) -> None:
        if table == "orders":
            self.ids["payments"] = _sorted_ids(rows["id"])
        elif table == "signups":
            self.ids["customers"] = _sorted_ids(rows["user_id"])


_NO_IDS = np.empty(0, np.int64)


def _sorted_ids(column: pd.Series) -> np.ndarray:
    return np.unique(pa.array(column, pa.int64()).drop_null().to_numpy())


def _sorted_member(values: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Whether each of `values` is one of `ids` (sorted, unique)."""
    if not len(ids):
        return np.zeros(len(values), bool)
    at = np.searchsorted(ids, values).clip(max=len(ids) - 1)
    return ids[at] == values


def _frame(parts: list[pa.Table], table: str) -> pd.DataFrame:
    name = account_tables(FLAVOUR)[ACCOUNT_TABLES.index(table)]
    if not parts:
        return pd.DataFrame(columns=list(TABLES[name].columns))
    return pa.concat_tables(parts).to_pandas()


def _types(frame: pd.DataFrame, planted: pa.Table, clean: pa.Schema) -> pa.Schema:
    """One type per column, as if the table had been planted whole: a column an anomaly turned
    into text (`schema_change`, even on a day left without rows) is text in every row; a planted
    column without a type of its own (no rows, or only nulls) keeps the clean one."""
    fields = []
    for field in clean:
        planted_type = planted.schema.field(field.name).type
        textual = pa.types.is_string(field.type) or pa.types.is_large_string(field.type)
        text = not textual and pd.api.types.is_string_dtype(frame[field.name].dtype)
        if text:
            fields.append(pa.field(field.name, pa.string()))
        elif pa.types.is_null(planted_type) or planted.num_rows == 0:
            fields.append(field)
        else:
            fields.append(pa.field(field.name, planted_type))
    return pa.schema(fields)
