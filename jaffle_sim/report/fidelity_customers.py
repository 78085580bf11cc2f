"""Checks of the fidelity profile for customers (repeat buying, churn, channels) and the shop
(payments, returns, order values).

Repeat buying is measured on the customers who existed when the period began: their purchase
needs (the sessions they open) per day while active, and their churns per order. Because a
customer who buys often also meets the churn draw often, both figures are exposure-weighted and
lower than the configured means; the expected values come from the same "buy till you die"
process drawn from the scenario's distributions over the run's length.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jaffle_sim.clock import DAY
from jaffle_sim.distributions import Distribution
from jaffle_sim.report import checks as c
from jaffle_sim.report import fidelity_quality
from jaffle_sim.report import measures as m
from jaffle_sim.report.checks import Check
from jaffle_sim.report.run_data import RunData
from jaffle_sim.simulation.scenario import Scenario

# Simulated customers per real one when computing the expected repeat-buying figures.
COHORT_DRAWS = 20


def expected_repeat_buying(
    scenario: Scenario, customers: int, days: float, seed: int = 0
) -> tuple[float, float]:
    """Needs per active customer-day and churns per order that a cohort of `customers` shows over
    `days` days under the scenario: each draws a purchase rate and a churn probability, places
    Poisson(rate) orders and stops at the order where its churn draw hits."""
    b = scenario.customers
    rng = np.random.default_rng(seed)
    n = max(customers, 1) * COHORT_DRAWS
    rate = b.purchase_rate_per_day.sample(rng, n)
    p = np.clip(b.churn_after_order.sample(rng, n), 1e-12, 1.0)
    orders = rng.poisson(rate * days)
    churn_at = rng.geometric(p)  # the order after which the customer stops
    churned = orders >= churn_at
    # The k-th of `orders` uniform times on [0, days] is Beta(k, orders - k + 1) distributed.
    k = np.maximum(churn_at, 1)
    stop = np.where(churned, rng.beta(k, np.maximum(orders - k + 1, 1)) * days, days)
    observed = np.where(churned, churn_at, orders)
    return float(observed.sum() / stop.sum()), float(churned.sum() / max(observed.sum(), 1))


def _sd(dist: Distribution) -> float:
    """Standard deviation of `dist` (from a fixed sample): how much customers differ."""
    return float(dist.sample(np.random.default_rng(0), 100_000).std())


def customers(data: RunData) -> list[Check]:
    """Purchase rate, churn, repeat channels and first orders."""
    sec = "customers"
    b = data.scenario.customers
    signups = data.events["signed_up"]
    existing = signups[signups.session_id.isna()].customer_id.to_numpy(dtype=np.int64)
    churned_at = data.events["customer_churned"].groupby("customer_id").churned_at.min()
    end = churned_at.reindex(existing).fillna(data.end_seconds).clip(upper=data.end_seconds)
    cohort = pd.DataFrame({"customer_id": existing, "end": end.to_numpy(dtype=float)})

    sessions = m.customer_sessions(data)
    needs = sessions[sessions.started_at >= 0].merge(cohort, on="customer_id")
    needs = needs[needs.started_at <= needs.end]
    per_customer = needs.groupby("customer_id").size().reindex(existing, fill_value=0)
    rate, churn = expected_repeat_buying(data.scenario, len(existing), data.days)

    orders = data.events["order_placed"].merge(cohort, on="customer_id")
    orders = orders.merge(churned_at.rename("churned_at").reset_index(), how="left")
    draws = orders[orders.churned_at.isna() | (orders.ordered_at <= orders.churned_at)]
    draws_per = draws.groupby("customer_id").size().reindex(existing, fill_value=0)
    churned = pd.Series(existing).isin(churned_at.index).to_numpy(dtype=float)
    out = [
        c.ratio(
            sec,
            "customers.purchase_rate_per_day",
            repr(b.purchase_rate_per_day),
            rate,
            per_customer.to_numpy(dtype=float),
            cohort.end.to_numpy() / DAY,
            spread=_sd(b.purchase_rate_per_day),
            counts=True,
            unit="/day",
            note="needs per active day of the customers who existed on day 0",
        ),
        c.ratio(
            sec,
            "customers.churn_after_order",
            repr(b.churn_after_order),
            churn,
            churned,
            draws_per.to_numpy(dtype=float),
            spread=_sd(b.churn_after_order),
            counts=True,
            note="churns per order, same customers",
        ),
    ]
    out += c.mix(
        sec,
        "customers.repeat_channels",
        dict(b.repeat_channels.shares),
        sessions[sessions.started_at >= 0].channel,
    )

    new = signups[signups.session_id.notna() & (signups.signed_up_at < data.end_seconds - DAY)]
    placed = data.events["order_placed"]
    buyers = placed[placed.is_first_order].customer_id
    out.append(
        c.proportion(
            sec,
            "customers.no_first_order_share",
            f"{b.no_first_order_share:g}",
            b.no_first_order_share,
            int((~new.customer_id.isin(buyers)).sum()),
            len(new),
            note="customers who signed up a day or more before the end",
        )
    )
    counts = placed.groupby("customer_id").size()
    repeat = counts.reindex(new.customer_id.to_numpy(), fill_value=0) >= 2
    out.append(
        c.info(
            sec,
            "new customers with a repeat order in the period",
            float(repeat.mean()) if len(repeat) else None,
            len(repeat),
        )
    )
    return out


def shop(data: RunData) -> list[Check]:
    """Payment methods, split payments, returns and order values."""
    sec = "shop"
    b = data.scenario.shop
    # Orders covered in full by a coupon are the noise floor's (see the quality section).
    payments = fidelity_quality.method_payments(data)
    orders = data.events["order_placed"].query("total_cents > 0")
    out = c.mix(sec, "shop.payment_methods", dict(b.payment_methods.shares), payments.method)
    per_order = payments.groupby("order_id").size()
    out.append(
        c.proportion(
            sec,
            "shop.second_payment_share",
            f"{b.second_payment_share:g}",
            b.second_payment_share,
            int((per_order >= 2).sum()),
            len(per_order),
        )
    )
    status = data.events["order_status_changed"]
    wait = b.return_request_days.support[1]
    if not np.isfinite(wait):
        draws = b.return_request_days.sample(np.random.default_rng(0), 100_000)
        wait = float(np.quantile(draws, 0.999))
    done = status[
        (status.status == "completed") & (status.changed_at <= data.end_seconds - wait * DAY)
    ]
    returned = done.order_id.isin(status[status.status == "return_pending"].order_id)
    out.append(
        c.proportion(
            sec,
            "shop.return_share",
            f"{b.return_share:g}",
            b.return_share,
            int(returned.sum()),
            len(done),
            note="orders completed long enough before the end to be sent back",
        )
    )
    out.append(
        c.mean(
            sec,
            "shop.order_amount_cents: mean",
            repr(b.order_amount_cents),
            b.order_amount_cents.mean,
            orders.total_cents.to_numpy(dtype=float),
            unit="cents",
        )
    )
    return out
