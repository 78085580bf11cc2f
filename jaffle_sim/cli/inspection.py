"""Commands that read a run folder: `score`, `profile`, `report`, and `scenario show`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from jaffle_sim.cli.app import (
    Config,
    RunFolderArg,
    Sets,
    app,
    lock_folder,
    scenario_app,
)
from jaffle_sim.settings import BadInput


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
    lock_folder(out)
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

    lock_folder(out)
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


def _score_attribution(out: Path, format_: str) -> int:
    from jaffle_sim.attribution.compare import score_attribution
    from jaffle_sim.attribution.sources import AttributionError

    check_run(out)
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


@app.command("query")
def query_command(
    out: RunFolderArg,
    sql: Annotated[str, typer.Argument(help="One SELECT statement on the run's views.")],
    format_: Annotated[str, typer.Option("--format", help="text | csv | json")] = "text",
) -> int:
    """Run SQL on a run folder in DuckDB: a view per table (raw_orders_training, stg_app_sessions,
    ...) and per event kind (session, order_placed, ..., with flavour and date columns)."""
    import csv

    from jaffle_sim.report.run_views import query

    if format_ not in ("text", "csv", "json"):
        raise BadInput(f"--format must be text, csv or json, got {format_!r}")
    columns, rows = query(out, sql)  # open_run refuses a damaged run
    if format_ == "json":
        records = [dict(zip(columns, row)) for row in rows]
        sys.stdout.write(json.dumps(records, indent=2, default=str) + "\n")
    elif format_ == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(*columns)
        for row in rows:
            table.add_row(*("" if v is None else str(v) for v in row))
        Console().print(table)
    return 0


def check_run(out: Path) -> None:
    """Refuse a folder that holds no run, or a complete run whose listed files are not whole."""
    from jaffle_sim.output.run_folder import RunFolder
    from jaffle_sim.report.run_data import RunDataError, read_manifest

    try:
        read_manifest(RunFolder(out.resolve()))
    except RunDataError as exc:
        raise BadInput(str(exc)) from None
