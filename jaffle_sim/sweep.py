"""Monte-Carlo sweeps: R replications (child seeds) of every point of a grid of scenario
changes, simulated through the same executors as a run, into a partitioned event log
(`OUT/point=<i>/replication=<r>/events/...`) and a summary table per point (mean and spread of
orders, revenue, conversion rate and cost per acquisition per platform). No tables, no dbt.

Replication r uses the same child seed at every point (common random numbers across points), so
differences between points are not drowned by seed noise.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from jaffle_sim.clock import Calendar
from jaffle_sim.events import PLATFORMS
from jaffle_sim.executors import BATCH_DAYS, batches, make_executor
from jaffle_sim.executors.tasks import TaskSpec
from jaffle_sim.output.run_folder import RunFolder, atomic_file
from jaffle_sim.simulation.scenario import Scenario

POINTS = "points.json"
SUMMARY = "summary.csv"
MEASURES = ("orders", "revenue", "signups", "conversion_rate", *(f"cpa_{p}" for p in PLATFORMS))


@dataclass(frozen=True)
class Point:
    """One grid point: its number and the scenario changes it makes."""

    index: int
    changes: Mapping[str, Any]


def grid_points(grid: Mapping[str, Sequence[Any]]) -> list[Point]:
    """Every combination of the grid's values (one point without changes for an empty grid)."""
    keys = list(grid)
    combos = itertools.product(*(grid[k] for k in keys))
    return [Point(i, dict(zip(keys, values))) for i, values in enumerate(combos)]


def replication_seed(seed: int, replication: int) -> int:
    """The child seed of replication `replication` of a sweep seeded `seed`."""
    state = np.random.SeedSequence(seed, spawn_key=(replication,)).generate_state(1)
    return int(state[0])


def point_folder(out: Path, point: int, replication: int) -> Path:
    return out / f"point={point}" / f"replication={replication}"


def run_sweep(
    out: Path,
    scenario: Scenario,
    points: Sequence[Point],
    calendar: Calendar,
    seed: int,
    replications: int,
    executor: str = "local",
    workers: int = 1,
    scheduler: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[dict[str, Any]]:
    """Simulate every (point, replication) and write the summary; returns its rows."""
    specs = []
    for point in points:
        changed = scenario.updated(point.changes) if point.changes else scenario
        for r in range(replications):
            root = point_folder(out, point.index, r)
            specs.append(
                TaskSpec(
                    root,
                    changed,
                    calendar,
                    replication_seed(seed, r),
                    "training",
                    0,
                    1,
                    event_log=True,
                )
            )
    runner = make_executor(executor, workers, scheduler)
    try:
        runner.start(specs)
        for first, count in batches(calendar.days, BATCH_DAYS):
            runner.steps(first, count)
            if progress is not None:
                for index in range(first, first + count):
                    progress(index)
        runner.end()
    finally:
        runner.close()
    rows = summarise(out, points, replications)
    write_outputs(out, points, rows)
    return rows


def measures(root: Path) -> dict[str, float]:
    """Orders, revenue ($), sign-ups, conversion rate (sign-ups per visitor) and cost per
    acquisition per platform ($ of spend per sign-up whose converting session came from it)."""
    import duckdb

    events = RunFolder(root).events

    def parquet(kind: str) -> str:
        return f"read_parquet('{events}/kind={kind}/*/*/*.parquet')"

    con = duckdb.connect()
    orders, revenue = con.execute(
        f"select count(*), coalesce(sum(total_cents), 0) / 100.0 from {parquet('order_placed')}"
    ).fetchone() or (0, 0.0)
    signups, visitors = con.execute(
        f"""select count(*) filter (where session_id is not null),
                   (select count(distinct visitor_id) from {parquet("session")})
            from {parquet("signed_up")}"""
    ).fetchone() or (0, 0)
    spend = dict(
        con.execute(
            f"select platform, sum(cost_cents) / 100.0 from {parquet('ad_day')} group by 1"
        ).fetchall()
    )
    acquired = dict(
        con.execute(
            f"""select s.utm_source, count(*) from {parquet("signed_up")} u
                join {parquet("session")} s using (session_id)
                where s.utm_source is not null and not coalesce(s.is_duplicate, false)
                group by 1"""
        ).fetchall()
    )
    out = {
        "orders": float(orders),
        "revenue": float(revenue),
        "signups": float(signups),
        "conversion_rate": float(signups) / visitors if visitors else float("nan"),
    }
    for p in PLATFORMS:
        n = acquired.get(p, 0)
        out[f"cpa_{p}"] = float(spend.get(p, 0.0)) / n if n else float("nan")
    return out


def summarise(out: Path, points: Sequence[Point], replications: int) -> list[dict[str, Any]]:
    rows = []
    for point in points:
        values = [measures(point_folder(out, point.index, r)) for r in range(replications)]
        row: dict[str, Any] = {"point": point.index, **{k: v for k, v in point.changes.items()}}
        row["replications"] = replications
        for m in MEASURES:
            finite = np.array([v[m] for v in values], dtype=float)
            finite = finite[np.isfinite(finite)]
            row[f"{m}_mean"] = float(finite.mean()) if len(finite) else None
            row[f"{m}_std"] = float(finite.std(ddof=1)) if len(finite) > 1 else None
        rows.append(row)
    return rows


def write_outputs(out: Path, points: Sequence[Point], rows: list[dict[str, Any]]) -> None:
    payload = [{"point": p.index, "changes": dict(p.changes)} for p in points]
    with atomic_file(out / POINTS) as fh:
        fh.write((json.dumps(payload, indent=2, default=str) + "\n").encode())
    columns = list(rows[0]) if rows else ["point"]
    lines = [",".join(columns)]
    for row in rows:
        lines.append(",".join(_cell(row.get(c)) for c in columns))
    with atomic_file(out / SUMMARY) as fh:
        fh.write(("\n".join(lines) + "\n").encode())


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    text = str(value)
    return f'"{text}"' if "," in text else text
