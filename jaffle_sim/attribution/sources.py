"""Where attribution credit is read from besides the run's own DuckDB views: the warehouse's
`attribution_touches` mart (read-only) and the event log's Parquet files as pandas frames."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from jaffle_sim.attribution.models import MODELS
from jaffle_sim.events import ORGANIC
from jaffle_sim.output.event_log import SCHEMAS
from jaffle_sim.output.run_folder import RunFolder


class AttributionError(Exception):
    """The run folder cannot be scored (no event log, an unreadable warehouse)."""


def warehouse_credit(path: Path) -> pd.DataFrame:
    """Per channel (utm source or organic), read-only from the warehouse's mart: for each model,
    the order amounts (cents) and first orders credited (`<model>_cents`, `<model>_firsts`)."""
    import duckdb

    sums = ", ".join(
        f"sum(cast(t.{m}_weight as decimal(38, 10)) * cast(round(t.order_amount * 100) as bigint))"
        f" as {m}_cents, sum(cast(t.{m}_weight as decimal(38, 10)) * o.is_first_order::int)"
        f" as {m}_firsts"
        for m in MODELS
    )
    sql = f"""
        select coalesce(t.utm_source, '{ORGANIC}') as channel, {sums}
        from attribution_touches as t
        inner join orders as o on o.order_id = t.order_id
        group by 1 order by 1
    """
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            return con.execute(sql).df().set_index("channel").astype(float)
    except duckdb.Error as exc:
        raise AttributionError(f"cannot read the attribution mart in {path}: {exc}") from None


def read_events(folder: RunFolder, kind: str, flavour: str) -> pd.DataFrame:
    """All days of one kind of events (empty with its columns when there are none)."""
    files = sorted(folder.event_kind(kind, flavour).glob("date=*/part-*.parquet"))
    try:
        table = pa.concat_tables([pq.read_table(f) for f in files]) if files else None
    except (OSError, pa.ArrowException) as exc:
        raise AttributionError(f"cannot read the event log: {exc}") from None
    if table is None:
        table = SCHEMAS[kind].empty_table()
    return table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)


def clock_seconds(frame: pd.DataFrame) -> pd.DataFrame:
    """Timestamps as whole seconds (any zero: only differences matter here)."""
    out = frame.copy()
    zero = pd.Timestamp(0, tz="UTC")
    for col in out.columns:
        if col.endswith("_at"):
            out[col] = (pd.to_datetime(out[col], utc=True) - zero) // pd.Timedelta(seconds=1)
    return out
