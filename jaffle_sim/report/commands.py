"""Command-line commands of the report package, added to the `jaffle-sim` app by `register`:

jaffle-sim profile OUT [--flavour training] [--strict] [--json FILE]
jaffle-sim report OUT
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from jaffle_sim.report.run_data import RunDataError
from jaffle_sim.settings import BadInput

RunFolderArg = Annotated[Path, typer.Argument(help="Output folder of a run (--out).")]


def register(app: typer.Typer) -> None:
    """Add this package's commands to `app`."""
    app.command("profile")(profile_command)
    app.command("report")(report_command)


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
    from jaffle_sim.report.profile import profile_folder

    if flavour not in ("training", "validation"):
        raise BadInput(f"--flavour must be training or validation, got {flavour!r}")
    try:
        result = profile_folder(out, flavour)
    except RunDataError as exc:
        raise BadInput(str(exc)) from None
    console = Console()
    if not console.is_terminal:
        console = Console(width=140)  # a file or pipe gets whole lines
    console.print(result.rich_table())
    if json_path is not None:
        json_path.write_text(json.dumps(result.records(), indent=2) + "\n")
    if strict and not result.ok:
        names = ", ".join(c.parameter for c in result.failed)
        Console(stderr=True).print(f"outside tolerance: {names}", highlight=False, markup=False)
        return 1
    return 0


def report_command(out: RunFolderArg) -> int:
    """Write OUT/report/index.html with charts (funnel, spend and revenue with ROAS, conversion
    delay, order hours, planted anomalies) and the fidelity profile."""
    from jaffle_sim.report.run_report import write_report

    try:
        index = write_report(out)
    except RunDataError as exc:
        raise BadInput(str(exc)) from None
    Console().print(f"report: {index}", highlight=False, markup=False)
    return 0
