"""`jaffle-sim`: the command line.

  jaffle-sim generate {training|marketing|ads|all} [--days 60] [--seed 42] [--out DIR]
  jaffle-sim run [--days 8] ... [--no-dbt]
  jaffle-sim scenario show
Every failure is one line on stderr: exit status 2 for bad input (nothing is written), 1 for a
run that failed, 130/143 when interrupted (Ctrl-C, SIGTERM); `--debug` (or JAFFLE_SIM_DEBUG=1)
shows the traceback instead.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from jaffle_sim.output.contract import SELECTIONS
from jaffle_sim.output.run_folder import REPORT
from jaffle_sim.settings import MAX_DAYS, MAX_EVENTS, BadInput

if TYPE_CHECKING:
    from jaffle_sim.pipeline import RunResult

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

DEFAULT_OUT = "jaffle-sim-out"
MAX_SHARDS = 1024

Days = Annotated[int, typer.Option(help="Number of simulated days, ending on --end-date.")]
Seed = Annotated[int, typer.Option(help="Seed of the run; same seed, same files.")]
EndDate = Annotated[
    str | None, typer.Option(help="Last simulated day, YYYY-MM-DD (default: today, UTC).")
]
Out = Annotated[str, typer.Option(help="Output folder.")]
MaxDays = Annotated[int, typer.Option(help="The largest --days allowed.")]
MaxEvents = Annotated[
    int,
    typer.Option(
        help="The most events per flavour a run may be expected to simulate (estimated from "
        "the scenario, --scale and --days before the run)."
    ),
]
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
Resume = Annotated[
    bool,
    typer.Option(
        help="Continue the interrupted run in --out (same options) from its last complete day."
    ),
]
Quiet = Annotated[bool, typer.Option(help="No progress or summary output.")]
Shards = Annotated[
    int,
    typer.Option(
        help="Simulate the shop as this many independent market segments (part of the run: "
        "another count gives other data)."
    ),
]
Workers = Annotated[
    int | None, typer.Option(help="Local worker processes (default: the machine's cores).")
]
ExecutorOpt = Annotated[
    str, typer.Option("--executor", help="Where shards run: local | dask (--scheduler).")
]
Scheduler = Annotated[str | None, typer.Option(help="Address of a Dask scheduler.")]


def _execution(shards: int, workers: int | None, executor: str, scheduler: str | None) -> Any:
    """The validated --shards, --workers, --executor and --scheduler."""
    from jaffle_sim.executors import EXECUTORS
    from jaffle_sim.pipeline import Execution, default_workers

    if not 1 <= shards <= MAX_SHARDS:
        raise BadInput(f"--shards must be a whole number from 1 to {MAX_SHARDS}, got {shards}")
    if workers is not None and not 1 <= workers <= MAX_SHARDS * 2:
        raise BadInput(
            f"--workers must be a whole number from 1 to {MAX_SHARDS * 2}, got {workers}"
        )
    if executor not in EXECUTORS:
        raise BadInput(f"--executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    if executor == "dask" and not scheduler:
        raise BadInput("--executor dask needs --scheduler ADDRESS (e.g. tcp://127.0.0.1:8786)")
    if scheduler and executor != "dask":
        raise BadInput("--scheduler needs --executor dask")
    if executor == "dask":
        import importlib.util

        if importlib.util.find_spec("distributed") is None:
            raise BadInput("--executor dask needs dask.distributed: pip install 'jaffle-sim[dask]'")
    return Execution(shards, workers or default_workers(), executor, scheduler)


NoReport = Annotated[bool, typer.Option("--no-report", help="Do not write OUT/report/.")]
RunFolderArg = Annotated[Path, typer.Argument(help="Output folder of a run (--out).")]


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
    resume: Resume = False,
    no_report: NoReport = False,
    shards: Shards = 1,
    workers: Workers = None,
    executor: ExecutorOpt = "local",
    scheduler: Scheduler = None,
    max_days: MaxDays = MAX_DAYS,
    max_events: MaxEvents = MAX_EVENTS,
    quiet: Quiet = False,
) -> None:
    """Simulate the whole period at once and write the chosen tables (`all` adds the event log)."""
    from jaffle_sim import console
    from jaffle_sim.pipeline import ValidationPlan, simulate_to_folder
    from jaffle_sim.settings import parse_anomalies, run_settings

    if what not in SELECTIONS:
        raise BadInput(f"unknown table set {what!r}; expected one of: {', '.join(SELECTIONS)}")
    with_validation = any(t.endswith("_validation") for t in SELECTIONS[what])
    if anomalies is not None and not with_validation:
        raise BadInput(f"--anomalies: `generate {what}` writes no validation tables")
    if resume and overwrite:
        raise BadInput("--resume continues a run; --overwrite replaces it: choose one")
    settings = run_settings(
        days=days,
        seed=seed,
        end_date=end_date,
        out=out,
        config=config,
        sets=set_ or (),
        scale=scale,
        overwrite=overwrite,
        max_days=max_days,
        max_events=max_events,
    )
    plan = ValidationPlan(parse_anomalies(anomalies, settings.calendar))
    validation = plan if with_validation else None
    report = what == "all" and not no_report
    execution = _execution(shards, workers, executor, scheduler)

    def finish(result: RunResult) -> None:
        if not quiet:
            console.summary(settings, result)
        if report:
            _report(result, quiet)

    console.with_progress(
        settings.calendar.days,
        quiet,
        lambda progress: simulate_to_folder(
            settings,
            f"generate {what}",
            SELECTIONS[what],
            event_log=what == "all",
            publish_daily=False,
            validation=validation,
            execution=execution,
            extra_outputs=[REPORT] if report else [],
            progress=progress,
            resume=resume,
            finish=finish,
        ),
    )


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
    load: Annotated[
        str,
        typer.Option(
            help="How the raw tables reach the warehouse: seeds (dbt seed) or parquet (dbt "
            "sources over Parquet copies, for large runs; DuckDB only)."
        ),
    ] = "seeds",
    anomalies: Anomalies = None,
    validate_every: Annotated[
        int,
        typer.Option(
            help="Also process the validation flavour every N days (it always is "
            "after the last day)."
        ),
    ] = 0,
    overwrite: Overwrite = False,
    resume: Resume = False,
    no_report: NoReport = False,
    shards: Shards = 1,
    workers: Workers = None,
    executor: ExecutorOpt = "local",
    scheduler: Scheduler = None,
    max_days: MaxDays = MAX_DAYS,
    max_events: MaxEvents = MAX_EVENTS,
    quiet: Quiet = False,
) -> int:
    """Run the shop day by day: after every simulated day its tables are written, loaded into the
    warehouse and the bundled dbt project is seeded, run and tested."""
    from jaffle_sim import console
    from jaffle_sim.pipeline import ValidationPlan, simulate_to_folder
    from jaffle_sim.settings import parse_anomalies, parse_warehouse, run_settings
    from jaffle_sim.validation.scoring import record_score, score_run

    if resume and overwrite:
        raise BadInput("--resume continues a run; --overwrite replaces it: choose one")
    settings = run_settings(
        days=days,
        seed=seed,
        end_date=end_date,
        out=out,
        config=config,
        sets=set_ or (),
        scale=scale,
        overwrite=overwrite,
        max_days=max_days,
        max_events=max_events,
    )
    warehouse = None
    if not no_dbt:
        warehouse = parse_warehouse(target, profiles_dir, conversion_window_days)
    if validate_every < 0:
        raise BadInput(f"--validate-every must be a whole number >= 0, got {validate_every}")
    validation = ValidationPlan(parse_anomalies(anomalies, settings.calendar), validate_every)
    execution = _execution(shards, workers, executor, scheduler)
    if warehouse is not None:
        from dataclasses import replace

        from jaffle_sim.warehouse.connection import check_warehouse

        warehouse = replace(warehouse, load=load)
        check_warehouse(warehouse)  # --load, and a user's warehouse reached, before any write

    def finish(result: RunResult) -> None:
        """The summary, the score and the report: the run is complete only after them."""
        if not quiet:
            console.summary(settings, result)
        if warehouse is not None:
            detection = score_run(settings.out)
            record_score(settings.out, detection)
            if not quiet:
                console.score_table(detection)
        if not no_report:
            _report(result, quiet)

    result = console.with_progress(
        settings.calendar.days,
        quiet,
        lambda progress: simulate_to_folder(
            settings,
            "run",
            SELECTIONS["all"],
            event_log=True,
            publish_daily=True,
            warehouse=warehouse,
            validation=validation,
            execution=execution,
            extra_outputs=[] if no_report else [REPORT],
            progress=progress,
            resume=resume,
            finish=finish,
        ),
    )
    if warehouse is not None and not result.dbt_ok:
        failed = sorted(
            {n for day in result.dbt if day.flavour == "training" for n in day.failed_nodes}
        )
        message = f"dbt failed on a training day: {', '.join(failed[:5])}"
        if warn_on_test_failure:
            console.say(f"warning: {message}")
            return 0
        console.say(f"error: {message}")
        return 1
    return 0


@app.command()
def score(
    out: Annotated[Path, typer.Argument(help="Folder of a `jaffle-sim run` made with dbt.")],
    format_: Annotated[str, typer.Option("--format", help="text | markdown | json")] = "text",
    min_recall: Annotated[
        float | None, typer.Option(help="Exit 1 when recall is below this.")
    ] = None,
    attribution: Annotated[
        bool,
        typer.Option(
            "--attribution",
            help="Instead: the five attribution models (the warehouse's attribution_touches, or "
            "from the event log without one) against the truth, per platform.",
        ),
    ] = False,
) -> int:
    """Which planted anomalies the warehouse's tests caught: per anomaly, recall, precision and
    false alarms on training days (also written to anomalies.json and run_manifest.json). With
    --attribution: how wrong each attribution model is, against the simulation's own truth."""
    from jaffle_sim import console
    from jaffle_sim.validation.scoring import ScoreError, record_score, score_run

    if format_ not in ("text", "markdown", "json"):
        raise BadInput(f"--format must be text, markdown or json, got {format_!r}")
    if min_recall is not None and not 0 <= min_recall <= 1:
        raise BadInput(f"--min-recall must be a number in [0, 1], got {min_recall}")
    _lock(out)
    if attribution:
        return _score_attribution(out, format_)
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
        console.score_table(result)
    if min_recall is not None and result.recall < min_recall:
        console.say(f"error: recall {result.recall:.2f} is below {min_recall}")
        return 1
    return 0


