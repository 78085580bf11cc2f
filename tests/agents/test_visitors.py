"""Visitor journeys: conversion on first and return visits, return channels and the session cap.

Each test builds a small shop of its own (ad platforms with running ads, the session desk, the
customers and the visitor pool) and runs whole days through `Visitors.run_day`. The ad platforms
deliver every day so that their ads run, but their first-touch clicks are not handed to the
visitors: every journey starts with an organic session, so any paid session is a return.
"""

from collections import Counter, defaultdict
from itertools import pairwise

import numpy as np
import pandas as pd
import pytest

from jaffle_sim.agents.ads import AdPlatform
from jaffle_sim.agents.customers import Customers
from jaffle_sim.agents.sessions import SessionDesk
from jaffle_sim.agents.visitors import Visitors
from jaffle_sim.clock import DAY, HOUR
from jaffle_sim.events import CHANNELS, PLATFORMS, EventLog
from jaffle_sim.simulation.scenario import Scenario

# No repeat purchases: the only sessions are the visitors' own.
QUIET_CUSTOMERS = {"customers.purchase_rate_per_day": 0.0}
# Every channel at the journey's base rates (the default scenario's channels differ).
NEUTRAL = {
    "journey.channel_effects": {
        channel: {"lift_first": 1, "lift_later": 1, "return_first": 1, "return_later": 1}
        for channel in CHANNELS
    }
}


def run_journeys(env, changes, days, seed=11):
    """Run `days` days of visitor journeys; returns every day's events, merged per kind."""
    s = Scenario.default().updated({**QUIET_CUSTOMERS, **NEUTRAL, **changes})
    log = EventLog()
    platforms = {
        name: AdPlatform(
            name, s.ads[name], np.random.default_rng([seed, i]), log, s.traffic.visit_hours
        )
        for i, name in enumerate(PLATFORMS)
    }
    for platform in platforms.values():
        platform.warm_start()
    desk = SessionDesk(platforms, s.traffic, log)
    customers = Customers(
        s.customers,
        s.journey.order_timing,
        s.traffic.visit_hours,
        s.demand.weekly,
        0,
        np.random.default_rng([seed, 11]),
        seed,
        lambda u, v: ("Ada", "Lovelace"),
        log,
        lambda at, customer, session, first, own: 0,
        desk.open,
        {"order": lambda g, n: g.random(n), "session": desk.draw},
    )
    visitors = Visitors(
        s.traffic,
        s.journey,
        platforms,
        desk,
        customers,
        lambda *key: np.random.default_rng([seed, 12, *key]),
        log,
        first_visitor_id=1,
    )
    merged: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for day in range(days):
        for platform in platforms.values():
            platform.deliver(day, 1.0, 1.0)  # today's ads run; their new clicks are dropped
        visitors.run_day(env, day, organic_scale=1.0)
        for platform in platforms.values():
            platform.close_day(day)
        env.run(until=(day + 1) * DAY)
        events = log.drain()
        for kind in ("session", "click", "journey_converted", "signed_up", "touch_credited"):
            for column, values in events[kind].items():
                merged[kind][column].extend(np.asarray(values, dtype=object).tolist())
    return merged


def sessions_by_visitor(sessions):
    out = defaultdict(list)
    for row in zip(
        sessions["visitor_id"],
        sessions["touch"],
        sessions["started_at"],
        sessions["ended_at"],
        sessions["utm_source"],
    ):
        out[row[0]].append(row[1:])
    return {v: sorted(rows, key=lambda r: r[1]) for v, rows in out.items()}


