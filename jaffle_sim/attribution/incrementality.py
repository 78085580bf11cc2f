"""Incrementality: what each ad platform really caused, from counterfactual runs.

The world runs as it is and once more for each platform switched off (`ads.<platform>.
launches_per_day = 0`: no ads, no spend, no clicks), with the same seed. Visitors draw from
streams keyed by where they came from (`agents.touches`) and customers from streams keyed by the
same origin (`agents.own_draws`), so every journey that never touches the switched-off platform,
and the whole life of every customer it did not bring, is the same in both runs: the difference
is the platform's effect with next to no noise from chance (common random numbers).

Per platform and replication, the world minus the world without it:
- spend: the platform's ad cost in the world;
- sign-ups caused: new customers;
- orders and revenue caused: all orders of the run and their amounts (gross of returns); only
  the customers acquired in one world and not the other (or at another time) contribute;
- cost per incremental acquisition = spend / sign-ups caused; incremental ROAS = revenue caused /
  spend.

Replications use child seeds of `seed` (the first one is `seed` itself); the interval is the mean
plus or minus Student's t (95%) times the standard error over replications.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from jaffle_sim.clock import Calendar, SimDay
from jaffle_sim.events import PLATFORMS, DayEvents
from jaffle_sim.simulation.hooks import RunInfo
from jaffle_sim.simulation.runner import Runner, Simulation
from jaffle_sim.simulation.scenario import Scenario

FLAVOUR = "training"


@dataclass(frozen=True)
class World:
    """What one run produced, as far as incrementality needs: spend per platform (cents), the
    customers acquired in the run, and all orders and their revenue (cents)."""

    spend_cents: dict[str, int]
    signups: int
    orders: int
    revenue_cents: int


class _Outcome:
    """Day-tick hook adding up spend, acquisitions and orders."""

    def __init__(self) -> None:
        self.spend = dict.fromkeys(PLATFORMS, 0)
        self.total = [0, 0, 0]

    def start(self, run: RunInfo) -> None:
        pass

    def day(self, day: SimDay, events: DayEvents) -> None:
        ad = events["ad_day"]
        for platform, cost in zip(ad["platform"], np.asarray(ad["cost_cents"]).tolist()):
            self.spend[platform] += cost
        self.total[0] += len(events["journey_converted"]["customer_id"])
        amounts = np.asarray(events["order_placed"]["total_cents"], dtype=np.int64)
        self.total[1] += len(amounts)
        self.total[2] += int(amounts.sum())

    def end(self) -> None:
        pass

    def world(self) -> World:
        return World(dict(self.spend), *self.total)


def run_world(scenario: Scenario, calendar: Calendar, seed: int) -> World:
    """Simulate the shop in memory and sum up what incrementality needs."""
    outcome = _Outcome()
    Runner([Simulation(scenario, calendar, seed, FLAVOUR)], {FLAVOUR: [outcome]}).run()
    return outcome.world()


def switched_off(scenario: Scenario, platform: str) -> Scenario:
    """The same shop without `platform`: it launches no ads (none running from before day 0)."""
    return scenario.updated({f"ads.{platform}.launches_per_day": 0.0})


@dataclass(frozen=True)
class Effect:
    """A platform's effect in one replication: spend, and what it caused."""

    spend_cents: int
    signups: int
    orders: int
    revenue_cents: int


def effect(world: World, without: World, platform: str) -> Effect:
    """The difference `world` - `without` (the world with `platform` switched off)."""
    return Effect(
        world.spend_cents[platform],
        world.signups - without.signups,
        world.orders - without.orders,
        world.revenue_cents - without.revenue_cents,
    )


@dataclass(frozen=True)
class Estimate:
    """Mean over replications and its 95% interval (None with one replication)."""

    mean: float
    low: float | None
    high: float | None
    sd: float | None

    @classmethod
    def of(cls, values: Sequence[float]) -> Estimate:
        x = np.asarray(values, dtype=float)
        mean = float(x.mean())
        if len(x) < 2:
            return cls(mean, None, None, None)
        from scipy import stats

        sd = float(x.std(ddof=1))
        half = float(stats.t.ppf(0.975, len(x) - 1)) * sd / math.sqrt(len(x))
        return cls(mean, mean - half, mean + half, sd)

    def contains(self, value: float) -> bool:
        if self.low is None or self.high is None:
            return value == self.mean
        return self.low <= value <= self.high


