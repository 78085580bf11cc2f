"""Channel effects: the causal conversion model the scenario states, and the model's own credit of
each touch of a journey.

A touch is one session of a visitor's journey, through a channel (organic or an ad platform) and at
a position (the first touch opens the journey; every later touch is a return). Each channel states
four multipliers (`ChannelEffect`), units "times the journey's base rate":

  sign-up in the session     p = min(1, first_visit_conversion  * lift_first)   first touch
                             p = min(1, return_visit_conversion * lift_later)   later touch
  come back (no sign-up)     r = min(1, return_probability * return_first)      first touch
                             r = min(1, return_probability * return_later)      later touch

A paid click lands in a session with `traffic.landing_share` (organic visits always land). A visitor
who would come back through a platform that has no ad running (switched off, or none running that
day) comes back organically with probability `return_without_ad`, or not at all.

Truth credit. For a journey of touches 1..n that signed up in touch n, the credit of each touch is
its Shapley value in the game "probability of this journey as it happened", normalised to sum to 1:

  touch j < n contributes a_j = landing(c_j) * (1 - p_j) * r_j   (it did not sign up, it brought
  touch n     contributes a_n = landing(c_n) * p_n                 the visitor back; the last one
                                                                   signed the visitor up)

and a coalition S of touches is worth the product over j of a_j (j in S) or b_j (j not in S), where
b_j is what happens without touch j's channel: nothing for the first touch (without it there is no
journey, b_1 = 0), and for a later touch an organic return with probability `return_without_ad`
(b_j = return_without_ad * the organic a_j at that position). The Shapley value of such a product
game is exact in O(n^3) and sums to a_1...a_n, the probability of the journey itself.

Why this and not the share of each touch's lift: a touch's worth is what it changed against what
would have happened without it, the same counterfactual the incrementality runs use (a platform
switched off: its first touches never happen, its returns turn organic with `return_without_ad`).
So a touch that only replaces an organic return of the same effect gets no credit when returns
would have happened anyway (`return_without_ad` = 1), every touch is necessary and credit is linear
when no return would have happened without its touch (`return_without_ad` = 0) and the effects are
equal, and a touch worse than the organic return it replaced gets negative credit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from jaffle_sim import behaviour as rule
from jaffle_sim.distributions import DistributionError
from jaffle_sim.events import CHANNELS, ORGANIC


@dataclass(frozen=True)
class ChannelEffect:
    """What a touch through one channel does, as multipliers of the journey's base rates (1 = the
    base rate): sign-up in the session (`lift_first` on a first touch, `lift_later` on a return)
    and coming back later when it did not sign up (`return_first`, `return_later`)."""

    lift_first: float = field(default=1.0, metadata=rule.number(minimum=0))
    lift_later: float = field(default=1.0, metadata=rule.number(minimum=0))
    return_first: float = field(default=1.0, metadata=rule.number(minimum=0))
    return_later: float = field(default=1.0, metadata=rule.number(minimum=0))

    def __post_init__(self) -> None:
        rule.validate(self)


def neutral_effects() -> dict[str, ChannelEffect]:
    """Every channel at the base rates: the channel of a touch makes no difference."""
    return {channel: ChannelEffect() for channel in CHANNELS}


def channel_effects() -> Mapping[str, rule.Rule]:
    """A rule: one `ChannelEffect` (or a table of its fields) for each of the channels."""

    def check(value: Any) -> dict[str, ChannelEffect]:
        if not isinstance(value, Mapping):
            raise DistributionError(f"expected a table per channel, got {value!r}")
        if sorted(value) != sorted(CHANNELS):
            raise DistributionError(f"needs exactly the channels {', '.join(CHANNELS)}")
        out = {}
        for channel in CHANNELS:
            effect = value[channel]
            if isinstance(effect, Mapping):
                try:
                    effect = ChannelEffect(**effect)
                except TypeError as exc:
                    raise DistributionError(f"{channel}: {exc}") from None
            if not isinstance(effect, ChannelEffect):
                raise DistributionError(f"{channel}: expected a ChannelEffect, got {effect!r}")
            out[channel] = effect
        return out

    return {rule.RULE: rule.Rule("channel effects", check)}


@dataclass(frozen=True)
class TouchRates:
    """The per-touch probabilities of a journey behaviour, as tables indexed by channel position
    in `CHANNELS` (row 0: first touches, row 1: later touches)."""

    signup: np.ndarray  # shape (2, channels)
    back: np.ndarray  # shape (2, channels)
    landing: np.ndarray  # shape (channels,)
    return_without_ad: float

    @classmethod
    def of(
        cls,
        effects: Mapping[str, ChannelEffect],
        first_visit_conversion: float,
        return_visit_conversion: float,
        return_probability: float,
        landing_share: float,
        return_without_ad: float,
    ) -> TouchRates:
        e = [effects[c] for c in CHANNELS]
        signup = np.array(
            [
                [first_visit_conversion * x.lift_first for x in e],
                [return_visit_conversion * x.lift_later for x in e],
            ]
        )
        back = np.array(
            [
                [return_probability * x.return_first for x in e],
                [return_probability * x.return_later for x in e],
            ]
        )
        landing = np.array([1.0 if c == ORGANIC else landing_share for c in CHANNELS])
        return cls(np.minimum(signup, 1.0), np.minimum(back, 1.0), landing, return_without_ad)

    def signup_chance(self, channels: Sequence[str] | np.ndarray, touch: np.ndarray) -> np.ndarray:
        """The chance that each landed touch signs up: its channel (a name) and its number in the
        journey (1 = first). The expected sign-up rate of measured touches is their mean."""
        return self.signup[_position(touch), _codes(channels)]

    def return_chance(self, channels: Sequence[str] | np.ndarray, touch: np.ndarray) -> np.ndarray:
        """The chance that each landed touch that did not sign up comes back (ignoring the cap
        of `max_sessions`)."""
        return self.back[_position(touch), _codes(channels)]

    def credit(self, channels: Sequence[int]) -> list[float]:
        """The truth credit of each touch of a journey that signed up in its last touch, given
        the touches' channels (positions in `CHANNELS`), first to last. Sums to 1."""
        n = len(channels)
        organic = CHANNELS.index(ORGANIC)
        ratio = np.zeros(n)  # b_j / a_j: the touch's worth without it, relative to with it
        for j in range(1, n):
            own = _factor(self, channels[j], j, n)
            if own <= 0:
                raise ValueError(f"touch {j + 1} of the journey could not have happened")
            ratio[j] = self.return_without_ad * _factor(self, organic, j, n) / own
        return shapley_of_product(ratio)


