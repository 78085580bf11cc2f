"""Ad campaigns: one `AdPlatform` agent per platform (google, facebook, instagram).

Each platform launches ads at a steady rate; an ad keeps one medium, one campaign, a daily budget,
a click-through rate and a price per thousand impressions for its whole life. Every day a running
ad spends about its budget (scaled by the shop's growth), buys impressions and receives clicks:
first-touch clicks from new visitors, plus clicks from returning visitors and customers that other
agents route to it. At the close of the day it records one `AdDay` per running ad.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field

import numpy as np
import simpy

from jaffle_sim import behaviour as rule
from jaffle_sim.clock import DAY
from jaffle_sim.distributions import Distribution, Uniform
from jaffle_sim.events import AD_PREFIX, AdLaunched, EventLog
from jaffle_sim.mixes import HourProfile, Mix


@dataclass(frozen=True)
class PlatformBehaviour:
    """How one platform's ads behave. Money in cents; `ctr` is clicks per impression."""

    launches_per_day: float = field(metadata=rule.number(minimum=0))
    duration_days: Distribution = field(metadata=rule.distribution(non_negative=True))
    daily_budget_cents: Distribution = field(metadata=rule.distribution(non_negative=True))
    ctr: Distribution = field(metadata=rule.distribution(probability=True))
    cpm_cents: Distribution = field(metadata=rule.distribution(non_negative=True))
    app_share: float = field(metadata=rule.probability())
    media: Mix
    campaigns: Mix
    spend_pacing: Distribution = field(
        default=Uniform(0.8, 1.2), metadata=rule.distribution(non_negative=True)
    )

    def __post_init__(self) -> None:
        rule.validate(self)

    def steady_state(self, draws: int = 100_000) -> SteadyState:
        """What the platform's ads come to once launches and ends balance (a fixed sample of the
        distributions, so the same every time): ads running a day, their mean daily spend and
        the first-touch clicks they buy a day, at growth 1 and an average audience."""
        rng = np.random.default_rng(0)
        duration = np.maximum(1, np.rint(self.duration_days.sample(rng, draws)))
        budget = np.maximum(1, np.rint(self.daily_budget_cents.sample(rng, draws)))
        ctr = np.clip(self.ctr.sample(rng, draws), 0.0, 1.0)
        cpm = np.maximum(1, np.rint(self.cpm_cents.sample(rng, draws)))
        running = self.launches_per_day * float(duration.mean())
        spend = float(budget.mean()) * self.spend_pacing.mean
        clicks_per_spend = float(np.mean(ctr / cpm)) * 1000.0
        return SteadyState(running, spend, running * spend * clicks_per_spend)


@dataclass(frozen=True)
class SteadyState:
    """A platform in steady state: `running_ads` a day (launches a day times the mean life),
    `spend_per_ad_cents` a day and `first_clicks_per_day`, at growth 1 and an average audience."""

    running_ads: float
    spend_per_ad_cents: float
    first_clicks_per_day: float


@dataclass(frozen=True)
class Clicks:
    """A batch of clicks: when (seconds since start), on which ad, from which platform."""

    at: np.ndarray
    ad_ids: list[str]
    platform: str


