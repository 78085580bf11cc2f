"""Time units (seconds) and the calendar of a run: which dates the simulated days are.

The clock itself is SimPy's `env.now`: seconds since midnight UTC of the first simulated day. A run
covers `days` days up to and including `end_date`; "today" enters only as that end date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

MINUTE = 60
HOUR = 3_600
DAY = 86_400  # seconds


@dataclass(frozen=True)
class SimDay:
    """One simulated day: its number (0 = first day) and calendar date."""

    index: int
    date: dt.date

    @property
    def start(self) -> int:
        return self.index * DAY

    @property
    def end(self) -> int:
        return (self.index + 1) * DAY


@dataclass(frozen=True)
class Calendar:
    """`days` simulated days ending on `end_date` (inclusive)."""

    end_date: dt.date
    days: int

    def __post_init__(self) -> None:
        if not isinstance(self.days, int) or isinstance(self.days, bool) or self.days < 1:
            raise ValueError(f"days must be a whole number >= 1, got {self.days!r}")

    @property
    def start_date(self) -> dt.date:
        return self.end_date - dt.timedelta(days=self.days - 1)

    @property
    def start_weekday(self) -> int:
        """Weekday of day 0 (Monday = 0)."""
        return self.start_date.weekday()

    @property
    def epoch_seconds(self) -> int:
        """Unix time of the clock's zero (midnight UTC of the first day)."""
        start = dt.datetime.combine(self.start_date, dt.time(), tzinfo=dt.timezone.utc)
        return int(start.timestamp())

    def day(self, index: int) -> SimDay:
        return SimDay(index, self.start_date + dt.timedelta(days=index))

    def __iter__(self):  # type: ignore[no-untyped-def]
        return (self.day(i) for i in range(self.days))
