"""Fixtures of the validation tests: the clean tables of a small validation simulation."""

from __future__ import annotations

import datetime as dt

import pytest

from jaffle_sim import simulate
from jaffle_sim.output.contract import ACCOUNT_TABLES
from jaffle_sim.validation.anomalies import Tables

END = dt.date(2026, 3, 15)
DATES = [END - dt.timedelta(days=i) for i in range(7, -1, -1)]
DAY = END - dt.timedelta(days=2)  # day -3


@pytest.fixture(scope="session")
def clean() -> Tables:
    """The four tables of an 8-day validation simulation (seed 4), before any anomaly."""
    r = simulate(days=8, seed=4, end_date=END, flavour="validation")
    return Tables(*(r.tables[f"raw_{t}_validation"] for t in ACCOUNT_TABLES))
