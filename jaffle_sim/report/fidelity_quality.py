"""Checks of the fidelity profile for the noise floor of realistic defects (`quality.*`): each
defect's share against its rate, as a rare count, and when late orders arrive."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from jaffle_sim.clock import HOUR
from jaffle_sim.report import checks as c
from jaffle_sim.report import measures as m
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
    check = c.proportion(section, parameter, f"{expected:g}", expected, hits, n, floor, note=note)
    if n == 0 or check.tolerance is None:
        return check
    tail = 0.5 * math.erfc(c.Z / math.sqrt(2.0))  # a normal measure beyond Z standard errors
    upper = poisson_upper(tail, max(expected * n, 1e-9))
    tolerance = max(check.tolerance, (upper + 1 - expected * n) / n)
    return dataclasses.replace(check, tolerance=tolerance)


def poisson_upper(tail: float, mean: float) -> int:
    """The smallest count k that a Poisson count of `mean` exceeds with probability at most
    `tail` (the inverse of its survival function)."""
    from scipy import special

    spread = math.sqrt(mean)
    k = np.arange(max(0, math.floor(mean - 10 * spread)), math.ceil(mean + 40 * spread + 60))
    exceeds = special.pdtrc(k, mean)  # P(count > k)
    return int(k[np.argmax(exceeds <= tail)])


# Payments drawn from the payment-method mix: all but those of orders covered in full by a coupon
# (which the noise floor sets apart).
METHOD_PAYMENTS = """
    select * from ev.payment_made
    where order_id not in (select order_id from ev.order_placed where total_cents = 0)"""


def quality(data: RunData) -> list[Check]:
    """The noise floor: each defect's share against its `quality.*` rate."""
    sec = "quality"
    q = data.scenario.quality
    signups, missing, blank = data.one(
        "select count(*), count(*) filter (where email is null), "
        r"count(*) filter (where regexp_full_match(coalesce(first_name, ''), '\s*')) "
        "from ev.signed_up"
    )
    placed, zero, late = data.one(
        "select count(*), count(*) filter (where total_cents = 0), "
        "count(*) filter (where delivery_delay_seconds > 0) from ev.order_placed"
    )
    (sessions,) = data.one("select count(*) from ev.session")
    (duplicates,) = data.one("select count(*) from ev.duplicate_session")
    out = [
        rare(sec, "quality.missing_email_share", q.missing_email_share, missing, signups, 0.005),
        rare(
            sec, "quality.blank_first_name_share", q.blank_first_name_share, blank, signups, 0.005
        ),
        rare(
            sec,
            "quality.zero_amount_order_share",
            q.zero_amount_order_share,
            zero,
            placed,
            floor=0.003,
            note="orders covered in full by a coupon",
        ),
        rare(
            sec,
            "quality.late_order_share",
            q.late_order_share,
            late,
            placed,
            floor=0.003,
            note="orders arriving with the next day's file",
        ),
    ]
    arrived = m.moments(
        data,
        "select * from ev.order_placed where delivery_delay_seconds > 0",
        "second_of_day(ordered_at + delivery_delay_seconds)",
    )
    out.append(
        c.mean_of(
            sec,
            "quality.late_arrival_hours: mean",
            repr(q.late_arrival_hours),
            float(np.minimum(draws(q.late_arrival_hours), 24.0).mean()),
            arrived.n,
            arrived.mean / HOUR,
            arrived.sd / HOUR,
            rel_floor=0.05,
            sd=float(draws(q.late_arrival_hours).std()),
            unit="h",
            note="hours after midnight at which a late order arrives",
        )
    )
    out.append(
        rare(
            sec,
            "quality.duplicate_session_share",
            q.duplicate_session_share,
            duplicates,
            sessions,
            floor=0.002,
            note="sessions delivered twice",
        )
    )
    return out