@app.command("profile")
def profile_command(
    out: RunFolderArg,
    flavour: Annotated[
        str, typer.Option(help="Which flavour's event log to measure: training or validation.")
    ] = "training",
    strict: Annotated[
        bool, typer.Option(help="Exit with status 1 when a measure is outside its tolerance.")
    ] = False,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Also write the checks to this JSON file.")
    ] = None,
) -> int:
    """Measure a run's realised behaviour against its scenario: conversion delays, same-day
    share, channel and payment mixes, CTR, repeat buying, churn, arrivals per weekday, ..."""
    from rich.console import Console

    from jaffle_sim import console
    from jaffle_sim.report.profile import profile_folder
    from jaffle_sim.report.run_data import RunDataError

    if flavour not in ("training", "validation"):
        raise BadInput(f"--flavour must be training or validation, got {flavour!r}")
    if json_path is not None and not json_path.parent.is_dir():
        raise BadInput(f"--json: no such folder: {json_path.parent}")
    if json_path is not None and json_path.is_dir():
        raise BadInput(f"--json must name a file, but {json_path} is a folder")
    try:
        result = profile_folder(out, flavour)
    except RunDataError as exc:
        raise BadInput(str(exc)) from None
    screen = Console()
    if not screen.is_terminal:
        screen = Console(width=140)  # a file or pipe gets whole lines
    screen.print(result.rich_table())
    if json_path is not None:
        json_path.write_text(json.dumps(result.records(), indent=2) + "\n")
    if strict and not result.ok:
        console.say(f"outside tolerance: {', '.join(c.parameter for c in result.failed)}")
        return 1
    return 0


