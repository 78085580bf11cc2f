"""The event vocabulary: immutable records of what happened in the shop, their log, and the shared
names (platforms, channels, payment methods, statuses, flavours, weekdays), one place each.

Time: every `*_at` field is whole seconds (units in `clock`) since the scenario start (midnight
UTC of the first simulated day); only writers turn it into timestamps. Money is integer cents.
Each event kind is a `NamedTuple`; agents append one tuple per event (or a batch of columns for
vectorised work) and the runner drains the log once per simulated day.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

# -- the shared vocabulary (one place each) ------------------------------------------------------

PLATFORMS = ("google", "facebook", "instagram")  # ad platforms
AD_PREFIX = {"google": "g", "facebook": "f", "instagram": "i"}  # first letter of their ad ids
ORGANIC = "organic"  # the channel of a session without an ad
CHANNELS = (ORGANIC, *PLATFORMS)
SITES = ("website", "app")  # where a session happens
PAYMENT_METHODS = ("credit_card", "bank_transfer", "coupon", "gift_card")
STATUSES = ("placed", "shipped", "completed", "return_pending", "returned")
FLAVOURS = ("training", "validation")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# A column of a day's events: a list, or a numpy array for vectorised batches.
Column = Sequence[Any] | np.ndarray


class AdLaunched(NamedTuple):
    """An ad goes live on a platform for the days `start_day..end_day` (day numbers, inclusive)."""

    ad_id: str
    platform: str
    medium: str
    campaign: str
    start_day: int
    end_day: int
    daily_budget_cents: int
    ctr: float
    cpm_cents: int


class AdDay(NamedTuple):
    """One ad's delivery on one simulated day: spend, impressions bought and clicks received."""

    ad_id: str
    platform: str
    day: int
    cost_cents: int
    impressions: int
    clicks: int


class Click(NamedTuple):
    """A click on an ad; `session_id` is empty when the visitor bounced before the page loaded.
    `touch` is the click's place in the visitor's journey (1 = first visit; 0 = a customer)."""

    clicked_at: int
    ad_id: str
    platform: str
    visitor_id: int
    session_id: str | None
    touch: int


class Session(NamedTuple):
    """A website (`w..`) or app (`a..`) session; `customer_id` is set once the visitor signed up."""

    session_id: str
    visitor_id: int
    customer_id: int | None
    started_at: int
    ended_at: int
    site: str  # `website` or `app` (`SITES`)
    utm_source: str | None
    ad_id: str | None
    touch: int  # the session's place in the visitor's journey (1 = first visit; 0 = a customer)
    # A second delivery of the same session (at-least-once delivery of the session feed): the
    # record is repeated with this flag, and the sessions table holds the row twice.
    is_duplicate: bool = False


class SignedUp(NamedTuple):
    """A visitor signs up during a session and becomes a customer (`session_id` empty for customers
    who signed up before the simulated period)."""

    signup_id: int
    customer_id: int
    visitor_id: int
    session_id: str | None
    first_name: str
    last_name: str
    email: str | None
    hashed_password: str
    signed_up_at: int


class JourneyConverted(NamedTuple):
    """Ground truth of an acquisition: the sessions of the visitor's journey, first to last.
    `arrival_key` names where the visitor came from (channel, day and arrival number, packed by
    `agents.touches.arrival_key`): the same visitor has the same key in every run of the same
    seed and shard, whichever platforms are switched off."""

    customer_id: int
    visitor_id: int
    session_ids: list[str]
    first_touch_at: int
    converted_at: int
    arrival_key: int = 0


class OrderPlaced(NamedTuple):
    """An order and the session that led to it (ground truth of its conversion). `total_cents`
    is what the customer pays, the sum of the order's payments: 0 for an order covered in full
    by a coupon. A late row reaches
    the shop's tables `delivery_delay_seconds` after `ordered_at` (0: at once), in the file of
    the day it arrives."""

    order_id: int
    customer_id: int
    ordered_at: int
    total_cents: int
    session_id: str
    is_first_order: bool
    delivery_delay_seconds: int = 0


class PaymentMade(NamedTuple):
    """One of an order's one or two payments; the payments of an order sum to its total (an
    order covered in full by a coupon has one `coupon` payment of 0). A payment arrives with its
    order (`delivery_delay_seconds` as the order's)."""

    payment_id: int
    order_id: int
    method: str
    amount_cents: int
    paid_at: int
    delivery_delay_seconds: int = 0


