"""What the command line shows: one line per simulated day (with a live bar on a terminal), the
summary of rows and dbt results, and the detection score. Messages go to stderr, tables to
stdout."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from jaffle_sim.clock import SimDay

if TYPE_CHECKING:
    from jaffle_sim.output.manifest import DayRecord
    from jaffle_sim.pipeline import RunResult
    from jaffle_sim.settings import RunSettings
    from jaffle_sim.validation.scoring import Score
    from jaffle_sim.warehouse.results import DayResults

Progress = Callable[[SimDay, "DayRecord"], None]


def stderr() -> Console:
    return Console(stderr=True)


def say(message: str) -> None:
    """One plain line on stderr."""
    stderr().print(message, highlight=False, markup=False, soft_wrap=True)


def show(message: str) -> None:
    """One plain line on stdout (a result, such as the path of a written report)."""
    Console().print(message, highlight=False, markup=False, soft_wrap=True)


def with_progress(days: int, quiet: bool, job: Callable[[Progress | None], RunResult]) -> RunResult:
    """Run `job` with a line per simulated day (and a live bar on a terminal)."""
    if quiet:
        return job(None)
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as RichProgress

    console = stderr()

    def line(day: SimDay, record: DayRecord) -> None:
        console.print(
            f"day {day.index + 1}/{days} {day.date}: {day_line(record)}",
            highlight=False,
            markup=False,
        )

    if not console.is_terminal or os.environ.get("CI"):
        return job(line)
    with RichProgress(
        TextColumn("[bold]simulating"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("", total=days)

        def tick(day: SimDay, record: DayRecord) -> None:
            line(day, record)
            bar.update(task, advance=1)

        return job(tick)


def day_line(record: DayRecord) -> str:
    """Sessions, sign-ups and orders of the day, and how each dbt phase went."""
    c = record.events.get("training") or record.events["validation"]
    text = f"{c['session']:,} sessions, {c['signed_up']:,} sign-ups, {c['order_placed']:,} orders"
    if record.dbt is not None and record.dbt.phases:
        phases = []
        for phase in record.dbt.phases:
            statuses = phase.status_counts()
            bad = {k: v for k, v in statuses.items() if k not in ("success", "pass")}
            good = sum(statuses.values()) - sum(bad.values())
            extra = "".join(f", {v} {k}" for k, v in sorted(bad.items()))
            phases.append(f"{phase.command} {good} ok{extra} ({phase.elapsed:.1f}s)")
        text += " | dbt " + "; ".join(phases)
    return text


def summary(settings: RunSettings, result: RunResult) -> None:
    cal = settings.calendar
    table = Table(title=f"jaffle-sim: {cal.days} days to {cal.end_date}, seed {settings.seed}")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, rows in result.tables.items():
        table.add_row(name, f"{rows:,}")
    if result.events and result.folder.events.exists():
        table.add_row("events/ (Parquet)", f"{sum(result.events.values()):,}")
    console = Console()
    console.print(table)
    if result.dbt:
        console.print(dbt_table(result.dbt))
    console.print(
        f"output: {result.folder.root}  ({result.seconds.get('total', 0):.1f} s)", highlight=False
    )


def score_table(result: Score) -> None:
    table = Table(
        title=f"detection: {result.detected}/{len(result.anomalies)} caught, recall "
        f"{result.recall:.2f}, precision {result.precision:.2f}"
    )
    edr = result.elementary  # per anomaly, the Elementary tests that caught it (--elementary)
    if edr is not None:
        table.caption = f"Elementary's tests: {result.elementary_detected}/{len(edr)} caught"
    columns = ("anomaly", "kind", "date", "rows", "detected by")
    for col in (*columns, "Elementary") if edr is not None else columns:
        table.add_column(col, justify="right" if col == "rows" else "left")
    for a in result.anomalies:
        found = ", ".join(a.detected_by or []) if a.detected else "MISSED"
        cells = [a.id, a.kind, ", ".join(d.isoformat() for d in a.dates), str(a.rows), found]
        if edr is not None:
            cells.append(", ".join(edr.get(a.id, [])) or "MISSED")
        table.add_row(*cells)
    console = Console()
    console.print(table)
    alarms = result.training_false_alarms
    console.print(
        f"false alarms on training days: {len(alarms)}"
        + (f" ({', '.join(alarms[:5])})" if alarms else ""),
        highlight=False,
    )
    if result.unexplained:
        console.print(
            f"validation failures no anomaly explains: {', '.join(result.unexplained)}",
            highlight=False,
        )


def dbt_table(days: list[DayResults]) -> Table:
    table = Table(title="dbt per simulated day")
    for col in ("day", "flavour", "seed", "run", "test", "failed"):
        table.add_column(col, justify="left" if col in ("day", "flavour", "failed") else "right")
    for day in days:
        cells = {r.command: f"{r.elapsed:.1f}s" for r in day.phases}
        failed = ", ".join(day.failed_nodes) or "-"
        table.add_row(
            day.date,
            day.flavour,
            cells.get("seed", "-"),
            cells.get("run", "-"),
            cells.get("test", "-"),
            failed if len(failed) < 80 else failed[:77] + "...",
        )
    return table