@app.command("report")
def report_command(out: RunFolderArg) -> int:
    """Write OUT/report/index.html with charts (funnel, spend and revenue with ROAS, conversion
    delay, order hours, planted anomalies) and the fidelity profile."""
    from jaffle_sim import console
    from jaffle_sim.report.run_data import RunDataError
    from jaffle_sim.report.run_report import write_report

    _lock(out)
    try:
        index = write_report(out)
    except RunDataError as exc:
        raise BadInput(str(exc)) from None
    console.show(f"report: {index}")
    return 0


@scenario_app.command("show")
def scenario_show(config: Config = None, set_: Sets = None) -> None:
    """Print the scenario (default, or with --config/--set applied) as TOML."""
    import tomli_w

    from jaffle_sim.settings import build_scenario

    sys.stdout.write(tomli_w.dumps(build_scenario(config, set_ or ()).to_dict()))


@app.command("sweep")
def sweep_command(
    out: Annotated[str, typer.Option(help="Output folder of the sweep.")],
    days: Days = 30,
    replications: Annotated[int, typer.Option(help="Child seeds per grid point.")] = 5,
    grid: Annotated[
        list[str] | None,
        typer.Option(
            help="A scenario key and its values, e.g. --grid journey.return_probability=0.2,0.4."
        ),
    ] = None,
    seed: Seed = 42,
    end_date: EndDate = None,
    config: Config = None,
    set_: Sets = None,
    scale: Scale = 1.0,
    workers: Workers = None,
    executor: ExecutorOpt = "local",
    scheduler: Scheduler = None,
    overwrite: Overwrite = False,
    quiet: Quiet = False,
) -> int:
    """Monte-Carlo sweep: R replications of every grid point into OUT/point=<i>/replication=<r>/
    (the event log) and OUT/summary.csv (per point: mean and spread of orders, revenue,
    conversion rate and cost per acquisition per platform). No tables, no dbt."""
    from jaffle_sim import console
    from jaffle_sim.settings import parse_set, run_settings
    from jaffle_sim.simulation.scenario import ScenarioError
    from jaffle_sim.sweep import POINTS, SUMMARY, grid_points, run_sweep

    if not 1 <= replications <= 10_000:
        raise BadInput(f"--replications must be a whole number from 1 to 10000, got {replications}")
    axes: dict[str, list[object]] = {}
    for item in grid or []:
        key, sep, values = item.partition("=")
        if not sep or not key.strip() or not values.strip():
            raise BadInput(f"--grid expects key=value1,value2,..., got {item!r}")
        axes[key.strip()] = [parse_set([f"v={v.strip()}"])["v"] for v in values.split(",")]
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
    for key, choices in axes.items():
        for value in choices:
            try:
                settings.scenario.updated({key: value})
            except ScenarioError as exc:
                raise BadInput(f"--grid {key}={value}: {exc}") from None
    points = grid_points(axes)
    for point in points:
        try:
            settings.scenario.updated(point.changes)
        except ScenarioError as exc:
            raise BadInput(f"--grid point {point.index}: {exc}") from None
    execution = _execution(1, workers, executor, scheduler)
    root = settings.out
    existing = [root / POINTS, root / SUMMARY, *root.glob("point=*")]
    if any(p.exists() for p in existing) and not overwrite:
        raise BadInput(f"{root} already holds a sweep; pass --overwrite or choose another --out")
    import shutil

    for path in existing:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    total = settings.calendar.days

    def progress(index: int) -> None:
        if not quiet:
            console.say(f"day {index + 1}/{total}: {len(points)} points x {replications} runs")

    rows = run_sweep(
        root,
        settings.scenario,
        points,
        settings.calendar,
        settings.seed,
        replications,
        execution.executor,
        execution.workers,
        execution.scheduler,
        progress,
    )
    if not quiet:
        for row in rows:
            changes = ", ".join(f"{k}={row[k]}" for k in axes) or "(the scenario as is)"
            console.show(
                f"point {row['point']} {changes}: orders {row['orders_mean']:.0f}"
                f" ± {row['orders_std'] or 0:.0f}, revenue ${row['revenue_mean']:,.0f}"
            )
        console.show(f"summary: {root / SUMMARY}")
    return 0


