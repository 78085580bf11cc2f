"""Command-line input turned into validated run settings. Every problem is a `BadInput` whose
message names the option, file or key and what was expected; nothing is written before this
passes.

Bounds that keep a run within the machine (each can be lifted by an option):

- `--days` at most `MAX_DAYS` (3650, ten years; `--max-days N` lifts it);
- the expected event volume of a flavour, estimated from the scenario before the run
  (`expected_events`: ad days, clicks, sessions, sign-ups and orders with their payments and
  status changes, growing with the demand; about 275,000 for the default 60 days) at most
  `MAX_EVENTS` (100 million; `--max-events N` lifts it).

Every date a run touches, from its existing customers' history to the last simulated day, lies
within `FIRST_DATE` and `LAST_DATE` (1900-01-01 to 2199-12-31): timestamps stay within what the
table writers and pandas can represent.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jaffle_sim.clock import Calendar

if TYPE_CHECKING:
    from jaffle_sim.simulation.scenario import Scenario

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
    """Bad user input: shown as one line, exit status 2. A line break inside the message (a
    value quoted from the input may hold one, such as U+0085) is shown escaped."""

    def __init__(self, message: object = "") -> None:
        text = str(message)
        super().__init__("".join(_LINE_BREAKS.get(ch, ch) for ch in text))


#: The characters `str.splitlines` breaks at, and how a one-line message shows them.
_LINE_BREAKS = {ch: repr(ch)[1:-1] for ch in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"}


@dataclass(frozen=True)
class RunSettings:
    """Everything that defines a run's output."""

    calendar: Calendar
    seed: int
    scenario: Scenario
    out: Path
    overwrite: bool
    compat: str = "jaffle-sim"  # the column names the tables are written with (contract.COMPAT)


def whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_days(days: int, max_days: int = MAX_DAYS) -> int:
    if not whole(days) or days < 1:
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
    if not whole(seed) or not 0 <= seed <= MAX_SEED:
        raise BadInput(f"--seed must be a whole number from 0 to {MAX_SEED}, got {seed}")
    return seed


def parse_scale(scale: float) -> float:
    if not (isinstance(scale, (int, float)) and math.isfinite(scale) and scale > 0):
        raise BadInput(f"--scale must be a finite number > 0, got {scale}")
    return float(scale)


def read_text(path: Path, option: str) -> str:
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
    text = read_text(path, "--config")
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
        per_day = running + clicks + visitors * sessions + 2 * signups + 5 * orders
        estimate = float(per_day * grown_days)
    except (ArithmeticError, ValueError):
        return math.inf
    return estimate if math.isfinite(estimate) else math.inf


def check_volume(scenario: Scenario, days: int, max_events: int = MAX_EVENTS) -> None:
    if not whole(max_events) or max_events < 1:
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
    compat: str = "jaffle-sim",
) -> RunSettings:
    from jaffle_sim.output.contract import COMPAT

    if compat not in COMPAT:
        raise BadInput(f"--compat must be one of {', '.join(COMPAT)}, got {compat!r}")
    if not whole(max_days) or max_days < 1:
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
        calendar=calendar,
        seed=seed,
        scenario=scenario,
        out=out_path,
        overwrite=overwrite,
        compat=compat,
    )
