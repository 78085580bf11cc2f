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
    end = data.end_seconds
    # Per customer who existed on day 0: when it stopped being watched (churn or the end), the
    # needs (sessions) it had until then and the orders until its churn.
    cohort = data.sql(
        f"""with churn as (
                select customer_id, min(churned_at) as churned_at
                from ev.customer_churned group by 1),
            cohort as (
                select e.customer_id, c.churned_at,
                       least(coalesce(c.churned_at, {end}), {end}) as stop
                from ev.signed_up as e left join churn as c on c.customer_id = e.customer_id
                where e.session_id is null),
            needs as (
                select s.customer_id, count(*) as n
                from ({m.CUSTOMER_SESSIONS}) as s
                join cohort as k on k.customer_id = s.customer_id
                where s.started_at >= 0 and s.started_at <= k.stop group by 1),
            draws as (
                select o.customer_id, count(*) as n
                from ev.order_placed as o join cohort as k on k.customer_id = o.customer_id
                where k.churned_at is null or o.ordered_at <= k.churned_at group by 1)
        select k.customer_id, k.stop, k.churned_at is not null as churned,
               coalesce(needs.n, 0) as needs, coalesce(draws.n, 0) as draws
        from cohort as k
        left join needs on needs.customer_id = k.customer_id
        left join draws on draws.customer_id = k.customer_id
        order by k.customer_id"""
    )
    rate, churn = expected_repeat_buying(data.scenario, len(cohort), data.days)
    out = [
        c.ratio(
            sec,
            "customers.purchase_rate_per_day",
            repr(b.purchase_rate_per_day),
            rate,
            cohort.needs.to_numpy(dtype=float),
            cohort.stop.to_numpy(dtype=float) / DAY,
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
            cohort.churned.to_numpy(dtype=float),
            cohort.draws.to_numpy(dtype=float),
            spread=_sd(b.churn_after_order),
            counts=True,
            note="churns per order, same customers",
        ),
    ]
    channels = data.sql(
        f"select channel, count(*) as n from ({m.CUSTOMER_SESSIONS}) "
        "where started_at >= 0 group by 1 order by 1"
    )
    out += c.mix_counts(
        sec,
        "customers.repeat_channels",
        dict(b.repeat_channels.shares),
        dict(zip(channels.channel, channels.n.astype(int))),
    )
    new, never, repeat = data.one(
        f"""with new as (
                select customer_id from ev.signed_up
                where session_id is not null and signed_up_at < {end - DAY}),
            orders as (
                select customer_id, count(*) as n, bool_or(is_first_order) as first
                from ev.order_placed group by 1)
        select count(*), count(*) filter (where not coalesce(o.first, false)),
               count(*) filter (where coalesce(o.n, 0) >= 2)
        from new left join orders as o on o.customer_id = new.customer_id"""
    )
    out.append(
        c.proportion(
            sec,
            "customers.no_first_order_share",
            f"{b.no_first_order_share:g}",
            b.no_first_order_share,
            int(never),
            int(new),
            note="customers who signed up a day or more before the end",
        )
    )
    out.append(
        c.info(
            sec,
            "new customers with a repeat order in the period",
            repeat / new if new else None,
            int(new),
        )
    )
    return out


def shop(data: RunData) -> list[Check]:
    """Payment methods, split payments, returns and order values."""
    sec = "shop"
    b = data.scenario.shop
    # Orders covered in full by a coupon are the noise floor's (see the quality section).
    payments = fidelity_quality.METHOD_PAYMENTS
    methods = data.sql(f"select method, count(*) as n from ({payments}) group by 1 order by 1")
    out = c.mix_counts(
        sec,
        "shop.payment_methods",
        dict(b.payment_methods.shares),
        dict(zip(methods.method, methods.n.astype(int))),
    )
    split, paid = data.one(
        f"select count(*) filter (where n >= 2), count(*) from "
        f"(select order_id, count(*) as n from ({payments}) group by 1)"
    )
    out.append(
        c.proportion(
            sec,
            "shop.second_payment_share",
            f"{b.second_payment_share:g}",
            b.second_payment_share,
            int(split),
            int(paid),
        )
    )
    wait = b.return_request_days.support[1]
    if not np.isfinite(wait):
        draws = b.return_request_days.sample(np.random.default_rng(0), 100_000)
        wait = float(np.quantile(draws, 0.999))
    returned, done = data.one(
        f"""select count(*) filter (where order_id in (
                   select order_id from ev.order_status_changed where status = 'return_pending')),
                   count(*)
            from ev.order_status_changed
            where status = 'completed' and changed_at <= {data.end_seconds - wait * DAY}"""
    )
    out.append(
        c.proportion(
            sec,
            "shop.return_share",
            f"{b.return_share:g}",
            b.return_share,
            int(returned),
            int(done),
            note="orders completed long enough before the end to be sent back",
        )
    )
    amounts = m.moments(data, "select * from ev.order_placed where total_cents > 0", "total_cents")
    out.append(
        c.mean_of(
            sec,
            "shop.order_amount_cents: mean",
            repr(b.order_amount_cents),
            b.order_amount_cents.mean,
            amounts.n,
            amounts.mean,
            amounts.sd,
            unit="cents",
        )
    )
    return out