@dataclass(frozen=True)
class PlatformIncrementality:
    """One platform over the replications (money in cents)."""

    platform: str
    effects: list[Effect]

    def _estimate(self, values: Iterable[float]) -> Estimate:
        return Estimate.of(list(values))

    @property
    def spend_cents(self) -> Estimate:
        return self._estimate(e.spend_cents for e in self.effects)

    @property
    def signups(self) -> Estimate:
        return self._estimate(e.signups for e in self.effects)

    @property
    def orders(self) -> Estimate:
        return self._estimate(e.orders for e in self.effects)

    @property
    def revenue_cents(self) -> Estimate:
        return self._estimate(e.revenue_cents for e in self.effects)

    @property
    def cost_per_acquisition_cents(self) -> float | None:
        """Spend per incremental sign-up (None when it caused none)."""
        signups = self.signups.mean
        return self.spend_cents.mean / signups if signups > 0 else None

    @property
    def roas(self) -> float | None:
        """Incremental revenue per unit of spend (None without spend)."""
        spend = self.spend_cents.mean
        return self.revenue_cents.mean / spend if spend > 0 else None

    def to_dict(self) -> dict[str, Any]:
        def est(e: Estimate) -> dict[str, float | None]:
            return {"mean": e.mean, "low": e.low, "high": e.high, "sd": e.sd}

        return {
            "platform": self.platform,
            "spend_cents": est(self.spend_cents),
            "signups": est(self.signups),
            "orders": est(self.orders),
            "revenue_cents": est(self.revenue_cents),
            "cost_per_acquisition_cents": self.cost_per_acquisition_cents,
            "roas": self.roas,
            "replications": [e.__dict__ for e in self.effects],
        }


@dataclass
class Incrementality:
    """The outcome of `incrementality()`."""

    days: int
    seeds: list[int]
    platforms: list[PlatformIncrementality]
    worlds: list[World] = field(repr=False)
    seconds: float = 0.0
    runs: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "seeds": self.seeds,
            "runs": self.runs,
            "seconds": round(self.seconds, 2),
            "world": [
                {"signups": w.signups, "orders": w.orders, "revenue_cents": w.revenue_cents}
                for w in self.worlds
            ],
            "platforms": [p.to_dict() for p in self.platforms],
        }


def replication_seeds(seed: int, replications: int) -> list[int]:
    """`seed` itself, then child seeds of it."""
    children = np.random.SeedSequence(seed).spawn(max(replications - 1, 0))
    return [seed, *(int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in children)]


def _run(task: tuple[Scenario, Calendar, int]) -> World:
    return run_world(*task)


def incrementality(
    scenario: Scenario,
    calendar: Calendar,
    seed: int,
    platforms: Sequence[str] = PLATFORMS,
    replications: int = 1,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Incrementality:
    """Run the world and, for each platform, the world without it, `replications` times (child
    seeds), on `workers` processes (default: the cores; 1 runs in this process)."""
    unknown = sorted(set(platforms) - set(PLATFORMS))
    if unknown:
        raise ValueError(f"unknown platform(s) {unknown}; expected some of {', '.join(PLATFORMS)}")
    seeds = replication_seeds(seed, replications)
    scenarios = [scenario] + [switched_off(scenario, p) for p in platforms]
    tasks = [(s, calendar, r) for r in seeds for s in scenarios]
    workers = workers or os.cpu_count() or 1
    t0 = time.perf_counter()
    worlds: list[World] = []
    if workers == 1 or len(tasks) == 1:
        for task in tasks:
            worlds.append(_run(task))
            if progress:
                progress(len(worlds), len(tasks))
    else:
        with ProcessPoolExecutor(max_workers=min(workers, len(tasks))) as pool:
            for world in pool.map(_run, tasks):
                worlds.append(world)
                if progress:
                    progress(len(worlds), len(tasks))
    per = len(scenarios)
    out = []
    for k, platform in enumerate(platforms, start=1):
        effects = [
            effect(worlds[r * per], worlds[r * per + k], platform) for r in range(len(seeds))
        ]
        out.append(PlatformIncrementality(platform, effects))
    return Incrementality(
        calendar.days,
        seeds,
        out,
        [worlds[r * per] for r in range(len(seeds))],
        time.perf_counter() - t0,
        len(tasks),
    )
