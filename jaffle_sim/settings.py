"""Command-line input turned into validated run settings. Every problem is a `BadInput` whose
message names the option or key and what was expected; nothing is written before this passes."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jaffle_sim.clock import Calendar

if TYPE_CHECKING:
    from jaffle_sim.simulation.scenario import Scenario
    from jaffle_sim.validation.anomalies import Anomaly
    from jaffle_sim.warehouse.daily_refresh import WarehouseSettings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


class BadInput(Exception):
    """Bad user input: shown as one line, exit status 2."""


@dataclass(frozen=True)
class RunSettings:
    """Everything that defines a run's output."""

    calendar: Calendar
    seed: int
    scenario: Scenario
    out: Path
    overwrite: bool


def parse_days(days: int) -> int:
    if days < 1:
        raise BadInput(f"--days must be a whole number of days >= 1, got {days}")
    return days


def parse_end_date(text: str | None, today: dt.date) -> dt.date:
    if text is None:
        return today
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadInput(f"--end-date must be a date as YYYY-MM-DD, got {text!r}") from None


def parse_seed(seed: int) -> int:
    if seed < 0:
        raise BadInput(f"--seed must be a whole number >= 0, got {seed}")
    return seed


def load_config(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise BadInput(f"--config: no such file: {path}")
    try:
        return tomllib.loads(path.read_text())
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"--config: cannot read {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"--config {path}: not valid TOML: {exc}") from None


def parse_set(items: Sequence[str]) -> dict[str, Any]:
    """`--set key=value` pairs; values are TOML literals (numbers, strings, arrays, tables)."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise BadInput(f"--set expects key=value, got {item!r}")
        try:
            out[key.strip()] = tomllib.loads(f"v = {value.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            out[key.strip()] = value.strip()
    return out


def build_scenario(config: Path | None, sets: Sequence[str] = (), scale: float = 1.0) -> Scenario:
    from jaffle_sim.simulation.scenario import Scenario, ScenarioError

    if not scale > 0:
        raise BadInput(f"--scale must be a number > 0, got {scale}")
    scenario = Scenario.default()
    try:
        if config is not None:
            scenario = Scenario.from_dict(load_config(config), base=scenario)
    except ScenarioError as exc:
        raise BadInput(f"--config {config}: {exc}") from None
    try:
        if sets:
            scenario = scenario.updated(parse_set(sets))
    except ScenarioError as exc:
        raise BadInput(f"--set {exc}") from None
    return scenario if scale == 1 else scenario.scaled(scale)


def parse_out(out: Path) -> Path:
    if out.exists() and not out.is_dir():
        raise BadInput(f"--out must be a folder, but {out} is a file")
    return out.resolve()


def parse_anomalies(spec: str | None) -> tuple[Anomaly, ...]:
    from jaffle_sim.validation.anomalies import AnomalyError, load_anomalies

    try:
        return load_anomalies(spec)
    except AnomalyError as exc:
        raise BadInput(f"--anomalies: {exc}") from None


def parse_warehouse(
    target: str | None, profiles_dir: Path | None, conversion_window_days: int
) -> WarehouseSettings:
    from jaffle_sim.warehouse.daily_refresh import WarehouseSettings

    if conversion_window_days < 1:
        raise BadInput(
            "--conversion-window-days must be a whole number of days >= 1, "
            f"got {conversion_window_days}"
        )
    if target is not None and profiles_dir is None:
        raise BadInput("--target needs --profiles-dir (the embedded warehouse has one target)")
    if profiles_dir is not None and not (profiles_dir / "profiles.yml").is_file():
        raise BadInput(f"--profiles-dir: no profiles.yml in {profiles_dir}")
    return WarehouseSettings(
        conversion_window_days, target, profiles_dir.resolve() if profiles_dir else None
    )


def run_settings(
    *,
    days: int,
    seed: int,
    end_date: str | None,
    out: Path,
    config: Path | None,
    sets: Sequence[str] = (),
    scale: float = 1.0,
    overwrite: bool = False,
) -> RunSettings:
    today = dt.datetime.now(dt.timezone.utc).date()
    return RunSettings(
        calendar=Calendar(parse_end_date(end_date, today), parse_days(days)),
        seed=parse_seed(seed),
        scenario=build_scenario(config, sets, scale),
        out=parse_out(out),
        overwrite=overwrite,
    )
