"""Many runs of one scenario: `sweep` (a Monte-Carlo grid) and `incrementality` (each platform
switched off)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from jaffle_sim.cli.app import (
    Config,
    Days,
    EndDate,
    ExecutorOpt,
    Overwrite,
    Quiet,
    Scale,
    Scheduler,
    Seed,
    Sets,
    Workers,
    app,
    builds_settings,
    parse_execution,
    parse_settings,
)
from jaffle_sim.settings import BadInput


@app.command("sweep")
@builds_settings("max_days", "max_events", "compat")
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
    from jaffle_sim.settings import parse_set
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
    settings = parse_settings(locals())
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
    execution = parse_execution(1, workers, executor, scheduler)
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
