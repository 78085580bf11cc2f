"""`jaffle-sim`: the command line.

  jaffle-sim generate {training|marketing|ads|all} [--days 60] [--seed 42] [--out DIR]
  jaffle-sim run [--days 8] ... [--no-dbt]
  jaffle-sim scenario show
Bad input is one line on stderr and exit status 2; nothing is written.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress
from rich.table import Table

from jaffle_sim.clock import SimDay
from jaffle_sim.output.run_folder import SELECTIONS
from jaffle_sim.pipeline import RunResult, ValidationPlan, simulate_to_folder
from jaffle_sim.report.commands import register as register_report_commands
from jaffle_sim.report.run_report import REPORT_DIR, write_report
from jaffle_sim.settings import (
    BadInput,
    RunSettings,
    parse_anomalies,
    parse_warehouse,
    run_settings,
)
from jaffle_sim.validation.scoring import Score, ScoreError, record_score, score_run
from jaffle_sim.warehouse.daily_refresh import DayResults

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Simulate an online jaffle shop: raw tables, an event log and a dbt "
    "warehouse, day by day.",
)
scenario_app = typer.Typer(no_args_is_help=True, help="Show the behaviour parameters.")
app.add_typer(scenario_app, name="scenario")

DEFAULT_OUT = Path("jaffle-sim-out")

Days = Annotated[int, typer.Option(help="Number of simulated days, ending on --end-date.")]
Seed = Annotated[int, typer.Option(help="Seed of the run; same seed, same files.")]
EndDate = Annotated[
    str | None, typer.Option(help="Last simulated day, YYYY-MM-DD (default: today, UTC).")
]
Out = Annotated[Path, typer.Option(help="Output folder.")]
Config = Annotated[Path | None, typer.Option(help="TOML file overlaid on the default scenario.")]
Sets = Annotated[
    list[str] | None,
    typer.Option(
        "--set", help="Change one scenario value, e.g. --set journey.return_probability=0.4."
    ),
]
Scale = Annotated[
    float, typer.Option(help="Traffic volume: visitors, ads and customers times this factor.")
]
Anomalies = Annotated[
    str | None,
    typer.Option(help="Anomalies to plant in the validation flavour: a TOML file, or 'none'."),
]
Overwrite = Annotated[bool, typer.Option(help="Replace outputs of an earlier run in --out.")]
Quiet = Annotated[bool, typer.Option(help="No progress or summary output.")]


@app.command()
def generate(
    what: Annotated[str, typer.Argument(help="Tables to write: " + " | ".join(SELECTIONS))],
    days: Days = 60,
    seed: Seed = 42,
    end_date: EndDate = None,
    out: Out = DEFAULT_OUT,
    config: Config = None,
    set_: Sets = None,
    scale: Scale = 1.0,
    anomalies: Anomalies = None,
    overwrite: Overwrite = False,
    quiet: Quiet = False,
) -> None:
    """Simulate the whole period at once and write the chosen tables (`all` adds the event log)."""
    if what not in SELECTIONS:
        raise BadInput(f"unknown table set {what!r}; expected one of: {', '.join(SELECTIONS)}")
    with_validation = any(t.endswith("_validation") for t in SELECTIONS[what])
    validation = ValidationPlan(parse_anomalies(anomalies)) if with_validation else None
    settings = run_settings(
        days=days,
        seed=seed,
        end_date=end_date,
        out=out,
        config=config,
        sets=set_ or (),
        scale=scale,
        overwrite=overwrite,
    )
    result = _with_progress(
        settings,
        quiet,
        lambda progress: simulate_to_folder(
            settings,
            f"generate {what}",
            SELECTIONS[what],
            event_log=what == "all",
            publish_daily=False,
            validation=validation,
            extra_outputs=[REPORT_DIR] if what == "all" else [],
            progress=progress,
        ),
    )
    _summary(settings, result, quiet)
    if what == "all":
        _report(settings.out, quiet)


@app.command()
def run(
    days: Days = 8,
    seed: Seed = 42,
    end_date: EndDate = None,
    out: Out = DEFAULT_OUT,
    config: Config = None,
    set_: Sets = None,
    scale: Scale = 1.0,
    no_dbt: Annotated[bool, typer.Option("--no-dbt", help="Skip the warehouse.")] = False,
    target: Annotated[str | None, typer.Option(help="dbt target of --profiles-dir.")] = None,
    profiles_dir: Annotated[
        Path | None,
        typer.Option(help="Use your own dbt profile 'jaffle_sim' instead of the embedded DuckDB."),
    ] = None,
    conversion_window_days: Annotated[
        int, typer.Option(help="dbt var: days before an order in which sessions count (CI: 7).")
    ] = 1,
    warn_on_test_failure: Annotated[
        bool, typer.Option(help="Exit 0 even when a dbt test fails on a training day.")
    ] = False,
    anomalies: Anomalies = None,
    validate_every: Annotated[
        int,
        typer.Option(
            help="Also process the validation flavour every N days (it always is "
            "after the last day)."
        ),
    ] = 0,
    overwrite: Overwrite = False,
    quiet: Quiet = False,
) -> int:
    """Run the shop day by day: after every simulated day its tables are written, loaded into the
    warehouse and the bundled dbt project is seeded, run and tested."""
    settings = run_settings(
        days=days,
        seed=seed,
        end_date=end_date,
        out=out,
        config=config,
        sets=set_ or (),
        scale=scale,
        overwrite=overwrite,
    )
    warehouse = None
    if not no_dbt:
        warehouse = parse_warehouse(target, profiles_dir, conversion_window_days)
    if validate_every < 0:
        raise BadInput(f"--validate-every must be a whole number >= 0, got {validate_every}")
    validation = ValidationPlan(parse_anomalies(anomalies), validate_every)
    result = _with_progress(
        settings,
        quiet,
        lambda progress: simulate_to_folder(
            settings,
            "run",
            SELECTIONS["all"],
            event_log=True,
            publish_daily=True,
            warehouse=warehouse,
            validation=validation,
            extra_outputs=[REPORT_DIR],
            progress=progress,
        ),
    )
    _summary(settings, result, quiet)
    if warehouse is not None:
        detection = score_run(settings.out)
        record_score(settings.out, detection)
        if not quiet:
            _score_table(detection)
    _report(settings.out, quiet)
    if warehouse is not None and not result.dbt_ok:
        failed = sorted(
            {n for day in result.dbt if day.flavour == "training" for n in day.failed_nodes}
        )
        message = f"dbt failed on a training day: {', '.join(failed[:5])}"
        if warn_on_test_failure:
            _console().print(f"warning: {message}", highlight=False, markup=False)
            return 0
        _console().print(f"error: {message}", highlight=False, markup=False)
        return 1
    return 0


@app.command()
def score(
    out: Annotated[Path, typer.Argument(help="Folder of a `jaffle-sim run` made with dbt.")],
    format_: Annotated[str, typer.Option("--format", help="text | markdown | json")] = "text",
    min_recall: Annotated[
        float | None, typer.Option(help="Exit 1 when recall is below this.")
    ] = None,
) -> int:
    """Which planted anomalies the warehouse's tests caught: per anomaly, recall, precision and
    false alarms on training days (also written to anomalies.json and run_manifest.json)."""
    if format_ not in ("text", "markdown", "json"):
        raise BadInput(f"--format must be text, markdown or json, got {format_!r}")
    try:
        result = score_run(out)
    except ScoreError as exc:
        raise BadInput(str(exc)) from None
    record_score(out, result)
    if format_ == "json":
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
    elif format_ == "markdown":
        sys.stdout.write(result.markdown())
    else:
        _score_table(result)
    if min_recall is not None and result.recall < min_recall:
        _console().print(
            f"error: recall {result.recall:.2f} is below {min_recall}",
            highlight=False,
            markup=False,
        )
        return 1
    return 0


@scenario_app.command("show")
def scenario_show(config: Config = None, set_: Sets = None) -> None:
    """Print the scenario (default, or with --config/--set applied) as TOML."""
    import tomli_w

    from jaffle_sim.settings import build_scenario

    sys.stdout.write(tomli_w.dumps(build_scenario(config, set_ or ()).to_dict()))


register_report_commands(app)


# -- output ----------------------------------------------------------------------------------


def _console() -> Console:
    return Console(stderr=True)


Progress = Callable[[SimDay, dict[str, Any]], None]


def _with_progress(
    settings: RunSettings, quiet: bool, job: Callable[[Progress | None], RunResult]
) -> RunResult:
    """Run `job` with a line per simulated day (and a live bar on a terminal)."""
    console = _console()
    total = settings.calendar.days
    if quiet:
        return job(None)

    def line(day: SimDay, entry: dict[str, Any]) -> None:
        console.print(
            f"day {day.index + 1}/{total} {day.date}: {_day_line(entry)}",
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
        task = bar.add_task("", total=total)

        def tick(day: SimDay, entry: dict[str, Any]) -> None:
            line(day, entry)
            bar.update(task, advance=1)

        return job(tick)


def _day_line(entry: dict[str, Any]) -> str:
    c = entry.get("training_events") or entry["validation_events"]
    text = f"{c['session']:,} sessions, {c['signed_up']:,} sign-ups, {c['order_placed']:,} orders"
    dbt = entry.get("dbt")
    if dbt:
        phases = []
        for phase in dbt["phases"]:
            statuses = phase["statuses"]
            bad = {k: v for k, v in statuses.items() if k not in ("success", "pass")}
            good = sum(statuses.values()) - sum(bad.values())
            extra = "".join(f", {v} {k}" for k, v in sorted(bad.items()))
            phases.append(f"{phase['command']} {good} ok{extra} ({phase['seconds']:.1f}s)")
        text += " | dbt " + "; ".join(phases)
    return text


def _summary(settings: RunSettings, result: RunResult, quiet: bool) -> None:
    if quiet:
        return
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
        console.print(_dbt_table(result.dbt))
    console.print(
        f"output: {result.folder.root}  ({result.seconds.get('total', 0):.1f} s)", highlight=False
    )


def _report(out: Path, quiet: bool) -> None:
    index = write_report(out)
    if not quiet:
        Console().print(f"report: {index}", highlight=False)


def _score_table(result: Score) -> None:
    table = Table(
        title=f"detection: {result.detected}/{len(result.anomalies)} caught, recall "
        f"{result.recall:.2f}, precision {result.precision:.2f}"
    )
    for col in ("anomaly", "kind", "date", "rows", "detected by"):
        table.add_column(col, justify="right" if col == "rows" else "left")
    for a in result.anomalies:
        found = ", ".join(a["detected_by"]) if a["detected"] else "MISSED"
        table.add_row(a["id"], a["kind"], ", ".join(a["dates"]), str(a["rows"]), found)
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


def _dbt_table(days: list[DayResults]) -> Table:
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


# -- entry point -----------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Console-script entry: one-line errors with exit status 2 for bad input."""
    try:
        rv = app(
            args=list(argv) if argv is not None else None,
            standalone_mode=False,
            prog_name="jaffle-sim",
        )
    except BadInput as exc:
        return _fail(str(exc), 2)
    except Exception as exc:
        # Typer's own parsing errors (its click may be vendored): usage errors exit 2.
        kinds = {cls.__name__ for cls in type(exc).__mro__}
        if "ClickException" in kinds:
            return _fail(exc.format_message(), getattr(exc, "exit_code", 2))  # type: ignore[attr-defined]
        if "Abort" in kinds:
            return _fail("interrupted", 130)
        raise
    return rv if isinstance(rv, int) else 0


def _fail(message: str, status: int) -> int:
    _console().print(f"error: {message}", highlight=False, markup=False, soft_wrap=True)
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
