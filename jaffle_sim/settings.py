"""Command-line input turned into validated run settings. Every problem is a `BadInput` whose
message names the option, file or key and what was expected; nothing is written before this
passes.

Bounds that keep a run within the machine (each can be lifted by an option):

- `--days` at most `MAX_DAYS` (3650, ten years; `--max-days N` lifts it);
- the expected event volume of a flavour, estimated from the scenario before the run
  (`expected_events`: ad days, clicks, sessions, sign-ups and orders with their payments and
  status changes, growing with the demand; about 250,000 for the default 60 days) at most
  `MAX_EVENTS` (100 million; `--max-events N` lifts it).

Every date a run touches, from its existing customers' history to the last simulated day, lies
within `FIRST_DATE` and `LAST_DATE` (1900-01-01 to 2199-12-31): timestamps stay within what the
table writers and pandas can represent.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import math
import re
import sys
from collections.abc import Mapping, Sequence
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

MAX_DAYS = 3650
MAX_EVENTS = 100_000_000
MAX_SEED = 2**63 - 1
FIRST_DATE = dt.date(1900, 1, 1)
LAST_DATE = dt.date(2199, 12, 31)
VIRTUAL_FILE_SYSTEMS = (Path("/proc"), Path("/sys"))


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


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_days(days: int, max_days: int = MAX_DAYS) -> int:
    if not _whole(days) or days < 1:
        raise BadInput(f"--days must be a whole number of days >= 1, got {days}")
    if days > max_days:
        raise BadInput(
            f"--days {days} is more than the maximum of {max_days} days; pass --max-days "
            f"{days} to allow it"
        )
    return days


def parse_end_date(text: str | None, today: dt.date) -> dt.date:
    if text is None:
        return today
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadInput(f"--end-date must be a date as YYYY-MM-DD, got {text!r}") from None


def parse_calendar(end_date: dt.date, days: int, history_days: int = 0) -> Calendar:
    """The run's calendar; every date it touches (the existing customers' `history_days` before
    the first day included) must lie within FIRST_DATE and LAST_DATE."""
    window = f"dates must lie within {FIRST_DATE} and {LAST_DATE}"
    if not FIRST_DATE <= end_date <= LAST_DATE:
        raise BadInput(f"--end-date {end_date}: {window}")
    reach = (end_date - FIRST_DATE).days + 1  # days from FIRST_DATE through end_date
    if days > reach:
        raise BadInput(f"--days {days} before --end-date {end_date} starts before {FIRST_DATE}")
    if days + history_days > reach:
        start = end_date - dt.timedelta(days=days - 1)
        raise BadInput(
            f"the run starts on {start} and its existing customers' history "
            f"(customers.existing_history_days = {history_days}) reaches back before "
            f"{FIRST_DATE}: {window}; choose a later --end-date"
        )
    return Calendar(end_date, days)


def parse_seed(seed: int) -> int:
    if not _whole(seed) or not 0 <= seed <= MAX_SEED:
        raise BadInput(f"--seed must be a whole number from 0 to {MAX_SEED}, got {seed}")
    return seed


def parse_scale(scale: float) -> float:
    if not (isinstance(scale, (int, float)) and math.isfinite(scale) and scale > 0):
        raise BadInput(f"--scale must be a finite number > 0, got {scale}")
    return float(scale)


def _read_text(path: Path, option: str) -> str:
    """A UTF-8 text file named by an option; BadInput naming it when it cannot be read."""
    if not path.is_file():
        raise BadInput(f"{option}: no such file: {path}")
    try:
        return path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise BadInput(f"{option}: cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise BadInput(
            f"{option} {path}: not UTF-8 text (byte {exc.start}: {exc.reason})"
        ) from None


def load_config(path: Path) -> dict[str, Any]:
    text = _read_text(path, "--config")
    try:
        return tomllib.loads(text)
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
    """The default scenario with `config` and `--set` overlaid, scaled. Values the scenario
    cannot hold (out of range, or so large that its arithmetic overflows) are BadInput naming the
    file or key."""
    from jaffle_sim.simulation.scenario import Scenario, ScenarioError

    scale = parse_scale(scale)
    scenario = Scenario.default()
    if config is not None:
        data = load_config(config)
        try:
            scenario = Scenario.from_dict(data, base=scenario)
        except ScenarioError as exc:
            raise BadInput(f"--config {config}: {exc}") from None
        except (ArithmeticError, ValueError, TypeError) as exc:
            raise BadInput(f"--config {config}: a value the scenario cannot hold: {exc}") from None
    if sets:
        changes = parse_set(sets)
        try:
            scenario = scenario.updated(changes)
        except ScenarioError as exc:
            raise BadInput(f"--set {exc}") from None
        except (ArithmeticError, ValueError, TypeError) as exc:
            keys = ", ".join(changes)
            raise BadInput(f"--set {keys}: a value the scenario cannot hold: {exc}") from None
    if scale == 1:
        return scenario
    try:
        return scenario.scaled(scale)
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise BadInput(f"--scale {scale}: the scaled scenario is out of range: {exc}") from None


def expected_events(scenario: Scenario, days: int) -> float:
    """A rough estimate of the events one flavour of a run simulates (within a factor of about
    two; infinite when the scenario's numbers overflow): ad days, clicks, sessions, sign-ups and
    orders (with a payment and status changes each), growing with the demand."""
    try:
        rate = (1.0 + scenario.demand.growth_per_30_days) ** (1 / 30)
        grown_days = days if abs(rate - 1) < 1e-12 else (rate**days - 1) / (rate - 1)
        running = clicks = 0.0
        for ad in scenario.ads.values():
            ads = ad.launches_per_day * ad.duration_days.mean
            spend = ad.daily_budget_cents.mean * ad.spend_pacing.mean
            impressions = spend / ad.cpm_cents.mean * 1000 if spend else 0.0
            running += ads
            clicks += ads * impressions * ad.ctr.mean
        journey, customers = scenario.journey, scenario.customers
        visitors = scenario.traffic.organic_visitors_per_day + clicks
        p = journey.return_probability
        sessions = journey.max_sessions if p >= 1 else min(journey.max_sessions, 1 / (1 - p))
        conversion = journey.first_visit_conversion
        conversion += journey.return_visit_conversion * (sessions - 1)
        signups = visitors * min(1.0, conversion)
        buyers = customers.existing_customers + signups * days / 2
        orders = buyers * customers.purchase_rate_per_day.mean
        per_day = running + clicks + visitors * sessions + 2 * signups + 4 * orders
        estimate = float(per_day * grown_days)
    except (ArithmeticError, ValueError):
        return math.inf
    return estimate if math.isfinite(estimate) else math.inf


def check_volume(scenario: Scenario, days: int, max_events: int = MAX_EVENTS) -> None:
    if not _whole(max_events) or max_events < 1:
        raise BadInput(f"--max-events must be a whole number >= 1, got {max_events}")
    estimate = expected_events(scenario, days)
    if not estimate <= max_events:
        if math.isinf(estimate) or math.isnan(estimate):
            shown = "too many events to count"
        else:
            shown = f"about {estimate:,.0f} events" if estimate < 1e15 else f"{estimate:.1e} events"
        raise BadInput(
            f"the run would simulate {shown} per flavour ({days} days of this scenario and "
            f"--scale), more than --max-events {max_events:,}; pass --max-events to allow it if "
            "the machine can take it"
        )


def parse_out(out: str | Path) -> Path:
    """The output folder, resolved: not empty, not a file or inside one, not in /proc or /sys.
    (That it can be written is checked when the run takes the folder's lock.)"""
    text = str(out) if isinstance(out, Path) else out
    if not text.strip():
        raise BadInput("--out must name a folder, got an empty string")
    path = Path(text)
    try:
        if path.exists() and not path.is_dir():
            raise BadInput(f"--out must be a folder, but {path} is a file")
        for parent in path.parents:
            if parent.exists():
                if not parent.is_dir():
                    raise BadInput(f"--out {path} is inside {parent}, which is a file")
                break
        resolved = path.resolve()
    except (OSError, RuntimeError, ValueError) as exc:
        raise BadInput(f"--out {text!r}: {getattr(exc, 'strerror', None) or exc}") from None
    for system in VIRTUAL_FILE_SYSTEMS:
        if resolved == system or system in resolved.parents:
            raise BadInput(f"--out {resolved} is on the virtual file system {system}")
    return resolved


# -- anomalies ----------------------------------------------------------------------------------


def parse_anomalies(spec: str | None, calendar: Calendar | None = None) -> tuple[Anomaly, ...]:
    """`--anomalies`: None (the default set), "none", or a TOML file of `[[anomaly]]` tables.
    With `calendar`, every anomaly's day must be one of the run's days."""
    from jaffle_sim.validation.anomalies import AnomalyError, load_anomalies

    if spec is not None and spec != "none":
        _check_anomaly_file(Path(spec))
    try:
        anomalies = load_anomalies(spec)
    except (AnomalyError, ValueError, TypeError) as exc:
        raise BadInput(f"--anomalies: {exc}") from None
    if calendar is not None and spec is not None and spec != "none":
        for number, anomaly in enumerate(anomalies, start=1):
            try:
                date = anomaly.date(calendar.end_date)
            except OverflowError:
                date = None
            if date is None or not calendar.start_date <= date <= calendar.end_date:
                raise BadInput(
                    f"--anomalies {spec}: anomaly {number} ({anomaly.kind}): day {anomaly.day} "
                    f"is not a day of the run ({calendar.start_date} to {calendar.end_date})"
                )
    return anomalies


def _check_anomaly_file(path: Path) -> None:
    """The file's shape and value types, each problem naming the file, entry and key."""
    from jaffle_sim.validation.anomalies import KINDS

    text = _read_text(path, "--anomalies")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"--anomalies {path}: not valid TOML: {exc}") from None
    entries = data.get("anomaly", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise BadInput(f"--anomalies {path}: anomaly must be [[anomaly]] tables")
    for number, entry in enumerate(entries, start=1):
        where = f"--anomalies {path}: anomaly {number}"
        kind = entry.get("kind")
        if not isinstance(kind, str):
            raise BadInput(f"{where}: kind must be one of {', '.join(KINDS)}, got {kind!r}")
        day = entry.get("day")
        if day is not None and not (
            _whole(day) or (isinstance(day, dt.date) and not isinstance(day, dt.datetime))
        ):
            raise BadInput(
                f"{where} ({kind}): day must be a whole number of days (-1 = the last day) or a "
                f"date, got {day!r}"
            )
        defaults: Mapping[str, Any] = KINDS[kind].defaults if kind in KINDS else {}
        for key, default in defaults.items():
            if key in entry and not _same_type(entry[key], default):
                expected = "text" if isinstance(default, str) else "a number"
                if _whole(default):
                    expected = "a whole number"
                raise BadInput(f"{where} ({kind}): {key} must be {expected}, got {entry[key]!r}")


def _same_type(value: Any, default: Any) -> bool:
    if isinstance(default, str):
        return isinstance(value, str)
    if _whole(default):
        return _whole(value)
    if isinstance(default, float):
        return (
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            and (math.isfinite(value))
        )
    return True


# -- the warehouse ------------------------------------------------------------------------------

_JINJA = re.compile(r"{{|{%")
_ADAPTER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


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
    if profiles_dir is not None:
        if not (profiles_dir / "profiles.yml").is_file():
            raise BadInput(f"--profiles-dir: no profiles.yml in {profiles_dir}")
        check_profile(profiles_dir / "profiles.yml", target)
    return WarehouseSettings(
        conversion_window_days, target, profiles_dir.resolve() if profiles_dir else None
    )


def check_profile(path: Path, target: str | None) -> None:
    """What dbt would refuse about the profile, found before anything is written: the YAML, the
    profile `jaffle_sim`, the target (`target`, else the profile's own) and that its adapter is
    installed. Values rendered by dbt (Jinja, such as env_var) are left to dbt."""
    from jaffle_sim.warehouse.dbt_project import PROFILE_NAME

    yaml: Any = importlib.import_module("yaml")  # PyYAML, a dependency of dbt
    text = _read_text(path, "--profiles-dir")
    where = f"--profiles-dir {path}"
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        problem = " ".join(str(exc).split())
        raise BadInput(f"{where}: not valid YAML: {problem}") from None
    profile = data.get(PROFILE_NAME) if isinstance(data, dict) else None
    if not isinstance(profile, dict):
        found = ", ".join(str(k) for k in data) if isinstance(data, dict) else "none"
        raise BadInput(f"{where}: no profile {PROFILE_NAME!r} (profiles: {found or 'none'})")
    outputs = profile.get("outputs")
    if not isinstance(outputs, dict) or not outputs:
        raise BadInput(f"{where}: profile {PROFILE_NAME!r} has no outputs (targets)")
    name = target if target is not None else profile.get("target", "default")
    if not isinstance(name, str) or _JINJA.search(name):
        return
    if name not in outputs:
        targets = ", ".join(str(k) for k in outputs)
        option = "--target" if target is not None else "its target"
        raise BadInput(
            f"{where}: profile {PROFILE_NAME!r} has no target {name!r} ({option}; targets: "
            f"{targets})"
        )
    output = outputs[name]
    kind = output.get("type") if isinstance(output, dict) else None
    if not isinstance(kind, str) or not kind:
        raise BadInput(f"{where}: target {name!r} has no adapter type")
    if _JINJA.search(kind):
        return
    if not _ADAPTER.fullmatch(kind) or importlib.util.find_spec(f"dbt.adapters.{kind}") is None:
        raise BadInput(
            f"{where}: target {name!r} uses the adapter type {kind!r}, which is not installed "
            f"(no module dbt.adapters.{kind}; pip install dbt-{kind})"
        )


# -- everything ---------------------------------------------------------------------------------


def run_settings(
    *,
    days: int,
    seed: int,
    end_date: str | None,
    out: str | Path,
    config: Path | None,
    sets: Sequence[str] = (),
    scale: float = 1.0,
    overwrite: bool = False,
    max_days: int = MAX_DAYS,
    max_events: int = MAX_EVENTS,
) -> RunSettings:
    if not _whole(max_days) or max_days < 1:
        raise BadInput(f"--max-days must be a whole number >= 1, got {max_days}")
    today = dt.datetime.now(dt.timezone.utc).date()
    days = parse_days(days, max_days)
    end = parse_end_date(end_date, today)
    parse_calendar(end, days)
    seed = parse_seed(seed)
    out_path = parse_out(out)
    scenario = build_scenario(config, sets, scale)
    calendar = parse_calendar(end, days, scenario.customers.existing_history_days)
    check_volume(scenario, days, max_events)
    return RunSettings(
        calendar=calendar, seed=seed, scenario=scenario, out=out_path, overwrite=overwrite
    )
