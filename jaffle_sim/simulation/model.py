"""The model: owns the SimPy environment, the random streams and the event log, and wires the
agents together (Mesa style: agents reach shared things through what the model hands them)."""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import simpy
from faker import Faker

from jaffle_sim.agents.ads import AdPlatform
from jaffle_sim.agents.customers import Customers
from jaffle_sim.agents.quality import AtLeastOnceLog, Defects
from jaffle_sim.agents.sessions import SessionDesk
from jaffle_sim.agents.shop import Shop
from jaffle_sim.agents.visitors import Visitors
from jaffle_sim.clock import Calendar
from jaffle_sim.events import CHANNELS, ORGANIC, PLATFORMS
from jaffle_sim.simulation.scenario import Scenario
from jaffle_sim.simulation.shards import ONE_SHARD, Shard
from jaffle_sim.simulation.streams import Streams

# Customers' names are drawn from this many first and last names made by Faker (with its
# realistic frequencies) at the start of a run: a million combinations, at no Faker cost per name.
NAME_POOL = 1_000


@functools.lru_cache(maxsize=4)
def name_pool(seed: int, flavour: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The run's pool of first and last names, made by its own Faker (seeded from the run's
    names stream, shared by all shards of the run: a vocabulary, not behaviour)."""
    faker = Faker("en_US")
    faker.seed_instance(Streams(seed, flavour).integer_seed("names"))
    firsts = tuple(faker.first_name() for _ in range(NAME_POOL))
    lasts = tuple(faker.last_name() for _ in range(NAME_POOL))
    return firsts, lasts


def name_source(streams: Streams) -> Callable[[float, float], tuple[str, str]]:
    """(first name, last name) from the run's name pool, picked by two uniforms."""
    firsts, lasts = name_pool(streams.seed, streams.flavour)
    return lambda u, v: (firsts[int(u * NAME_POOL)], lasts[int(v * NAME_POOL)])


# Days of visitor journeys simulated (and not recorded) before day 0, so that the first days are
# not missing the returns of journeys that began earlier. Longer than almost every journey.
WARM_UP_DAYS = 14


class ShopModel:
    """One flavour of the simulated shop over a calendar."""

    def __init__(
        self,
        scenario: Scenario,
        calendar: Calendar,
        seed: int,
        flavour: str = "training",
        shard: Shard = ONE_SHARD,
    ):
        self.scenario = s = scenario
        self.calendar = calendar
        self.streams = streams = Streams(seed, flavour, shard.index, shard.count)
        self.env = env = simpy.Environment()
        defects = Defects(s.quality, functools.partial(streams.generator, "quality"))
        self.log = log = AtLeastOnceLog(defects)  # a share of sessions is delivered twice
        self._growth, self._audience = self._demand_curve(streams.generator("demand"))

        self.platforms = {
            name: AdPlatform(
                name, s.ads[name], streams.generator("ads", i), log, s.traffic.visit_hours
            )
            for i, name in enumerate(PLATFORMS)
        }
        self.shop = Shop(s.shop, log, defects)
        self.desk = SessionDesk(self.platforms, s.traffic, log)
        self.customers = Customers(
            s.customers,
            s.journey.order_timing,
            s.traffic.visit_hours,
            s.demand.weekly,
            calendar.start_weekday,
            streams.generator("customers"),
            int(streams.generator("customers", 1).integers(0, 2**63)),  # keyed by origin (CRN)
            name_source(streams),
            log,
            self.shop.place_order,
            self.desk.open,
            {"order": self.shop.draw, "session": self.desk.draw},
            defects,
        )
        self.customers.email_number = shard.global_id
        existing = self.customers.sign_up_existing(
            env, 1, self.signups_per_day(), s.demand.growth_per_30_days
        )
        self.visitors = Visitors(
            s.traffic,
            s.journey,
            self.platforms,
            self.desk,
            self.customers,
            functools.partial(streams.generator, "visitors"),  # keyed by arrival (CRN)
            log,
            first_visitor_id=existing + 1,
        )
        for platform in self.platforms.values():
            platform.warm_start()
        self.visitors.warm_up(
            WARM_UP_DAYS,
            {name: p.expected_clicks(*self.ad_scale(0)) for name, p in self.platforms.items()},
            s.traffic.organic_visitors_per_day * self.organic_scale(0),
        )
        for platform in self.platforms.values():
            env.process(platform.process(env, self.ad_scale, self.visitors.receive))
        env.process(self.visitors.process(env, self.organic_scale))

    def _demand_curve(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Per day: budget growth, and audience size (weekly rhythm times daily noise, mean 1)."""
        d = self.scenario.demand
        days = np.arange(self.calendar.days + 1)
        growth = (1.0 + d.growth_per_30_days) ** (days / 30.0)
        weekly = np.asarray(d.weekly) / np.mean(d.weekly)
        sigma = d.daily_noise_sigma
        noise = np.exp(rng.normal(0.0, sigma, len(days)) - sigma * sigma / 2)
        return growth, weekly[(self.calendar.start_weekday + days) % 7] * noise

    def signups_per_day(self) -> float:
        """New customers a day the shop can expect at growth 1 on an average weekday, with its
        ads in steady state: organic visitors and each platform's first-touch clicks, times the
        chance that the journey such an arrival begins ends in a sign-up. The customers who
        exist on day 0 signed up at this rate."""
        s = self.scenario
        chance = s.journey.signup_chance_per_arrival(s.traffic.landing_share)
        arrivals = {ORGANIC: s.traffic.organic_visitors_per_day} | {
            name: s.ads[name].steady_state().first_clicks_per_day for name in PLATFORMS
        }
        return sum(arrivals[c] * chance[c] for c in CHANNELS)

    def ad_scale(self, day: int) -> tuple[float, float]:
        return float(self._growth[day]), float(self._audience[day])

    def organic_scale(self, day: int) -> float:
        return float(self._growth[day] * self._audience[day])

    def close_day(self, day: int) -> None:
        """End-of-day bookkeeping of agents that report per day."""
        for platform in self.platforms.values():
            platform.close_day(day)
        self.shop.close_day(day)