class AdPlatform:
    """The ads of one platform and their daily delivery."""

    def __init__(
        self,
        platform: str,
        behaviour: PlatformBehaviour,
        rng: np.random.Generator,
        log: EventLog,
        visit_hours: HourProfile,
    ):
        self.platform = platform
        self.behaviour = behaviour
        self.rng = rng
        self.log = log
        self.visit_hours = visit_hours
        self._next_number = 1
        # Running ads, one entry per array position.
        self.ad_ids: list[str] = []
        self.budget = np.zeros(0)
        self.ctr = np.zeros(0)
        self.cpm = np.zeros(0)
        self.end_day = np.zeros(0, dtype=np.int64)
        # Today's delivery, one entry per ad running today.
        self._spend = np.zeros(0, dtype=np.int64)
        self._impressions = np.zeros(0, dtype=np.int64)
        self._clicks = np.zeros(0, dtype=np.int64)
        self._today_ids: list[str] = []
        self._cum = np.zeros(0)

    # -- life cycle -------------------------------------------------------------------------
    def warm_start(self) -> None:
        """Ads already running on day 0, as in steady state: the same launches a day over the
        longest duration before it (for an unbounded duration, one that 1 ad in 10,000
        outlives), of which those still running on day 0 stay. Day 0 then has as many running
        ads as any later day, on average."""
        b = self.behaviour
        high = b.duration_days.support[1]
        if not np.isfinite(high):
            high = float(
                np.quantile(b.duration_days.sample(np.random.default_rng(0), 100_000), 0.9999)
            )
        longest = int(np.ceil(high))
        n = self.rng.poisson(b.launches_per_day * longest)
        start = np.sort(self.rng.integers(-longest, 0, n))
        self._launch(start)

    def launch_today(self, day: int) -> None:
        n = self.rng.poisson(self.behaviour.launches_per_day)
        self._launch(np.full(n, day, dtype=np.int64))

    def _launch(self, start_day: np.ndarray) -> None:
        b, n = self.behaviour, len(start_day)
        duration = np.maximum(1, np.rint(b.duration_days.sample(self.rng, n))).astype(np.int64)
        end_day = start_day + duration - 1
        budget = np.maximum(1, np.rint(b.daily_budget_cents.sample(self.rng, n)))
        ctr = np.clip(b.ctr.sample(self.rng, n), 0.0, 1.0)
        cpm = np.maximum(1, np.rint(b.cpm_cents.sample(self.rng, n)))
        medium = b.media.sample_index(self.rng, n)
        campaign = b.campaigns.sample_index(self.rng, n)
        alive = end_day >= 0  # warm-start ads that ended before day 0 never existed for us
        prefix = AD_PREFIX[self.platform]
        new_ids = []
        for i in np.flatnonzero(alive):
            ad_id = f"{prefix}{self._next_number}"
            self._next_number += 1
            new_ids.append(ad_id)
            self.log.record(
                AdLaunched(
                    ad_id,
                    self.platform,
                    b.media.labels[medium[i]],
                    b.campaigns.labels[campaign[i]],
                    int(start_day[i]),
                    int(end_day[i]),
                    int(budget[i]),
                    float(ctr[i]),
                    int(cpm[i]),
                )
            )
        self.ad_ids.extend(new_ids)
        self.budget = np.concatenate([self.budget, budget[alive]])
        self.ctr = np.concatenate([self.ctr, ctr[alive]])
        self.cpm = np.concatenate([self.cpm, cpm[alive]])
        self.end_day = np.concatenate([self.end_day, end_day[alive]])

    def _retire(self, day: int) -> None:
        keep = self.end_day >= day
        if keep.all():
            return
        self.ad_ids = [a for a, k in zip(self.ad_ids, keep) if k]
        self.budget, self.ctr = self.budget[keep], self.ctr[keep]
        self.cpm, self.end_day = self.cpm[keep], self.end_day[keep]

    # -- daily delivery -----------------------------------------------------------------------
    def deliver(self, day: int, budget_scale: float, audience: float) -> Clicks:
        """Spend today's budgets; returns the first-touch clicks bought today."""
        self._retire(day)
        b, n = self.behaviour, len(self.ad_ids)
        self._today_ids = list(self.ad_ids)
        pacing = b.spend_pacing.sample(self.rng, n)
        self._spend = np.rint(self.budget * pacing * budget_scale).astype(np.int64)
        expected = self._spend / self.cpm * 1000.0 * audience
        self._impressions = self.rng.poisson(expected).astype(np.int64)
        clicks = self.rng.binomial(self._impressions, self.ctr).astype(np.int64)
        self._clicks = clicks.copy()
        self._cum = np.cumsum(self._impressions + 1.0)
        total = int(clicks.sum())
        ad_pos = np.repeat(np.arange(n), clicks)
        at = day * DAY + self.visit_hours.sample_hours(self.rng, total) * 3600.0
        return Clicks(at, [self._today_ids[i] for i in ad_pos], self.platform)

    def running_today(self) -> int:
        return len(self._today_ids)

    def route_clicks(self, n: int) -> list[str]:
        """Pick ads for n clicks from returning visitors, in proportion to today's impressions."""
        if n == 0 or not self._today_ids:
            return []
        weight = self._impressions + 1.0
        pos = self.rng.choice(len(self._today_ids), size=n, p=weight / weight.sum())
        np.add.at(self._clicks, pos, 1)
        return [self._today_ids[i] for i in pos]

    def route_one(self, u: float) -> str | None:
        """Pick one ad for a click (u uniform in [0, 1)), in proportion to today's impressions."""
        if not self._today_ids:
            return None
        cum = self._cum
        pos = min(int(np.searchsorted(cum, u * cum[-1], side="right")), len(cum) - 1)
        self._clicks[pos] += 1
        return self._today_ids[pos]

    def close_day(self, day: int) -> None:
        """Record today's delivery of every running ad."""
        if not self._today_ids:
            return
        impressions = np.maximum(self._impressions, self._clicks)
        self.log.record_columns(
            "ad_day",
            {
                "ad_id": list(self._today_ids),
                "platform": [self.platform] * len(self._today_ids),
                "day": np.full(len(self._today_ids), day, dtype=np.int64),
                "cost_cents": self._spend.copy(),
                "impressions": impressions,
                "clicks": self._clicks.copy(),
            },
        )
        self._today_ids = []

    def expected_clicks(self, budget_scale: float, audience: float) -> float:
        """Mean first-touch clicks a day with the ads running now (used to warm up journeys)."""
        pacing = self.behaviour.spend_pacing.mean
        spend = self.budget * pacing * budget_scale
        return float(np.sum(spend / self.cpm * 1000.0 * audience * self.ctr))

    def process(
        self,
        env: simpy.Environment,
        day_scale: Callable[[int], tuple[float, float]],
        deliver_to: Callable[[Clicks], None],
    ) -> Generator[simpy.Event, None, None]:
        """SimPy process: at the start of each day launch new ads and deliver."""
        while True:
            day = int(env.now // DAY)
            self.launch_today(day)
            budget_scale, audience = day_scale(day)
            deliver_to(self.deliver(day, budget_scale, audience))
            yield env.timeout((day + 1) * DAY - env.now)
