"""A chart of credit per platform, the models against the truth, for the run report: matplotlib's
object API (no pyplot), a fixed size and no varying metadata, like the report's other charts.

    fig = credit_chart(score_attribution(out))
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from jaffle_sim.attribution.compare import TRUTH, AttributionScore
from jaffle_sim.events import CHANNELS, PLATFORMS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SIZE = (9.0, 4.0)  # inches
COLOURS = ("#222222", "#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#9c755f")


def credit_chart(score: AttributionScore) -> Figure:
    """Left: each channel's share of the sign-ups, over whole journeys; right: revenue credited
    to each platform. One bar per rule, the truth first (black)."""
    from matplotlib.figure import Figure

    names = [TRUTH, *score.models]
    credits = [score.truth, *score.models.values()]
    fig = Figure(figsize=SIZE, layout="constrained")
    left, right = fig.subplots(1, 2)
    width = 0.8 / len(names)
    total = sum(score.truth.signups.values()) or 1.0
    for k, (name, credit) in enumerate(zip(names, credits)):
        x = np.arange(len(CHANNELS)) + (k - (len(names) - 1) / 2) * width
        left.bar(x, [credit.signups[c] / total for c in CHANNELS], width, color=COLOURS[k])
        x = np.arange(len(PLATFORMS)) + (k - (len(names) - 1) / 2) * width
        revenue = [credit.revenue_cents[p] / 100 for p in PLATFORMS]
        right.bar(x, revenue, width, color=COLOURS[k], label=name.replace("_", " "))
    left.set_xticks(np.arange(len(CHANNELS)), list(CHANNELS))
    left.set_title("share of sign-ups credited (whole journeys)")
    left.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    right.set_xticks(np.arange(len(PLATFORMS)), list(PLATFORMS))
    right.set_title("revenue credited ($)")
    right.legend(fontsize=8)
    for ax in (left, right):
        ax.grid(axis="y", alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
    return fig