def test_returning_visitors_come_back_through_the_return_channels(env):
    ev = run_journeys(
        env,
        {
            "traffic.organic_visitors_per_day": 1500,
            "journey.first_visit_conversion": 0.0,
            "journey.return_visit_conversion": 0.0,
            "journey.return_probability": 0.8,
            "journey.return_delay_hours": 3,
            "journey.return_channels": {"google": 0.5, "instagram": 0.5},
        },
        days=3,
    )
    s = ev["session"]
    touch = np.array(s["touch"])
    source = np.array(s["utm_source"], dtype=object)
    site = np.array(s["site"], dtype=object)
    assert all(src is None for src in source[touch == 1])
    returns = touch >= 2
    assert returns.sum() > 2000
    assert set(source[returns]) == {"google", "instagram"}
    assert (source[returns] == "google").mean() == pytest.approx(0.5, abs=0.03)
    # google traffic lands on the website, instagram traffic in the app.
    assert set(site[returns & (source == "google")]) == {"website"}
    assert set(site[returns & (source == "instagram")]) == {"app"}
    # Every paid return is a click on an ad of its platform.
    ads = np.array(s["ad_id"], dtype=object)[returns]
    prefix = {"google": "g", "instagram": "i"}
    assert all(ad[0] == prefix[src] for ad, src in zip(ads, source[returns]))
    clicks = ev["click"]
    assert min(clicks["touch"]) >= 2 and len(clicks["touch"]) >= returns.sum()


@pytest.mark.parametrize("max_sessions", [1, 3])
def test_a_visitor_has_at_most_max_sessions(env, max_sessions):
    ev = run_journeys(
        env,
        {
            "traffic.organic_visitors_per_day": 300,
            "journey.first_visit_conversion": 0.0,
            "journey.return_visit_conversion": 0.0,
            "journey.return_probability": 1.0,
            "journey.return_delay_hours": 2,
            "journey.return_channels": {"organic": 1.0},
            "journey.max_sessions": max_sessions,
        },
        days=4,
    )
    journeys = sessions_by_visitor(ev["session"])
    counts = Counter(len(rows) for rows in journeys.values())
    assert max(counts) == max_sessions
    # Everyone comes back (organic returns always land) until the cap; day 0's visitors are done.
    for rows in journeys.values():
        assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
        if rows[0][1] < DAY:
            assert len(rows) == max_sessions
        # Each return starts the return delay (2 h) after the previous session ended.
        for before, after in pairwise(rows):
            assert after[1] == before[2] + 2 * HOUR


def test_first_visit_conversion_rate_is_the_configured_one(env):
    ev = run_journeys(
        env,
        {
            "traffic.organic_visitors_per_day": 3000,
            "journey.first_visit_conversion": 0.2,
            "journey.return_probability": 0.0,
        },
        days=3,
    )
    sessions, converted = ev["session"], ev["journey_converted"]
    assert set(sessions["touch"]) == {1}
    n = len(sessions["touch"])
    assert n > 7000
    # Binomial standard error at n ~ 9000 is 0.004: a rate off by 0.015 fails.
    assert len(converted["customer_id"]) / n == pytest.approx(0.2, abs=0.015)
    assert all(len(path) == 1 for path in converted["session_ids"])
    signed_up_in = set(ev["signed_up"]["session_id"])
    assert signed_up_in == {path[0] for path in converted["session_ids"]}


def test_return_visits_convert_at_the_return_rate(env):
    ev = run_journeys(
        env,
        {
            "traffic.organic_visitors_per_day": 3000,
            "journey.first_visit_conversion": 0.0,
            "journey.return_visit_conversion": 0.5,
            "journey.return_probability": 1.0,
            "journey.return_delay_hours": 2,
            "journey.return_channels": {"organic": 1.0},
            "journey.max_sessions": 2,
        },
        days=2,
    )
    touch = np.array(ev["session"]["touch"])
    paths = ev["journey_converted"]["session_ids"]
    assert all(len(path) == 2 for path in paths)
    assert len(paths) / (touch == 2).sum() == pytest.approx(0.5, abs=0.03)


def effects(**per_channel):
    """`journey.channel_effects` changes: channel -> (lift_first, lift_later, return_first,
    return_later)."""
    names = ("lift_first", "lift_later", "return_first", "return_later")
    return {
        f"journey.channel_effects.{c}.{name}": value
        for c, values in per_channel.items()
        for name, value in zip(names, values)
    }


