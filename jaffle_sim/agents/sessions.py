"""Sessions: the traffic behaviour shared by every visit, and the desk that numbers sessions.

`TrafficBehaviour` says how many organic visitors arrive, when in the day visits happen, how many
paid clicks land in a session, where organic sessions happen (app or website) and how long a
session lasts. The `SessionDesk` owns the session numbering (`w1..` website, `a1..` app): visitor
journeys take numbers in batches, customers open their sessions one at a time through it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from jaffle_sim import behaviour as rule
from jaffle_sim.agents.ads import AdPlatform
from jaffle_sim.clock import MINUTE
from jaffle_sim.distributions import Distribution
from jaffle_sim.events import ORGANIC, Click, EventLog, Session
from jaffle_sim.mixes import HourProfile


@dataclass(frozen=True)
class TrafficBehaviour:
    """Arrivals and sessions. Organic visitors per day are at growth 1 and an average weekday."""

    organic_visitors_per_day: float = field(metadata=rule.number(minimum=0))
    visit_hours: HourProfile
    landing_share: float = field(metadata=rule.probability())
    organic_app_share: float = field(metadata=rule.probability())
    session_minutes: Distribution = field(metadata=rule.distribution(non_negative=True))

    def __post_init__(self) -> None:
        rule.validate(self)


class SessionDesk:
    """Hands out session ids (`w1..` website, `a1..` app) and records sessions opened by
    customers one at a time."""

    def __init__(self, platforms: dict[str, AdPlatform], traffic: TrafficBehaviour, log: EventLog):
        self.platforms = platforms
        self.traffic = traffic
        self.log = log
        self.next_number = {"website": 1, "app": 1}
        self.app_share = {name: p.behaviour.app_share for name, p in platforms.items()}
        self.app_share[ORGANIC] = traffic.organic_app_share

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Shape (n, 3): the draws of n customer sessions, as `open` reads them (the ad's and the
        site's uniforms, session minutes)."""
        minutes = self.traffic.session_minutes.sample(rng, n)
        return np.stack([rng.random(n), rng.random(n), minutes], axis=1)

    def number(self, site: str, n: int) -> list[str]:
        start = self.next_number[site]
        self.next_number[site] = start + n
        prefix = "a" if site == "app" else "w"
        return [f"{prefix}{i}" for i in range(start, start + n)]

    def open(
        self, at: float, visitor_id: int, customer_id: int, channel: str, own: list[float]
    ) -> str:
        """A customer's session through `channel` (organic or a platform's retargeting ad);
        `own` is a row of `draw`, the customer's own numbers."""
        u_ad, u_site, minutes = own
        ad_id = None
        if channel != ORGANIC:
            ad_id = self.platforms[channel].route_one(u_ad)
            if ad_id is None:
                channel = ORGANIC
        site = "app" if u_site < self.app_share[channel] else "website"
        number = self.next_number[site]
        self.next_number[site] = number + 1
        session_id = f"{'a' if site == 'app' else 'w'}{number}"
        start = int(at)
        end = start + max(MINUTE, int(minutes * MINUTE))
        source = None if channel == ORGANIC else channel
        self.log.record(
            Session(session_id, visitor_id, customer_id, start, end, site, source, ad_id, 0)
        )
        if ad_id is not None:
            self.log.record(Click(start, ad_id, channel, visitor_id, session_id, 0))
        return session_id
