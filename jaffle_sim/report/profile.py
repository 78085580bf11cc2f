"""The fidelity profile: does a run behave as its scenario says?

    from jaffle_sim import Scenario, simulate
    from jaffle_sim.report.profile import profile_result
    result = simulate(Scenario.default().updated({"journey.order_timing.same_day_share": 0.5}))
    profile_result(result).frame()          # one line per check, in a DataFrame

`profile_folder(OUT)` does the same from the files of any run folder (`jaffle-sim profile OUT`).
Every line compares a measured value with what the scenario makes us expect and says whether it
lies within the tolerance (see `checks`).
"""

from __future__ import annotations

import datetime as dt
import html
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from rich.table import Table

from jaffle_sim.report import (
    fidelity,
    fidelity_customers,
    fidelity_growth,
    fidelity_quality,
    fidelity_timing,
)
from jaffle_sim.report import measures as m
from jaffle_sim.report.checks import Check
from jaffle_sim.report.run_data import RunData

if TYPE_CHECKING:
    from jaffle_sim.api import SimulationResult

STATUS_STYLE = {"ok": "green", "off": "bold red", "info": "dim", "no data": "yellow"}


@dataclass(repr=False)
class Profile:
    """The checks of one flavour of a run."""

    flavour: str
    start_date: dt.date
    days: int
    checks: list[Check] = field(default_factory=list)

    @property
    def failed(self) -> list[Check]:
        """Checks whose measured value lies outside their tolerance."""
        return [check for check in self.checks if check.status == "off"]

    @property
    def ok(self) -> bool:
        return not self.failed

    def check(self, parameter: str) -> Check:
        """The check of one parameter, e.g. `profile.check("shop.return_share").measured`."""
        for item in self.checks:
            if item.parameter == parameter:
                return item
        raise KeyError(parameter)

    def records(self) -> list[dict[str, Any]]:
        """One dict per check: section, parameter, configured, expected, measured, tolerance,
        n, unit, status, note (None where there is nothing to say)."""
        return [
            {
                "section": ch.section,
                "parameter": ch.parameter,
                "configured": ch.configured,
                "expected": _finite(ch.expected),
                "measured": _finite(ch.measured),
                "tolerance": _finite(ch.tolerance),
                "n": ch.n,
                "unit": ch.unit,
                "status": ch.status,
                "note": ch.note,
            }
            for ch in self.checks
        ]

    def frame(self) -> pd.DataFrame:
        """The checks as a DataFrame, one row each (columns as `records`)."""
        return pd.DataFrame(self.records())

    def summary(self) -> str:
        counts = pd.Series([ch.status for ch in self.checks]).value_counts()
        parts = [f"{counts.get(s, 0)} {s}" for s in STATUS_STYLE if counts.get(s, 0)]
        return f"{self.flavour}, {self.days} days from {self.start_date}: " + ", ".join(parts)

    def rich_table(self) -> Table:
        """The profile as a table for the terminal."""
        table = Table(title=f"fidelity profile: {self.summary()}", title_justify="left")
        for col, justify in (
            ("parameter", "left"),
            ("configured", "left"),  # distributions wrap
            ("expected", "right"),
            ("measured", "right"),
            ("tolerance", "right"),
            ("n", "right"),
            ("", "left"),
        ):
            table.add_column(
                col,
                justify=justify,  # type: ignore[arg-type]
                overflow="fold",
                max_width=30 if col == "configured" else None,
            )
        section = None
        for ch in self.checks:
            if ch.section != section:
                section = ch.section
                table.add_section()
                table.add_row(f"[bold]{section}[/bold]")
            style = STATUS_STYLE[ch.status]
            table.add_row(
                ch.parameter,
                ch.configured,
                fmt(ch.expected, ch.unit),
                fmt(ch.measured, ch.unit),
                "" if ch.tolerance is None else f"±{ch.tolerance:.2g}",
                f"{ch.n:,}",
                f"[{style}]{ch.status}[/{style}]",
            )
        return table

    def to_html(self) -> str:
        """The profile as an HTML table (also what a notebook shows)."""
        rows = []
        section = None
        for ch in self.checks:
            if ch.section != section:
                section = ch.section
                rows.append(f'<tr class="section"><th colspan="7">{html.escape(section)}</th></tr>')
            cells = [
                ch.parameter,
                ch.configured,
                fmt(ch.expected, ch.unit),
                fmt(ch.measured, ch.unit),
                "" if ch.tolerance is None else f"±{ch.tolerance:.2g}",
                f"{ch.n:,}",
                ch.status,
            ]
            tds = "".join(f"<td>{html.escape(x)}</td>" for x in cells)
            title = f' title="{html.escape(ch.note)}"' if ch.note else ""
            rows.append(f'<tr class="{ch.status.replace(" ", "-")}"{title}>{tds}</tr>')
        head = "".join(
            f"<th>{h}</th>"
            for h in ("parameter", "configured", "expected", "measured", "tolerance", "n", "")
        )
        return (
            f'<table class="profile"><caption>{html.escape(self.summary())}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        lines = [f"<Profile {self.summary()}>"]
        lines += [
            f"  off: {c.parameter} expected {fmt(c.expected)}, measured "
            f"{fmt(c.measured)} (±{c.tolerance:.2g})"
            for c in self.failed
        ]
        return "\n".join(lines)


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def fmt(value: float | None, unit: str = "") -> str:
    """A number for a table: 3-4 significant digits, thousands separators, no unit for ratios."""
    if value is None or not math.isfinite(value):
        return "-"
    text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    return f"{text} {unit}".strip() if unit and unit.startswith(("h", "min")) else text


def profile(data: RunData) -> Profile:
    """Measure one flavour of a run against its scenario."""
    try:
        touches = m.touches(data, fidelity.settle_days(data))
        checks = [
            *fidelity_timing.conversion_timing(data),
            *fidelity.journeys(data, touches),
            *fidelity.sessions(data),
            *fidelity.visit_hours(data, touches),
            *fidelity.ads(data, touches),
            *fidelity.demand(data, touches),
            *fidelity_growth.growth(data, touches),
            *fidelity_customers.customers(data),
            *fidelity_customers.shop(data),
            *fidelity_quality.quality(data),
        ]
    finally:
        data.close()
    return Profile(data.flavour, data.start_date, data.days, checks)


def profile_result(result: SimulationResult) -> Profile:
    """The profile of an in-memory run (`jaffle_sim.simulate`)."""
    return profile(RunData.from_result(result))


def profile_folder(out: Path, flavour: str = "training") -> Profile:
    """The profile of the run in folder `out`, read from its manifest and event log."""
    return profile(RunData.from_folder(Path(out), flavour))
