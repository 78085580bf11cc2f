"""A visitor's journey: how it unfolds from session to session until a sign-up or leaving
(`JourneyBehaviour`, the scenario's parameters, probabilities per touch) and one open journey's
touches so far (`Journey`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from jaffle_sim import behaviour as rule
from jaffle_sim.agents.effects import ChannelEffect, TouchRates, channel_effects, neutral_effects
from jaffle_sim.agents.order_timing import OrderTiming
from jaffle_sim.distributions import Distribution
from jaffle_sim.events import CHANNELS
from jaffle_sim.mixes import Mix


@dataclass(frozen=True)
class JourneyBehaviour:
    """How a visitor's journey unfolds from session to session until sign-up or leaving.

    `first_visit_conversion`, `return_visit_conversion` and `return_probability` are the base
    rates a channel's `channel_effects` multiply (per touch: sign-up on a first touch, sign-up on a
    return, coming back after a session without sign-up). `return_without_ad`: the probability
    that a visitor who would come back through a platform with no ad running (switched off, or
    none that day) comes back organically anyway; otherwise the journey ends."""

    first_visit_conversion: float = field(metadata=rule.probability())
    return_visit_conversion: float = field(metadata=rule.probability())
    return_probability: float = field(metadata=rule.probability())
    return_delay_hours: Distribution = field(metadata=rule.distribution(non_negative=True))
    return_channels: Mix = field(metadata=rule.mix(labels=CHANNELS, what="channel"))
    max_sessions: int = field(metadata=rule.count(minimum=1))
    order_timing: OrderTiming
    channel_effects: Mapping[str, ChannelEffect] = field(
        default_factory=neutral_effects, metadata=channel_effects()
    )
    return_without_ad: float = field(default=1.0, metadata=rule.probability())

    def __post_init__(self) -> None:
        rule.validate(self)

    def rates(self, landing_share: float) -> TouchRates:
        """The per-touch probabilities by channel and position (and the truth credit)."""
        return TouchRates.of(
            self.channel_effects,
            self.first_visit_conversion,
            self.return_visit_conversion,
            self.return_probability,
            landing_share,
            self.return_without_ad,
        )

    def signup_chance_per_arrival(self, landing_share: float) -> dict[str, float]:
        """Per channel of arrival: the chance that a journey a first touch (an ad click, or an
        organic visit) through it begins ends in a sign-up, with every platform running ads."""
        r = self.rates(landing_share)
        mix = [(CHANNELS.index(c), share) for c, share in self.return_channels.shares.items()]
        later = 0.0  # a return's chance to end in a sign-up, from the last possible one back
        for _ in range(self.max_sessions - 1):
            later = sum(
                share
                * r.landing[c]
                * (r.signup[1, c] + (1 - r.signup[1, c]) * r.back[1, c] * later)
                for c, share in mix
            )
        return {
            name: float(
                r.landing[c] * (r.signup[0, c] + (1 - r.signup[0, c]) * r.back[0, c] * later)
            )
            for c, name in enumerate(CHANNELS)
        }


class Journey:
    """An open journey: when it began and, per touch so far, session id (None before day 0),
    channel (position in `CHANNELS`) and ad."""

    __slots__ = ("ads", "channels", "first_at", "sessions")

    def __init__(self, first_at: int):
        self.first_at = first_at
        self.sessions: list[str | None] = []
        self.channels: list[int] = []
        self.ads: list[str | None] = []

    def add(self, session_id: str | None, channel: int, ad_id: str | None) -> None:
        self.sessions.append(session_id)
        self.channels.append(channel)
        self.ads.append(ad_id)