class OrderStatusChanged(NamedTuple):
    """An order moves to a fulfilment status: `placed` at its `ordered_at`, then the later ones
    (`STATUSES`, in that order) on the days they happen."""

    order_id: int
    status: str
    changed_at: int


class CustomerChurned(NamedTuple):
    """Ground truth: after this order the customer will not buy again."""

    customer_id: int
    churned_at: int


class TouchCredited(NamedTuple):
    """Ground truth of attribution: the model's own credit of one touch of a converted journey
    (`agents.effects`: the Shapley value of the touch in the journey's probability, against what
    would have happened without its channel). The touches of a conversion are numbered from 1
    and their credits sum to 1; a touch before the simulated period has no `session_id`."""

    customer_id: int
    visitor_id: int
    session_id: str | None
    touch: int
    utm_source: str | None
    ad_id: str | None
    credit: float
    converted_at: int


EVENT_TYPES: dict[str, type[Any]] = {
    "ad_launched": AdLaunched,
    "ad_day": AdDay,
    "click": Click,
    "session": Session,
    "signed_up": SignedUp,
    "journey_converted": JourneyConverted,
    "order_placed": OrderPlaced,
    "payment_made": PaymentMade,
    "order_status_changed": OrderStatusChanged,
    "customer_churned": CustomerChurned,
    "touch_credited": TouchCredited,
}


class DayEvents:
    """The events of one simulated day, as columns per kind (lists or numpy arrays)."""

    def __init__(self, columns: dict[str, dict[str, Column]]):
        self.columns = columns

    def __getitem__(self, kind: str) -> dict[str, Column]:
        return self.columns[kind]

    def count(self, kind: str) -> int:
        cols = self.columns[kind]
        first = next(iter(cols.values()))
        return len(first)

    def counts(self) -> dict[str, int]:
        return {kind: self.count(kind) for kind in self.columns}


class EventLog:
    """Per-kind buffers of the current day. `record` appends one event; `record_columns` appends a
    vectorised batch. `drain` hands the day's events over and starts empty again, so memory holds
    one day of events at most."""

    def __init__(self) -> None:
        self._rows: dict[str, list[tuple[Any, ...]]] = {kind: [] for kind in EVENT_TYPES}
        self._batches: dict[str, list[dict[str, Column]]] = {k: [] for k in EVENT_TYPES}
        self.totals: dict[str, int] = dict.fromkeys(EVENT_TYPES, 0)

    def record(self, event: NamedTuple) -> None:
        self._rows[_KIND_OF[type(event)]].append(event)

    def record_columns(self, kind: str, columns: dict[str, Column]) -> None:
        """Append a batch; trailing fields that have a default may be left out (they get it)."""
        etype = EVENT_TYPES[kind]
        fields = etype._fields
        given = tuple(columns)
        missing = fields[len(given) :]
        if given != fields[: len(given)] or any(f not in etype._field_defaults for f in missing):
            raise ValueError(f"{kind} batch needs columns {fields}, got {given}")
        if missing:
            n = len(next(iter(columns.values()))) if columns else 0
            columns = dict(columns)
            for f in missing:
                columns[f] = [etype._field_defaults[f]] * n
        self._batches[kind].append(columns)

    def drain(self) -> DayEvents:
        out: dict[str, dict[str, Column]] = {}
        for kind, etype in EVENT_TYPES.items():
            parts: list[dict[str, Column]] = list(self._batches[kind])
            rows = self._rows[kind]
            if rows:
                parts.append(dict(zip(etype._fields, map(list, zip(*rows)))))
            out[kind] = _concat(etype._fields, parts)
            self._rows[kind] = []
            self._batches[kind] = []
        day = DayEvents(out)
        for kind, n in day.counts().items():
            self.totals[kind] += n
        return day


_KIND_OF = {etype: kind for kind, etype in EVENT_TYPES.items()}


def _concat(fields: tuple[str, ...], parts: list[dict[str, Column]]) -> dict[str, Any]:
    if not parts:
        return {f: [] for f in fields}
    if len(parts) == 1:
        return dict(parts[0])
    out: dict[str, Any] = {}
    for f in fields:
        chunks = [p[f] for p in parts]
        if all(isinstance(c, np.ndarray) for c in chunks):
            out[f] = np.concatenate(chunks)
        else:
            merged: list[Any] = []
            for c in chunks:
                merged.extend(c.tolist() if isinstance(c, np.ndarray) else c)
            out[f] = merged
    return out
