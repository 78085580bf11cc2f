"""Checks of the fidelity profile for the noise floor of realistic defects (`quality.*`): each
defect's share against its rate, as a rare count, and when late orders arrive."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from jaffle_sim.clock import DAY, HOUR
from jaffle_sim.report import checks as c
from jaffle_sim.report.checks import Check
from jaffle_sim.report.measures import draws
from jaffle_sim.report.run_data import RunData


def rare(
    section: str,
    parameter: str,
    expected: float,
    hits: int,
    n: int,
    floor: float,
    note: str = "",
) -> Check:
    """A small share `hits / n` against its rate: the count of a rare defect is skewed, so the
    room for chance is the Poisson count that chance exceeds as rarely as `Z` standard errors
    of a normal measure (and at least the proportion's own tolerance)."""
    from scipy import stats

    check = c.proportion(section, parameter, f"{expected:g}", expected, hits, n, floor, note=note)
    if n == 0 or check.tolerance is None:
        return check
    tail = float(stats.norm.sf(c.Z))
    upper = float(stats.poisson.isf(tail, max(expected * n, 1e-9)))
    tolerance = max(check.tolerance, (upper + 1 - expected * n) / n)
    return dataclasses.replace(check, tolerance=tolerance)


def quality(data: RunData) -> list[Check]:
    """The noise floor: each defect's share against its `quality.*` rate."""
    sec = "quality"
    q = data.scenario.quality
    signups = data.events["signed_up"]
    placed = data.events["order_placed"]
    sessions = data.events["session"]
    blank = signups.first_name.fillna("").astype(str).str.strip() == ""
    late = placed.delivery_delay_seconds.to_numpy() > 0
    out = [
        rare(
            sec,
            "quality.missing_email_share",
            q.missing_email_share,
            int(signups.email.isna().sum()),
            len(signups),
            floor=0.005,
        ),
        rare(
            sec,
            "quality.blank_first_name_share",
            q.blank_first_name_share,
            int(blank.sum()),
            len(signups),
            floor=0.005,
        ),
        rare(
            sec,
            "quality.zero_amount_order_share",
            q.zero_amount_order_share,
            int((placed.total_cents == 0).sum()),
            len(placed),
            floor=0.003,
            note="orders covered in full by a coupon",
        ),
        rare(
            sec,
            "quality.late_order_share",
            q.late_order_share,
            int(late.sum()),
            len(placed),
            floor=0.003,
            note="orders arriving with the next day's file",
        ),
    ]
    arrived = placed.ordered_at.to_numpy()[late] + placed.delivery_delay_seconds.to_numpy()[late]
    after_midnight = (arrived % DAY) / HOUR
    out.append(
        c.mean(
            sec,
            "quality.late_arrival_hours: mean",
            repr(q.late_arrival_hours),
            float(np.minimum(draws(q.late_arrival_hours), 24.0).mean()),
            after_midnight,
            rel_floor=0.05,
            sd=float(draws(q.late_arrival_hours).std()),
            unit="h",
            note="hours after midnight at which a late order arrives",
        )
    )
    duplicates = 0 if data.duplicate_sessions is None else len(data.duplicate_sessions)
    out.append(
        rare(
            sec,
            "quality.duplicate_session_share",
            q.duplicate_session_share,
            duplicates,
            len(sessions),
            floor=0.002,
            note="sessions delivered twice",
        )
    )
    return out


def method_payments(data: RunData) -> pd.DataFrame:
    """Payments drawn from the payment-method mix: all but those of orders covered in full by a
    coupon (which the noise floor sets apart)."""
    payments = data.events["payment_made"]
    covered = set(data.events["order_placed"].query("total_cents == 0").order_id.tolist())
    return payments[~payments.order_id.isin(covered)]
