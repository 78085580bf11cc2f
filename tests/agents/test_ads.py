"""Ad platforms: launches, daily delivery and clicks routed to running ads."""

import numpy as np

from jaffle_sim.agents.ads import AdPlatform
from jaffle_sim.clock import DAY
from jaffle_sim.events import EventLog
from jaffle_sim.simulation.scenario import Scenario

SCENARIO = Scenario.default()


def test_ad_platform_delivery_and_routed_clicks():
    log = EventLog()
    behaviour = SCENARIO.ads["facebook"]
    ads = AdPlatform(
        "facebook", behaviour, np.random.default_rng(3), log, SCENARIO.traffic.visit_hours
    )
    ads.warm_start()
    launched = log.drain()["ad_launched"]
    assert len(launched["ad_id"]) > 0 and min(launched["end_day"]) >= 0
    assert all(a.startswith("f") for a in launched["ad_id"])
    clicks = ads.deliver(0, budget_scale=2.0, audience=1.0)
    assert np.all((clicks.at >= 0) & (clicks.at < DAY))
    extra = ads.route_clicks(50)
    assert len(extra) == 50 and set(extra) <= set(ads.ad_ids)
    ads.close_day(0)
    rows = log.drain()["ad_day"]
    assert sum(rows["clicks"]) == len(clicks.at) + 50
    assert np.all(np.asarray(rows["impressions"]) >= np.asarray(rows["clicks"]))
    budget = dict(zip(launched["ad_id"], launched["daily_budget_cents"]))
    ratio = np.asarray(rows["cost_cents"]) / np.array([budget[a] for a in rows["ad_id"]])
    assert ratio.min() >= 2 * 0.8 - 0.01 and ratio.max() <= 2 * 1.2 + 0.01
    # An ad runs until its end day, then is gone.
    last = max(launched["end_day"])
    ads.deliver(last + 1, 1.0, 1.0)
    assert ads.running_today() == 0 or min(ads.end_day) > last
