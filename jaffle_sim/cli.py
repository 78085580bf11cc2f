"""`jaffle-sim`: the command line.

  jaffle-sim generate {training|marketing|ads|all} [--days 60] [--seed 42] [--out DIR]
  jaffle-sim run [--days 8] ... [--no-dbt]
  jaffle-sim scenario show
Bad input is one line on stderr and exit status 2; nothing is written.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from jaffle_sim.events import DayEvents
from jaffle_sim.exporters.output import SELECTIONS
from jaffle_sim.pipeline import RunResult, simulate_to_folder
from jaffle_sim.settings import BadInput, RunSettings, run_settings
from jaffle_sim.simulation.clock import SimDay

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
    overwrite: Overwrite = False,
    quiet: Quiet = False,
) -> None:
    """Simulate the whole period at once and write the chosen tables (`all` adds the event log)."""
    if what not in SELECTIONS:
        raise BadInput(f"unknown table set {what!r}; expected one of: {', '.join(SELECTIONS)}")
    settings = run_settings(
        days=days,
        seed=seed,
        end_date=end_date,
        out=out,
        config=config,
        sets=set_ or (),
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
            progress=progress,
        ),
    )
    _summary(settings, result, quiet)


@app.command()
def run(
    days: Days = 8,
    seed: Seed = 42,
    end_date: EndDate = None,
    out: Out = DEFAULT_OUT,
    config: Config = None,
    set_: Sets = None,
    no_dbt: Annotated[bool, typer.Option("--no-dbt", help="Skip the warehouse.")] = False,
    overwrite: Overwrite = False,
    quiet: Quiet = False,
) -> None:
    """Run the shop day by day: every simulated day its tables are written (and loaded)."""
    if not no_dbt:
        raise BadInput("the warehouse step is not available in this version; pass --no-dbt")
    settings = run_settings(
        days=days,
        seed=seed,
        end_date=end_date,
        out=out,
        config=config,
        sets=set_ or (),
        overwrite=overwrite,
    )
    result = _with_progress(
        settings,
        quiet,
        lambda progress: simulate_to_folder(
            settings,
            "run",
            SELECTIONS["all"],
            event_log=True,
            publish_daily=True,
            progress=progress,
        ),
    )
    _summary(settings, result, quiet)


@scenario_app.command("show")
def scenario_show(config: Config = None, set_: Sets = None) -> None:
    """Print the scenario (default, or with --config/--set applied) as TOML."""
    import tomli_w

    from jaffle_sim.settings import build_scenario

    sys.stdout.write(tomli_w.dumps(build_scenario(config, set_ or ()).to_dict()))


# -- output ----------------------------------------------------------------------------------


def _console() -> Console:
    return Console(stderr=True)


def _with_progress(
    settings: RunSettings,
    quiet: bool,
    job: Callable[[Callable[[SimDay, DayEvents], None] | None], RunResult],
) -> RunResult:
    console = _console()
    total = settings.calendar.days
    if quiet:
        return job(None)
    if not console.is_terminal or os.environ.get("CI"):

        def line(day: SimDay, events: DayEvents) -> None:
            c = events.counts()
            console.print(
                f"day {day.index + 1}/{total} {day.date}: {c['session']:,} sessions, "
                f"{c['signed_up']:,} sign-ups, {c['order_placed']:,} orders",
                highlight=False,
            )

        return job(line)
    with Progress(
        TextColumn("[bold]simulating"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("", total=total)

        def tick(day: SimDay, events: DayEvents) -> None:
            bar.update(task, advance=1, description=f"{day.date}")

        return job(tick)


def _summary(settings: RunSettings, result: RunResult, quiet: bool) -> None:
    if quiet:
        return
    table = Table(
        title=f"jaffle-sim: {settings.calendar.days} days to "
        f"{settings.calendar.end_date}, seed {settings.seed}"
    )
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, rows in result.tables.items():
        table.add_row(name, f"{rows:,}")
    if result.events and (result.folder.events.exists()):
        table.add_row("events/ (Parquet)", f"{sum(result.events.values()):,}")
    console = Console()
    console.print(table)
    console.print(
        f"output: {result.folder.root}  ({result.seconds.get('total', 0):.1f} s)", highlight=False
    )


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