def _codes(channels: Sequence[str] | np.ndarray) -> np.ndarray:
    code = {c: i for i, c in enumerate(CHANNELS)}
    return np.array([code[c] for c in np.asarray(channels, dtype=object).tolist()], dtype=np.int64)


def _position(touch: np.ndarray) -> np.ndarray:
    return (np.asarray(touch) > 1).astype(np.int64)


def _factor(rates: TouchRates, channel: int, j: int, n: int) -> float:
    """a_j: the probability of what touch j (0-based) did in a journey of n touches."""
    pos = 0 if j == 0 else 1
    land = rates.landing[channel]
    if j == n - 1:
        return float(land * rates.signup[pos, channel])
    return float(land * (1.0 - rates.signup[pos, channel]) * rates.back[pos, channel])


def shapley_of_product(ratio: np.ndarray) -> list[float]:
    """Shapley values of the game v(S) = prod_{j in S} a_j * prod_{j not in S} b_j, divided by
    v(all), given ratio_j = b_j / a_j (so a_j = 1). With ratio_0 = 0 (the first player is needed)
    the values sum to 1.

    phi_j = (1 - ratio_j) * sum_m m! (n-1-m)! / n! * e_m, with e_m the coefficient of x^m in the
    product over the other players i of (ratio_i + x)."""
    n = len(ratio)
    weight = np.array([1.0 / (n * math.comb(n - 1, m)) for m in range(n)])
    out = []
    for j in range(n):
        poly = np.ones(1)  # coefficients, lowest power first
        for i in range(n):
            if i != j:
                poly = np.convolve(poly, [ratio[i], 1.0])
        out.append(float((1.0 - ratio[j]) * weight @ poly))
    return out