def _score_attribution(out: Path, format_: str) -> int:
    from jaffle_sim.attribution.compare import AttributionError, score_attribution

    if not out.is_dir():
        raise BadInput(f"no such run folder: {out}")
    try:
        result = score_attribution(out)
    except AttributionError as exc:
        raise BadInput(str(exc)) from None
    if format_ == "json":
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
    elif format_ == "markdown":
        sys.stdout.write("```\n" + result.text() + "```\n")
    else:
        sys.stdout.write(result.text())
    return 0


@app.command("incrementality")
def incrementality_command(
    days: Days = 60,
    seed: Seed = 42,
    end_date: EndDate = None,
    config: Config = None,
    set_: Sets = None,
    scale: Scale = 1.0,
    platforms: Annotated[
        str, typer.Option(help="Platforms to switch off one at a time, comma-separated.")
    ] = "google,facebook,instagram",
    replications: Annotated[
        int, typer.Option(help="Replications (child seeds of --seed) for the intervals.")
    ] = 1,
    workers: Annotated[
        int | None, typer.Option(help="Processes running the worlds (default: the cores).")
    ] = None,
    format_: Annotated[str, typer.Option("--format", help="text | json")] = "text",
    quiet: Quiet = False,
) -> int:
    """What each platform really caused: the world as it is against the same world (same seed,
    same random streams) with the platform switched off. Per platform: spend, sign-ups, orders
    and revenue caused, cost per incremental acquisition and incremental ROAS, with 95%
    intervals over --replications."""
    import datetime as dt

    from jaffle_sim import console
    from jaffle_sim.attribution.incrementality import incrementality
    from jaffle_sim.attribution.report import incrementality_text
    from jaffle_sim.events import PLATFORMS
    from jaffle_sim.settings import (
        build_scenario,
        parse_calendar,
        parse_days,
        parse_end_date,
        parse_seed,
    )

    chosen = [p.strip() for p in platforms.split(",") if p.strip()]
    unknown = sorted(set(chosen) - set(PLATFORMS))
    if not chosen or unknown or len(set(chosen)) != len(chosen):
        raise BadInput(f"--platforms: a comma-separated list of {', '.join(PLATFORMS)}")
    if replications < 1:
        raise BadInput(f"--replications must be a whole number >= 1, got {replications}")
    if workers is not None and workers < 1:
        raise BadInput(f"--workers must be a whole number >= 1, got {workers}")
    if format_ not in ("text", "json"):
        raise BadInput(f"--format must be text or json, got {format_!r}")
    scenario = build_scenario(config, set_ or (), scale)
    end = parse_end_date(end_date, dt.datetime.now(dt.timezone.utc).date())
    calendar = parse_calendar(end, parse_days(days), scenario.customers.existing_history_days)

    def progress(done: int, total: int) -> None:
        if not quiet:
            console.say(f"{done}/{total} worlds simulated")

    result = incrementality(
        scenario, calendar, parse_seed(seed), chosen, replications, workers, progress
    )
    if format_ == "json":
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        sys.stdout.write(incrementality_text(result))
    return 0


