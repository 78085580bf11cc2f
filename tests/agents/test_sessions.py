"""The session desk: session numbering and sessions that customers open one at a time."""

import dataclasses

import numpy as np
import pytest

from jaffle_sim.agents.ads import AdPlatform
from jaffle_sim.agents.sessions import SessionDesk
from jaffle_sim.clock import DAY, HOUR, MINUTE
from jaffle_sim.distributions import Constant, DistributionError, Uniform
from jaffle_sim.events import ORGANIC, PLATFORMS, EventLog
from jaffle_sim.simulation.scenario import Scenario

SCENARIO = Scenario.default()
# A customer's own draws for its sessions (`SessionDesk.draw`, from a generator of its own).
ROWS = iter(np.random.default_rng(9).random((10_000, 3)).tolist())


def desk_with_ads(deliver: bool = True) -> tuple[SessionDesk, EventLog]:
    log = EventLog()
    platforms = {
        name: AdPlatform(
            name, SCENARIO.ads[name], np.random.default_rng(i), log, SCENARIO.traffic.visit_hours
        )
        for i, name in enumerate(PLATFORMS)
    }
    for platform in platforms.values():
        platform.warm_start()
        if deliver:
            platform.deliver(0, 1.0, 1.0)
    log.drain()
    return SessionDesk(platforms, SCENARIO.traffic, log), log


def test_session_ids_count_up_per_platform():
    desk, _ = desk_with_ads()
    assert desk.number("website", 3) == ["w1", "w2", "w3"]
    assert desk.number("app", 2) == ["a1", "a2"]
    assert (
        desk.open(10 * HOUR, 5, 1, "google", next(ROWS)) == "w4"
    )  # google traffic is website traffic
    assert (
        desk.open(11 * HOUR, 5, 1, "instagram", next(ROWS)) == "a3"
    )  # instagram traffic is app traffic
    assert desk.number("website", 1) == ["w5"]


def test_a_customer_session_through_a_platform_is_a_click_on_a_running_ad():
    desk, log = desk_with_ads()
    running = {name: set(p.ad_ids) for name, p in desk.platforms.items()}
    for i in range(300):
        desk.open(8 * HOUR + i * MINUTE, 7, 2, PLATFORMS[i % 3], next(ROWS))
    ev = log.drain()
    s, clicks = ev["session"], ev["click"]
    assert len(s["session_id"]) == 300 and clicks["session_id"] == s["session_id"]
    for source, ad_id, start, end in zip(
        s["utm_source"], s["ad_id"], s["started_at"], s["ended_at"]
    ):
        assert ad_id in running[source]
        assert end - start >= MINUTE
    assert set(s["customer_id"]) == {2} and set(s["touch"]) == {0}


def test_a_platform_without_ads_today_sends_the_session_organic():
    desk, log = desk_with_ads(deliver=False)  # nothing delivered: no ad runs today
    desk.open(DAY + HOUR, 7, 2, "facebook", next(ROWS))
    desk.open(DAY + 2 * HOUR, 7, 2, ORGANIC, next(ROWS))
    ev = log.drain()
    assert ev["session"]["utm_source"] == [None, None]
    assert ev["session"]["ad_id"] == [None, None]
    assert ev["click"]["ad_id"] == []


def test_traffic_behaviour_validates_its_fields():
    traffic = SCENARIO.traffic
    assert dataclasses.replace(traffic, session_minutes=5).session_minutes == Constant(5.0)
    with pytest.raises(DistributionError, match="probability in") as err:
        dataclasses.replace(traffic, landing_share=1.5)
    assert err.value.field == "landing_share"
    with pytest.raises(DistributionError, match="cannot be negative") as err:
        dataclasses.replace(traffic, session_minutes=Uniform(-1, 5))
    assert err.value.field == "session_minutes"
    with pytest.raises(DistributionError, match=">= 0") as err:
        dataclasses.replace(traffic, organic_visitors_per_day=-3)
    assert err.value.field == "organic_visitors_per_day"
