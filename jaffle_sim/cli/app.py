"""The Typer application, the options the commands share and the helpers they call."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from jaffle_sim.settings import BadInput

if TYPE_CHECKING:
    from jaffle_sim.pipeline import RunResult
    from jaffle_sim.settings import RunSettings

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


@app.callback()
def _global_options(
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            help="Show the Python traceback of a failure and have dbt write its log "
            "(OUT/dbt_project/logs/dbt.log), for bug reports; also JAFFLE_SIM_DEBUG=1.",
        ),
    ] = False,
) -> None:
    """Declares the global options for `--help` and for parsing; `main()` reads `--debug` itself
    before the command runs, so that it also covers failures while parsing."""


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

Compat = Annotated[
    str,
    typer.Option(
        help="Column names of the tables: jaffle-sim, or original (the original demo's, whose "
        "ads files spell utm_campain)."
    ),
]
NoReport = Annotated[bool, typer.Option("--no-report", help="Do not write OUT/report/.")]
RunFolderArg = Annotated[Path, typer.Argument(help="Output folder of a run (--out).")]


# The options a command hands to `run_settings` under their own names (and --set as `set_`).
SETTINGS_OPTIONS = (
    "days",
    "seed",
    "end_date",
    "out",
    "config",
    "scale",
    "overwrite",
    "max_days",
    "max_events",
    "compat",
)
F = TypeVar("F", bound=Callable[..., Any])


def builds_settings(*without: str) -> Callable[[F], F]:
    """Marks a command that calls `parse_settings(locals())`. Checks, when the command is
    defined, that it has a parameter for --set and for every one of SETTINGS_OPTIONS but
    `without` (the settings it leaves at their defaults): a renamed parameter would otherwise
    leave its setting at the default without a word."""

    def check(command: F) -> F:
        params = set(inspect.signature(command).parameters)
        wanted = [n for n in (*SETTINGS_OPTIONS, "set_") if n not in without]
        unknown = sorted(set(without) - set(SETTINGS_OPTIONS))
        problems = [f"an unknown setting {n!r} left out" for n in unknown]
        problems += [f"no parameter {n!r}" for n in wanted if n not in params]
        problems += [f"a parameter {n!r} it leaves out" for n in without if n in params]
        if problems:
            raise TypeError(f"command {command.__name__} builds settings but has {problems[0]}")
        command.__settings__ = tuple(n for n in SETTINGS_OPTIONS if n not in without)  # type: ignore[attr-defined]
        return command

    return check


def parse_settings(options: dict[str, Any]) -> RunSettings:
    """The validated settings of a run from the options (`locals()`) of a command marked with
    `builds_settings`, and --set; --resume, where it has one, excludes --overwrite."""
    from jaffle_sim.settings import run_settings

    if options.get("resume") and options.get("overwrite"):
        raise BadInput("--resume continues a run; --overwrite replaces it: choose one")
    given = {name: options[name] for name in SETTINGS_OPTIONS if name in options}
    return run_settings(sets=options["set_"] or (), **given)


def parse_execution(shards: int, workers: int | None, executor: str, scheduler: str | None) -> Any:
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


def lock_folder(out: Path) -> None:
    """Hold the run folder `out` (when there is one) for the rest of the command: a run cannot
    start writing there meanwhile, nor this command write into a running one."""
    from jaffle_sim.output import lock
    from jaffle_sim.output.run_folder import RunFolder

    if out.is_dir():
        try:
            lock.hold(RunFolder(out.resolve()))
        except (lock.FolderLocked, lock.FolderNotWritable) as exc:
            raise BadInput(str(exc)) from None


def write_run_report(result: RunResult, quiet: bool) -> None:
    from jaffle_sim.report.run_report import write_report

    index = write_report(result.folder.root)
    if not quiet:
        from jaffle_sim import console

        console.show(f"report: {index}")