def _lock(out: Path) -> None:
    """Hold the run folder `out` (when there is one) for the rest of the command: a run cannot
    start writing there meanwhile, nor this command write into a running one."""
    from jaffle_sim.output import lock
    from jaffle_sim.output.run_folder import RunFolder

    if out.is_dir():
        try:
            lock.hold(RunFolder(out.resolve()))
        except (lock.FolderLocked, lock.FolderNotWritable) as exc:
            raise BadInput(str(exc)) from None


def _report(result: RunResult, quiet: bool) -> None:
    from jaffle_sim.report.run_report import write_report

    index = write_report(result.folder.root)
    if not quiet:
        from jaffle_sim import console

        console.show(f"report: {index}")


# -- entry point -----------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Console-script entry: every failure is one line (see the module's docstring). Ctrl-C and
    SIGTERM stop the command as an interrupt; a run folder a command writes is locked for the
    whole command."""
    from jaffle_sim import interrupts
    from jaffle_sim.output import lock

    args = list(sys.argv[1:] if argv is None else argv)
    options = args[: args.index("--")] if "--" in args else args
    debug = "--debug" in options or os.environ.get("JAFFLE_SIM_DEBUG", "") not in ("", "0")
    if "--debug" in options:  # a global option, accepted anywhere before `--`
        args = ["--debug", *(a for a in options if a != "--debug"), *args[len(options) :]]
    import logging

    # A log file that cannot be written (a full disk under dbt's logs/) is not worth a traceback
    # per line: the failure itself still ends the command, in one line.
    logging.raiseExceptions = debug
    with interrupts.handled(), lock.command_scope(shlex.join(["jaffle-sim", *args])):
        try:
            rv = app(args=args, standalone_mode=False, prog_name="jaffle-sim")
        except BaseException as exc:
            if debug:
                raise
            return _failure(exc)
        if interrupts.received() is not None or rv == 130:  # typer turns Ctrl-C into 130
            return _interrupted(None)
    return rv if isinstance(rv, int) else 0


@app.callback()
def _global_options(
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            help="Show the Python traceback of a failure (for bug reports); also "
            "JAFFLE_SIM_DEBUG=1.",
        ),
    ] = False,
) -> None:
    pass  # main() reads --debug before the command runs


def _failure(exc: BaseException) -> int:
    """The exit status for `exc`, after one line on stderr."""
    from jaffle_sim import interrupts
    from jaffle_sim.output import lock

    kinds = {cls.__name__ for cls in type(exc).__mro__}
    if interrupts.is_interrupt(exc) or "Abort" in kinds:
        return _interrupted(exc)
    if isinstance(exc, BadInput):
        return _fail(str(exc), 2)
    if "NoArgsIsHelpError" in kinds:
        from jaffle_sim.console import say

        say(exc.format_message())  # type: ignore[attr-defined]
        return 2
    if "ClickException" in kinds:  # typer's own parsing errors (its click is vendored)
        return _fail(exc.format_message(), getattr(exc, "exit_code", 2))  # type: ignore[attr-defined]
    if isinstance(exc, SystemExit):
        return exc.code if isinstance(exc.code, int) else 1
    if isinstance(exc, OSError):
        where = exc.filename or ", ".join(str(r) for r in lock.held_roots())
        return _fail(f"{where}: {exc.strerror or exc}" if where else str(exc), 1)
    if isinstance(exc, MemoryError):
        return _fail("out of memory", 1)
    if not isinstance(exc, Exception):
        raise exc
    if type(exc).__module__.startswith("jaffle_sim."):  # a failure this tool describes itself
        return _fail(str(exc), 1)
    return _fail(f"{type(exc).__name__}: {exc} (--debug shows the traceback)", 1)


def _interrupted(exc: BaseException | None) -> int:
    from jaffle_sim import interrupts
    from jaffle_sim.console import say

    status = interrupts.exit_status(exc) if exc is not None else interrupts.exit_status()
    say("interrupted" if status == 130 else "interrupted (SIGTERM)")
    return status


def _fail(message: str, status: int) -> int:
    """`error: message` as one line on stderr; returns `status`."""
    from jaffle_sim.console import say

    line = "; ".join(part.strip() for part in str(message).splitlines() if part.strip())
    say(f"error: {line if len(line) <= 2000 else line[:1997] + '...'}")
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
