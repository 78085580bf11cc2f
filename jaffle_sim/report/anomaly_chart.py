"""The validation flavour in the report: its daily order volume with the planted anomalies marked
as detected, missed or not scored (when `jaffle-sim score` has not been run).

Reads the ground truth (`validation.ground_truth`) and counts, with DuckDB,
`seeds/validation/raw_orders_validation.csv` (the table with the anomalies in it) and, when
present, the validation event log (the same orders before any anomaly) per day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from jaffle_sim.clock import DAY
from jaffle_sim.output.run_folder import RunFolder
from jaffle_sim.report.charts import SIZE, date_axis, style
from jaffle_sim.report.measures import per_day
from jaffle_sim.report.run_data import RunData, RunDataError
from jaffle_sim.validation import ground_truth
from jaffle_sim.validation.ground_truth import GroundTruthError, PlantedRecord

STATUS_COLOUR = {"detected": "#2ca02c", "missed": "#d62728", "not scored": "#7f7f7f"}


@dataclass(frozen=True)
class PlantedAnomaly:
    """One planted anomaly as the report shows it, with `status` detected, missed or not
    scored."""

    id: str
    kind: str
    table: str
    dates: tuple[dt.date, ...]
    rows: int
    status: str
    expected_tests: tuple[str, ...]
    detected_by: tuple[str, ...]

    @classmethod
    def from_record(cls, record: PlantedRecord) -> PlantedAnomaly:
        detected = record.detected
        status = "not scored" if detected is None else "detected" if detected else "missed"
        return cls(
            record.id,
            record.kind,
            record.table,
            record.dates,
            record.rows,
            status,
            record.expected_tests,
            record.detected_by or (),
        )


def read_anomalies(out: Path) -> list[PlantedAnomaly] | None:
    """The planted anomalies of the run in `out`, or None when it has no ground truth; a
    RunDataError when the ground truth cannot be read."""
    path = RunFolder(out).anomalies
    if not path.is_file():
        return None
    try:
        truth = ground_truth.load(path)
    except GroundTruthError as exc:
        raise RunDataError(str(exc)) from None
    return [PlantedAnomaly.from_record(a) for a in truth.anomalies]


def validation_volume(data: RunData) -> pd.DataFrame:
    """Orders per day of the validation flavour of the run folder `data` reads: `table` (rows
    of raw_orders_validation by their `order_date`, anomalies included) and `events` (the event
    log's orders, before anomalies), counted by DuckDB."""
    dates = data.dates
    frame = pd.DataFrame(index=dates)
    if data.folder is None:
        return frame
    con = data.connection
    path = RunFolder(data.folder).table("raw_orders_validation")
    start = f"date '{data.start_date.isoformat()}'"
    if path.is_file():
        literal = "'" + str(path).replace("'", "''") + "'"
        rows = con.execute(
            f"""select cast(try_strptime(order_date, '%Y-%m-%d %H:%M:%S') as date) - {start}
                       as day, count(*) as n
                from read_csv({literal}, header = true, all_varchar = true) group by 1"""
        ).df()
        frame["table"] = per_day(rows.dropna(), data.days).astype(np.int64)
    root = RunFolder(data.folder).event_kind("order_placed", "validation")
    if any(root.glob("*/*.parquet")):
        zero = f"epoch(cast({start} as timestamp))"
        files = "'" + str(root / "*" / "*.parquet").replace("'", "''") + "'"
        rows = con.execute(
            f"""select floor((epoch(ordered_at) - {zero}) / {DAY})::bigint as day,
                       count(*) as n
                from read_parquet({files}) group by 1"""
        ).df()
        if len(rows):
            frame["events"] = per_day(rows, data.days).astype(np.int64)
    return frame


def anomaly_chart(data: RunData, anomalies: list[PlantedAnomaly]) -> Figure:
    """Daily validation orders over the whole period with anomaly days shaded (top), and one row
    per anomaly on the days around them, coloured detected, missed or not scored (bottom)."""
    volume = validation_volume(data)
    days = sorted({pd.Timestamp(d) for a in anomalies for d in a.dates})
    rows = max(len(anomalies), 1)
    with style():
        fig = Figure(figsize=(SIZE[0], SIZE[1] + 0.22 * rows))
        top, bottom = fig.subplots(2, 1, gridspec_kw={"height_ratios": [SIZE[1], 0.22 * rows]})
        if "events" in volume:
            top.plot(
                volume.index,
                volume["events"],
                color="#7f7f7f",
                linestyle="--",
                label="event log (before anomalies)",
            )
        if "table" in volume:
            top.plot(
                volume.index,
                volume["table"],
                color="#1f77b4",
                marker=".",
                label="raw_orders_validation rows by order_date",
            )
        for day in days:
            status = _worst(a.status for a in anomalies if day.date() in a.dates)
            top.axvspan(
                day - pd.Timedelta(hours=12),
                day + pd.Timedelta(hours=12),
                color=STATUS_COLOUR[status],
                alpha=0.15,
                linewidth=0,
            )
        top.set_ylabel("orders per day")
        for status, colour in STATUS_COLOUR.items():
            if any(a.status == status for a in anomalies):
                top.fill_between([], [], color=colour, alpha=0.15, label=f"anomaly day: {status}")
        top.set_title("Validation flavour: daily orders, days with planted anomalies shaded")
        top.legend(loc="upper left")
        date_axis(top)
        for i, a in enumerate(anomalies):
            when = [pd.Timestamp(d) for d in a.dates]
            bottom.scatter(when, [i] * len(when), color=STATUS_COLOUR[a.status], s=40, zorder=3)
        bottom.set_yticks(range(len(anomalies)), [f"{a.id} {a.kind}" for a in anomalies])
        bottom.set_ylim(len(anomalies) - 0.5, -0.5)
        if days:
            bottom.set_xlim(days[0] - pd.Timedelta(days=1), days[-1] + pd.Timedelta(days=1))
        bottom.xaxis.set_major_locator(mdates.DayLocator())  # type: ignore[no-untyped-call]
        bottom.xaxis.set_major_formatter(mdates.DateFormatter("%b %d"))  # type: ignore[no-untyped-call]
        counts = [
            f"{sum(1 for a in anomalies if a.status == status)} {status}"
            for status in STATUS_COLOUR
            if any(a.status == status for a in anomalies)
        ]
        bottom.set_title("Planted anomalies: " + ", ".join(counts))
        fig.tight_layout()
    return fig


def _worst(statuses: Iterable[str]) -> str:
    """The status to shade a day with: missed before not scored before detected."""
    found = set(statuses)
    return next((s for s in ("missed", "not scored", "detected") if s in found), "not scored")