def test_each_channel_has_its_own_signup_and_return_rates_on_returns(env):
    ev = run_journeys(
        env,
        {
            "traffic.organic_visitors_per_day": 3000,
            "traffic.landing_share": 1.0,
            "journey.first_visit_conversion": 0.0,
            "journey.return_visit_conversion": 0.1,
            "journey.return_probability": 0.5,
            "journey.return_delay_hours": 2,
            "journey.return_channels": {"organic": 0.5, "google": 0.5},
            "journey.max_sessions": 3,
            # organic first touches always come back; a return through google signs up 4x as
            # often as an organic one and never comes back, an organic return comes back at 0.5.
            **effects(organic=(1, 1, 2, 1), google=(1, 4, 1, 0)),
        },
        days=3,
    )
    s = pd.DataFrame(ev["session"])
    converted = set(ev["signed_up"]["session_id"])
    s["converted"] = s.session_id.isin(converted)
    s["channel"] = s.utm_source.fillna("organic")
    nxt = s.sort_values("started_at").groupby("visitor_id").touch.shift(-1)
    s["back"] = nxt.reindex(s.index).notna()
    first = s[s.touch == 1]
    assert (first.started_at < 2 * DAY).sum() > 5000
    assert first[first.started_at < 2 * DAY].back.mean() == 1.0  # 0.5 x 2
    second = s[(s.touch == 2) & (s.started_at < 2 * DAY)]
    rate = second.groupby("channel").converted.mean()
    assert rate["google"] == pytest.approx(0.4, abs=0.03)
    assert rate["organic"] == pytest.approx(0.1, abs=0.02)
    back = second[~second.converted].groupby("channel").back.mean()
    assert back["google"] == 0.0
    assert back["organic"] == pytest.approx(0.5, abs=0.03)


def test_the_chance_per_arrival_matches_the_journeys(env):
    changes = {
        "traffic.organic_visitors_per_day": 3000,
        "journey.first_visit_conversion": 0.05,
        "journey.return_visit_conversion": 0.2,
        "journey.return_probability": 0.6,
        "journey.return_delay_hours": 1,
        "journey.max_sessions": 3,
        **effects(organic=(1.5, 0.5, 1, 1.2), google=(1, 2, 1, 0.5), instagram=(1, 0.2, 1, 1.5)),
    }
    ev = run_journeys(env, changes, days=4)
    s = pd.DataFrame(ev["session"])
    arrived = set(s.visitor_id[(s.touch == 1) & (s.started_at < 3 * DAY)])
    signed = pd.DataFrame(ev["signed_up"])
    share = signed.visitor_id.isin(arrived).sum() / len(arrived)
    journey = Scenario.default().updated({**NEUTRAL, **changes}).journey
    expected = journey.signup_chance_per_arrival(landing_share=0.9)["organic"]
    # ~9,000 journeys: the binomial standard error is 0.004.
    assert share == pytest.approx(expected, abs=0.015)


def test_every_conversion_credits_its_touches_with_shares_that_sum_to_one(env):
    ev = run_journeys(
        env,
        {
            "traffic.organic_visitors_per_day": 2000,
            "journey.return_probability": 0.7,
            "journey.return_visit_conversion": 0.1,
            "journey.return_delay_hours": 2,
        },
        days=3,
    )
    credited = pd.DataFrame(ev["touch_credited"])
    converted = pd.DataFrame(ev["journey_converted"])
    assert len(converted) > 100
    sums = credited.groupby("customer_id").credit.sum()
    assert set(sums.index) == set(converted.customer_id)
    assert np.allclose(sums, 1.0)
    # One row per touch, numbered 1..n, the journey's sessions in order.
    for row in converted.itertuples():
        touches = credited[credited.customer_id == row.customer_id].sort_values("touch")
        assert touches.touch.tolist() == list(range(1, len(touches) + 1))
        assert touches.session_id.tolist() == list(row.session_ids)
