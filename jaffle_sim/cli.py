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
MaxDays = Annotated[int, typer.Option(help="Allow --days up to this.")]
MaxEvents = Annotated[
    int, typer.Option(help="Allow runs whose expected events per flavour are up to this.")
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
    result = console.with_progress(
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
        ),
    )
    if not quiet:
        console.summary(settings, result)
    if report:
        _report(result, quiet)


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
        ),
    )
    if not quiet:
        console.summary(settings, result)
    if warehouse is not None:
        detection = score_run(settings.out)
        record_score(settings.out, detection)
        if not quiet:
            console.score_table(detection)
    if not no_report:
        _report(result, quiet)
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
) -> int:
    """Which planted anomalies the warehouse's tests caught: per anomaly, recall, precision and
    false alarms on training days (also written to anomalies.json and run_manifest.json)."""
    from jaffle_sim import console
    from jaffle_sim.validation.scoring import ScoreError, record_score, score_run

    if format_ not in ("text", "markdown", "json"):
        raise BadInput(f"--format must be text, markdown or json, got {format_!r}")
    if min_recall is not None and not 0 <= min_recall <= 1:
        raise BadInput(f"--min-recall must be a number in [0, 1], got {min_recall}")
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


def _report(result: RunResult, quiet: bool) -> None:
    from jaffle_sim.report.run_report import write_report

    index = write_report(result.folder.root)
    if not quiet:
        from jaffle_sim import console

        console.show(f"report: {index}")


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
    from jaffle_sim.console import say

    say(f"error: {message}")
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
