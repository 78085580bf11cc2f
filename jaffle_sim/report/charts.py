"""The charts of the run report, drawn with matplotlib's object API (no pyplot, so a notebook's
backend is left alone) at fixed sizes and settings: the same run gives the same PNG bytes.

Each `*_chart` takes a `RunData` and returns a `Figure`; `save_png` writes one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import matplotlib as mpl
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from jaffle_sim.clock import DAY, HOUR
from jaffle_sim.events import ORGANIC, PLATFORMS
from jaffle_sim.output.run_folder import atomic_file
from jaffle_sim.report import measures as m
from jaffle_sim.report.run_data import RunData

DPI = 100
SIZE = (9.0, 4.0)  # inches: 900 x 400 pixels
COLOURS = {
    ORGANIC: "#7f7f7f",
    "google": "#4285f4",
    "facebook": "#3b5998",
    "instagram": "#c13584",
}
# Fixed settings, independent of the user's matplotlibrc.
STYLE: dict[Any, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "svg.hashsalt": "jaffle-sim",
}


@contextmanager
def style() -> Iterator[None]:
    with mpl.rc_context(STYLE):
        yield


def save_png(fig: Figure, path: Path) -> Path:
    """Write `fig` as a PNG without metadata that varies (software version, time)."""
    with atomic_file(path) as fh, style():
        fig.savefig(fh, format="png", dpi=DPI, metadata={"Software": None})
    return path


def date_axis(ax: Axes) -> None:
    """Concise date ticks on the x axis (no rotation, no repeated years)."""
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]


def plain_log_axis(ax: Axes) -> None:
    """A log y axis labelled with plain numbers (1,000 rather than 10^3)."""
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def _daily(seconds: pd.Series, days: int) -> np.ndarray:
    """Events per simulated day from clock seconds (events outside the period are dropped)."""
    day = seconds.to_numpy(dtype=np.int64) // DAY
    day = day[(day >= 0) & (day < days)]
    return np.bincount(day, minlength=days)


def funnel_chart(data: RunData) -> Figure:
    """Impressions, clicks, sessions, sign-ups and orders per day (log scale)."""
    e, n = data.events, data.days
    ad = e["ad_day"]
    ad = ad[(ad.day >= 0) & (ad.day < n)]
    series = {
        "impressions": np.bincount(ad.day, weights=ad.impressions.to_numpy(float), minlength=n),
        "clicks": np.bincount(ad.day, weights=ad.clicks.to_numpy(float), minlength=n),
        "sessions": _daily(e["session"].started_at, n),
        "sign-ups": _daily(e["signed_up"].signed_up_at, n),
        "orders": _daily(e["order_placed"].ordered_at, n),
    }
    with style():
        fig = Figure(figsize=SIZE)
        ax = fig.add_subplot()
        for label, values in series.items():
            ax.plot(data.dates, np.maximum(values, 0.5), marker=".", label=label)
        plain_log_axis(ax)
        date_axis(ax)
        ax.set_ylabel("per day")
        ax.set_title("Daily funnel")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        fig.tight_layout()
    return fig


def attribution(data: RunData) -> pd.DataFrame:
    """Per channel: spend and revenue (dollars, revenue by each order's converting session's
    `utm_source`) and ROAS (revenue / spend)."""
    orders = m.order_sessions(data)
    revenue = orders.groupby("channel").total_cents.sum()
    spend = data.events["ad_day"].groupby("platform").cost_cents.sum()
    rows = []
    for ch in (*PLATFORMS, ORGANIC):
        r = float(revenue.get(ch, 0)) / 100
        s = float(spend.get(ch, 0)) / 100
        rows.append({"channel": ch, "spend": s, "revenue": r, "roas": r / s if s else np.nan})
    return pd.DataFrame(rows).set_index("channel")


def revenue_chart(data: RunData) -> Figure:
    """Spend and attributed revenue per platform with ROAS, and both per day."""
    table = attribution(data)
    orders = m.order_sessions(data)
    with style():
        fig = Figure(figsize=(SIZE[0] + 1, SIZE[1] * 1.1))
        left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1]})
        x = np.arange(len(table))
        left.bar(x - 0.2, table.spend, 0.4, label="spend", color="#d62728")
        left.bar(x + 0.2, table.revenue, 0.4, label="revenue", color="#2ca02c")
        ticks = [
            f"{ch}\n" + ("no spend" if np.isnan(row.roas) else f"ROAS {row.roas:.2f}")
            for ch, row in table.iterrows()
        ]
        left.set_xticks(x, ticks, fontsize=8)
        left.set_ylabel("dollars")
        left.set_title("Spend and revenue per channel")
        left.legend(loc="upper left")
        ad = data.events["ad_day"]
        spend = np.bincount(
            ad.day.clip(0, data.days - 1),
            weights=ad.cost_cents.to_numpy(float),
            minlength=data.days,
        )
        right.plot(data.dates, spend / 100, color="#d62728", label="ad spend")
        for ch in (*PLATFORMS, ORGANIC):
            sub = orders[orders.channel == ch]
            day = sub.ordered_at.to_numpy(np.int64) // DAY
            keep = (day >= 0) & (day < data.days)
            daily = np.bincount(
                day[keep], weights=sub.total_cents.to_numpy(float)[keep], minlength=data.days
            )
            right.plot(data.dates, daily / 100, color=COLOURS[ch], label=f"revenue {ch}")
        plain_log_axis(right)
        date_axis(right)
        right.set_ylabel("dollars per day")
        right.set_title("Daily spend and attributed revenue")
        right.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
        fig.tight_layout()
    return fig


def conversion_delay_chart(data: RunData) -> Figure:
    """Session -> order delays against the order-timing model at the same session hours."""
    orders = m.timed_orders(data)
    model = m.model_gaps(data, orders.session_at.to_numpy())
    timing = data.scenario.journey.order_timing
    bins = np.arange(0.0, timing.max_gap_hours + 0.5, 0.5).tolist()
    with style():
        fig = Figure(figsize=SIZE)
        ax = fig.add_subplot()
        ax.hist(
            orders.gap_hours,
            bins=bins,
            density=len(orders) > 0,  # an empty run (one day) has nothing to normalise
            color="#1f77b4",
            alpha=0.6,
            label=f"realised ({len(orders):,} orders)",
        )
        ax.hist(
            model.gap_hours,
            bins=bins,
            density=len(model.gap_hours) > 0,
            histtype="step",
            color="black",
            linewidth=1.5,
            label="scenario's order timing at the same session hours",
        )
        ax.set_xlabel("hours from the converting session's start to the order")
        ax.set_ylabel("density")
        same = orders.same_day.mean() if len(orders) else float("nan")
        ax.set_title(
            f"Conversion delay: same calendar day {same:.1%} "
            f"(configured {timing.same_day_share:.0%})"
        )
        ax.legend(loc="upper right")
        fig.tight_layout()
    return fig


def order_hours_chart(data: RunData) -> Figure:
    """Orders per clock hour: realised, the configured profile and the model's implied hours."""
    orders = m.timed_orders(data)
    model = m.model_gaps(data, orders.session_at.to_numpy())
    profile = np.asarray(data.scenario.journey.order_timing.order_hours.weights)
    hours = (orders.ordered_at.to_numpy(np.int64) % DAY) // HOUR
    realised = np.bincount(hours, minlength=24) / max(len(hours), 1)
    implied = np.bincount(model.order_clock_hours.astype(int), minlength=24)
    implied = implied / max(implied.sum(), 1)
    with style():
        fig = Figure(figsize=SIZE)
        ax = fig.add_subplot()
        x = np.arange(24)
        ax.bar(x, realised, color="#ff7f0e", alpha=0.7, label="realised")
        ax.step(
            x,
            profile / profile.sum(),
            where="mid",
            color="black",
            label="journey.order_timing.order_hours",
        )
        ax.plot(x, implied, "--", color="#1f77b4", label="model at the realised sessions")
        ax.set_xticks(x)
        ax.set_xlabel("hour of day (UTC)")
        ax.set_ylabel("share of orders")
        ax.set_title("Order hour profile")
        ax.legend(loc="upper left")
        fig.tight_layout()
    return fig
