"""The noise floor: the small, steady rates of defects that real production data has.

A monitor that only ever sees a perfect zero cannot tell a spike from the normal state, so the
shop's data carries a few realistic defects in both flavours (it is the same shop; the planted
anomalies of the validation flavour lie far above these rates):

- a sign-up without an email (`missing_email_share`) or with a blank first name
  (`blank_first_name_share`: the field was left empty; the email keeps the real name);
- an order covered in full by a coupon (`zero_amount_order_share`): one `coupon` payment of 0,
  and the order's amount is 0, so the payments of an order still sum to its amount;
- a late order (`late_order_share`): it misses its day's file and arrives with the next day's,
  `late_arrival_hours` after midnight, with its payments; the event log records the delay;
- a session delivered twice (`duplicate_session_share`, at-least-once delivery of the session
  feed): the `session` event is recorded again with `is_duplicate` set.

Every share is a probability per entity (sign-up, order, session) and may be 0. Each defect is
drawn from its own random stream, one draw per entity whatever the share, so changing one share
never moves another defect or any other behaviour. The defects of a sign-up or an order are drawn
from the customer's own numbers (`agents.own_draws`), those of sessions from a hash of the
session's own times keyed by the defect's stream.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from jaffle_sim import behaviour as rule
from jaffle_sim.agents.touches import GOLDEN, MASK, mix, mix_int
from jaffle_sim.clock import DAY, HOUR
from jaffle_sim.distributions import Buffered, Distribution
from jaffle_sim.events import EVENT_TYPES, Column, EventLog

# The sub-stream of each defect within the `quality` concern (append only).
DEFECTS = ("blank_first_name", "zero_amount_order", "late_order", "duplicate_session")


@dataclass(frozen=True)
class DataQuality:
    """Rates of the noise floor (probabilities per sign-up, order or session) and the arrival
    time of a late order (hours after the midnight that follows it, at most 24)."""

    missing_email_share: float = field(metadata=rule.probability())
    blank_first_name_share: float = field(metadata=rule.probability())
    zero_amount_order_share: float = field(metadata=rule.probability())
    late_order_share: float = field(metadata=rule.probability())
    late_arrival_hours: Distribution = field(metadata=rule.distribution(non_negative=True))
    duplicate_session_share: float = field(metadata=rule.probability())

    def __post_init__(self) -> None:
        rule.validate(self)


class Defects:
    """The noise floor's draws, each from its own generator (`stream(i)` gives the one of
    `DEFECTS[i]`)."""

    def __init__(self, quality: DataQuality, stream: Callable[[int], np.random.Generator]):
        self.quality = q = quality
        rng = {name: stream(i) for i, name in enumerate(DEFECTS)}
        self._blank = Buffered(rng["blank_first_name"].random)
        self._zero = Buffered(rng["zero_amount_order"].random)
        late = rng["late_order"]
        self._late = Buffered(lambda n: np.stack([late.random(n), _hours(q, late, n)], axis=1))
        self._duplicate_key = np.uint64(rng["duplicate_session"].integers(0, 2**63))

    def blank_first_name(self, u: float | None = None) -> bool:
        """Whether a sign-up's first name was left blank (`u`: the sign-up's own uniform; None:
        the defect's stream)."""
        return bool((self._blank() if u is None else u) < self.quality.blank_first_name_share)

    def zero_amount_order(self, u: float | None = None) -> bool:
        """Whether an order is covered in full by a coupon (`u` as for `blank_first_name`)."""
        return bool((self._zero() if u is None else u) < self.quality.zero_amount_order_share)

    def delivery_delay(self, at: int, own: tuple[float, float] | None = None) -> int:
        """Seconds after `at` (an order's time) at which its row arrives: 0, or for a late row a
        time in the next day. `own`: the order's own (uniform, `late_hours` draw); None: the
        defect's stream."""
        u, hours = self._late() if own is None else own
        if u >= self.quality.late_order_share:
            return 0
        next_midnight = (at // DAY + 1) * DAY
        return int(next_midnight + min(hours, 24.0) * HOUR) - at

    def duplicated(self, started_at: Column, ended_at: Column) -> np.ndarray:
        """Which sessions (given by their start and end, seconds) are delivered twice. The
        uniform of a session is a hash of its own times and the run's key, not the next number
        of a shared stream: a session that happens alike in two worlds (one without a platform)
        is duplicated alike."""
        with np.errstate(over="ignore"):
            z = self._duplicate_key ^ (_bits(started_at) * GOLDEN)
            z = mix(z ^ mix(_bits(ended_at)))
        return (z >> np.uint64(11)) * 2.0**-53 < self.quality.duplicate_session_share

    def duplicated_one(self, started_at: int, ended_at: int) -> bool:
        """`duplicated` of one session, in Python integers (the same decision)."""
        z = int(self._duplicate_key) ^ ((started_at & MASK) * int(GOLDEN) & MASK)
        z = mix_int(z ^ mix_int(ended_at & MASK))
        return (z >> 11) * 2.0**-53 < self.quality.duplicate_session_share

    def late_hours(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """n arrival times of late rows (hours after midnight)."""
        return _hours(self.quality, rng, n)


def _bits(seconds: Any) -> np.ndarray:
    """Whole seconds (before day 0 too: negative) as the 64 bits of their two's complement."""
    return np.asarray(seconds, dtype=np.int64).astype(np.uint64)


def _hours(quality: DataQuality, rng: np.random.Generator, n: int) -> np.ndarray:
    return np.minimum(quality.late_arrival_hours.sample(rng, n), 24.0 - 1.0 / HOUR)


class AtLeastOnceLog(EventLog):
    """The event log behind a feed delivered at least once: a share of the `session` events is
    recorded a second time, right after the first, with `is_duplicate` set."""

    def __init__(self, defects: Defects):
        super().__init__()
        self.defects = defects

    def record(self, event: Any) -> None:
        super().record(event)
        if type(event) is EVENT_TYPES["session"] and self.defects.duplicated_one(
            event.started_at, event.ended_at
        ):
            super().record(event._replace(is_duplicate=True))

    def record_columns(self, kind: str, columns: dict[str, Column]) -> None:
        super().record_columns(kind, columns)
        if kind != "session" or not columns:
            return
        idx = np.flatnonzero(self.defects.duplicated(columns["started_at"], columns["ended_at"]))
        if len(idx) == 0:
            return
        copies: dict[str, Column] = {name: _take(values, idx) for name, values in columns.items()}
        copies["is_duplicate"] = [True] * len(idx)
        super().record_columns(kind, copies)


def _take(values: Column, idx: np.ndarray) -> Column:
    if isinstance(values, np.ndarray):
        return values[idx]
    return [values[i] for i in idx.tolist()]
