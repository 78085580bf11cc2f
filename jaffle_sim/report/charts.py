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

from jaffle_sim.events import ORGANIC, PLATFORMS
from jaffle_sim.output.run_folder import atomic_file
from jaffle_sim.report import measures as m
from jaffle_sim.report.fidelity_growth import ad_days
from jaffle_sim.report.fidelity_orders import orders_per_day
from jaffle_sim.report.fidelity_timing import timing
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


def _daily(data: RunData, kind: str, at: str) -> np.ndarray:
    """Events per simulated day from their clock seconds `at` (days outside the period
    dropped)."""
    frame = data.sql(f"select clock_day({at}) as day, count(*) as n from ev.{kind} group by 1")
    return m.per_day(frame, data.days)


def funnel_chart(data: RunData) -> Figure:
    """Impressions, clicks, sessions, sign-ups and orders per day (log scale)."""
    n = data.days
    ad = ad_days(data)
    series = {
        "impressions": m.per_day(ad, n, "impressions"),
        "clicks": m.per_day(ad, n, "clicks"),
        "sessions": _daily(data, "session", "started_at"),
        "sign-ups": _daily(data, "signed_up", "signed_up_at"),
        "orders": m.per_day(orders_per_day(data), n),
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


def _revenue(data: RunData) -> pd.DataFrame:
    """Revenue (cents) per channel of the converting session and day of the order."""
    return data.memo(
        "revenue",
        lambda: data.sql(
            f"select channel, clock_day(ordered_at) as day, sum(total_cents) as cents "
            f"from ({m.ORDER_SESSIONS}) group by 1, 2"
        ),
    )


def attribution(data: RunData) -> pd.DataFrame:
    """Per channel: spend and revenue (dollars, revenue by each order's converting session's
    `utm_source`) and ROAS (revenue / spend)."""
    revenue = _revenue(data).groupby("channel").cents.sum()
    spend = data.sql("select platform, sum(cost_cents) as cents from ev.ad_day group by 1")
    spend = spend.set_index("platform").cents
    rows = []
    for ch in (*PLATFORMS, ORGANIC):
        r = float(revenue.get(ch, 0)) / 100
        s = float(spend.get(ch, 0)) / 100
        rows.append({"channel": ch, "spend": s, "revenue": r, "roas": r / s if s else np.nan})
    return pd.DataFrame(rows).set_index("channel")


def revenue_chart(data: RunData) -> Figure:
    """Spend and attributed revenue per platform with ROAS, and both per day."""
    table = attribution(data)
    revenue = _revenue(data)
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
        ad = ad_days(data)
        spend = m.per_day(ad.assign(day=ad.day.clip(0, data.days - 1)), data.days, "cost_cents")
        right.plot(data.dates, spend / 100, color="#d62728", label="ad spend")
        for ch in (*PLATFORMS, ORGANIC):
            daily = m.per_day(revenue[revenue.channel == ch], data.days, "cents")
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
    orders = timing(data)
    model = orders.model
    n = orders.delay.n
    timing_ = data.scenario.journey.order_timing
    bins = np.arange(0.0, timing_.max_gap_hours + 0.5, 0.5)
    with style():
        fig = Figure(figsize=SIZE)
        ax = fig.add_subplot()
        ax.hist(
            bins[:-1],
            bins=bins.tolist(),
            weights=orders.gap_bins,
            density=n > 0,  # an empty run (one day) has nothing to normalise
            color="#1f77b4",
            alpha=0.6,
            label=f"realised ({n:,} orders)",
        )
        ax.hist(
            model.gap_hours,
            bins=bins.tolist(),
            density=len(model.gap_hours) > 0,
            histtype="step",
            color="black",
            linewidth=1.5,
            label="scenario's order timing at the same session hours",
        )
        ax.set_xlabel("hours from the converting session's start to the order")
        ax.set_ylabel("density")
        same = orders.same_day / n if n else float("nan")
        ax.set_title(
            f"Conversion delay: same calendar day {same:.1%} "
            f"(configured {timing_.same_day_share:.0%})"
        )
        ax.legend(loc="upper right")
        fig.tight_layout()
    return fig


def order_hours_chart(data: RunData) -> Figure:
    """Orders per clock hour: realised, the configured profile and the model's implied hours."""
    orders = timing(data)
    model = orders.model
    profile = np.asarray(data.scenario.journey.order_timing.order_hours.weights)
    realised = orders.order_hours / max(int(orders.order_hours.sum()), 1)
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
