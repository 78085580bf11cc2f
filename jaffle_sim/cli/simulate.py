"""`generate` (the whole period at once) and `run` (day by day, with the warehouse)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from jaffle_sim.cli.app import (
    DEFAULT_OUT,
    Anomalies,
    Compat,
    Config,
    Days,
    EndDate,
    ExecutorOpt,
    MaxDays,
    MaxEvents,
    NoReport,
    Out,
    Overwrite,
    Quiet,
    Resume,
    Scale,
    Scheduler,
    Seed,
    Sets,
    Shards,
    Workers,
    app,
    builds_settings,
    parse_execution,
    parse_settings,
    write_run_report,
)
from jaffle_sim.output.contract import SELECTIONS
from jaffle_sim.output.run_folder import REPORT

if TYPE_CHECKING:
    from jaffle_sim.pipeline import RunResult
from jaffle_sim.settings import MAX_DAYS, MAX_EVENTS, BadInput


@app.command()
@builds_settings()
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
    compat: Compat = "jaffle-sim",
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
    from jaffle_sim.validation.anomaly_file import parse_anomalies

    if what not in SELECTIONS:
        raise BadInput(f"unknown table set {what!r}; expected one of: {', '.join(SELECTIONS)}")
    with_validation = any(t.endswith("_validation") for t in SELECTIONS[what])
    if anomalies is not None and not with_validation:
        raise BadInput(f"--anomalies: `generate {what}` writes no validation tables")
    settings = parse_settings(locals())
    plan = ValidationPlan(parse_anomalies(anomalies, settings.calendar))
    validation = plan if with_validation else None
    report = what == "all" and not no_report
    execution = parse_execution(shards, workers, executor, scheduler)

    def finish(result: RunResult) -> None:
        if not quiet:
            console.summary(settings, result)
        if report:
            write_run_report(result, quiet)

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
@builds_settings()
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
    elementary: Annotated[
        bool,
        typer.Option(
            "--elementary",
            help="Add the Elementary dbt package and its anomaly monitors to the warehouse "
            "(packages from --elementary-packages, else `dbt deps`, which needs the package hub).",
        ),
    ] = False,
    elementary_packages: Annotated[
        Path | None,
        typer.Option(
            help="With --elementary: a folder holding copies of the packages, elementary/ "
            "(elementary-data/dbt-data-reliability) and dbt_utils/ (dbt-labs/dbt-utils).",
        ),
    ] = None,
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
    compat: Compat = "jaffle-sim",
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
    from jaffle_sim.validation.anomaly_file import parse_anomalies
    from jaffle_sim.validation.scoring import record_score, score_run
    from jaffle_sim.warehouse.profile import parse_warehouse

    settings = parse_settings(locals())
    if compat != "jaffle-sim" and not no_dbt:
        raise BadInput(
            f"--compat {compat} writes column names the bundled dbt project does not read: "
            "add --no-dbt (and build the tables with a project made for them)"
        )
    warehouse = None
    if not no_dbt:
        warehouse = parse_warehouse(target, profiles_dir, conversion_window_days)
    if (elementary or elementary_packages is not None) and no_dbt:
        raise BadInput("--elementary adds monitors to the warehouse: it cannot go with --no-dbt")
    if elementary_packages is not None and not elementary:
        raise BadInput("--elementary-packages goes with --elementary: add --elementary")
    if validate_every < 0:
        raise BadInput(f"--validate-every must be a whole number >= 0, got {validate_every}")
    validation = ValidationPlan(parse_anomalies(anomalies, settings.calendar), validate_every)
    execution = parse_execution(shards, workers, executor, scheduler)
    if warehouse is not None:
        from dataclasses import replace

        from jaffle_sim.warehouse.connection import check_warehouse

        warehouse = replace(warehouse, load=load)
        check_warehouse(warehouse)  # --load, and a user's warehouse reached, before any write
        if elementary:
            from jaffle_sim.warehouse import elementary as edr

            packages = (
                edr.check_packages(elementary_packages)
                if elementary_packages is not None
                else edr.install_with_deps()
            )
            warehouse = replace(warehouse, elementary_packages=packages)

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
            write_run_report(result, quiet)

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
