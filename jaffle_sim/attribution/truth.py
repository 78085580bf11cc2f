"""The `raw_attribution_truth` table: one row per touch of every conversion, with the model's own
credit of the touch (`TouchCredited` events; `agents.effects` says how it is derived). The credits
of a conversion sum to 1 (rounded to 10 decimals, as the warehouse rounds its weights).

A projection of a day's events, like every table: `truth_rows(events, epoch)`.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from jaffle_sim.events import DayEvents
from jaffle_sim.output.contract import ATTRIBUTION_TRUTH as TABLE
from jaffle_sim.output.contract import ATTRIBUTION_TRUTH_COLUMNS as COLUMNS

DECIMALS = 10


def truth_rows(events: DayEvents, epoch: int) -> pa.Table:
    """The day's new rows of `raw_attribution_truth` (`epoch`: Unix time of the clock's zero)."""
    t = events["touch_credited"]
    seconds = np.asarray(t["converted_at"], dtype=np.int64) + epoch
    arrays = [
        pa.array(t["customer_id"], pa.int64()),
        pa.array(t["visitor_id"], pa.int64()),
        pa.array(t["touch"], pa.int64()),
        pa.array(t["session_id"], pa.string()),
        pa.array(t["utm_source"], pa.string()),
        pa.array(t["ad_id"], pa.string()),
        pa.array(np.round(np.asarray(t["credit"], dtype=float), DECIMALS), pa.float64()),
        pa.array(seconds, pa.int64()).cast(pa.timestamp("s")),
    ]
    return pa.Table.from_arrays(arrays, names=list(COLUMNS))


__all__ = ["COLUMNS", "DECIMALS", "TABLE", "truth_rows"]
