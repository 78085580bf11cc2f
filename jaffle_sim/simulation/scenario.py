"""The scenario: every behaviour parameter of the shop, as a frozen tree of dataclasses.

A `Scenario` holds one behaviour dataclass per agent plus the market's `Demand`: numbers, mixes,
hour profiles and distribution objects. Its documented default is `Scenario.default()`
(`default_scenario.py`). It converts to and from a plain dict (the TOML form, `scenario_dict.py`):
`Scenario.from_dict` validates everything and names the key of any problem, and
`scenario.updated({"journey.return_probability": 0.4})` returns a changed copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jaffle_sim import behaviour as rule
from jaffle_sim.agents.ads import PlatformBehaviour
from jaffle_sim.agents.customers import CustomerBehaviour
from jaffle_sim.agents.journeys import JourneyBehaviour
from jaffle_sim.agents.quality import DataQuality
from jaffle_sim.agents.sessions import TrafficBehaviour
from jaffle_sim.agents.shop import ShopBehaviour
from jaffle_sim.events import PLATFORMS
from jaffle_sim.simulation.scenario_dict import ScenarioError, build, merge, to_plain

__all__ = ["Demand", "Scenario", "ScenarioError"]


@dataclass(frozen=True)
class Demand:
    """The market around the shop: ad budgets and organic traffic grow by `growth_per_30_days`
    (0.06 = +6% a month); traffic and purchases follow the `weekly` rhythm (Monday..Sunday,
    relative weights) and a day-to-day log-normal fluctuation of `daily_noise_sigma`."""

    growth_per_30_days: float = field(metadata=rule.number(above=-1, note="(0.06 = +6% a month)"))
    weekly: tuple[float, ...] = field(metadata=rule.weights(7, "Monday to Sunday"))
    daily_noise_sigma: float = field(metadata=rule.number(minimum=0))

    def __post_init__(self) -> None:
        rule.validate(self)


@dataclass(frozen=True)
class Scenario:
    """Everything the simulated shop does, as data."""

    demand: Demand
    traffic: TrafficBehaviour
    journey: JourneyBehaviour
    ads: Mapping[str, PlatformBehaviour]
    customers: CustomerBehaviour
    shop: ShopBehaviour
    quality: DataQuality  # the noise floor of realistic defects (agents/quality.py)

    def __post_init__(self) -> None:
        if sorted(self.ads) != sorted(PLATFORMS):
            raise ScenarioError("ads", f"needs exactly the platforms {', '.join(PLATFORMS)}")
        if self.ads["google"].app_share != 0 or self.ads["instagram"].app_share != 1:
            raise ScenarioError(
                "ads",
                "google traffic lands on the website (app_share = 0) and "
                "instagram traffic in the app (app_share = 1)",
            )

    # -- conversions --------------------------------------------------------------------------
    @classmethod
    def default(cls) -> Scenario:
        """The documented default (`simulation/default_scenario.py`)."""
        from jaffle_sim.simulation.default_scenario import default_scenario  # it builds a Scenario

        return default_scenario()

    def to_dict(self) -> dict[str, Any]:
        return to_plain(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], base: Scenario | None = None) -> Scenario:
        """Overlay `data` (nested, as in TOML) on `base` (default: the default scenario)."""
        merged = merge((base or cls.default()).to_dict(), data, "")
        return build(cls, merged, "")

    def scaled(self, factor: float) -> Scenario:
        """The same shop with `factor` times the traffic: organic visitors, ad launches (so ad
        clicks) and customers acquired before day 0 all scale; behaviour stays the same."""
        changes: dict[str, Any] = {
            "traffic.organic_visitors_per_day": self.traffic.organic_visitors_per_day * factor,
            "customers.existing_customers": round(self.customers.existing_customers * factor),
        }
        for name, platform in self.ads.items():
            changes[f"ads.{name}.launches_per_day"] = platform.launches_per_day * factor
        return self.updated(changes)

    def updated(self, changes: Mapping[str, Any]) -> Scenario:
        """A copy with dotted keys changed, e.g. {"traffic.organic_visitors_per_day": 300}."""
        nested: dict[str, Any] = {}
        for dotted, value in changes.items():
            node = nested
            *parents, leaf = dotted.split(".")
            for part in parents:
                node = node.setdefault(part, {})
            node[leaf] = value
        return Scenario.from_dict(nested, base=self)
