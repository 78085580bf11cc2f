"""The in-memory API: the same shop as the files, as DataFrames."""

import datetime as dt

import pandas as pd

from jaffle_sim import Scenario, simulate
from tests.conftest import END_DATE, Tables, generate


def test_simulate_in_memory_matches_the_files(tmp_path):
    result = simulate(days=4, seed=9, end_date=END_DATE)
    assert generate(tmp_path / "o", "--days", "4", "--seed", "9") == 0
    files = Tables(tmp_path / "o")
    for name, frame in (
        ("raw_orders_training", files.orders),
        ("raw_customers_training", files.customers),
        ("stg_app_sessions", files.app_sessions),
    ):
        mem = result.tables[name]
        assert list(mem.columns) == list(frame.columns)
        assert len(mem) == len(frame)
        assert mem.iloc[:, 0].tolist() == frame.iloc[:, 0].tolist()
    assert result.tables["raw_orders_training"].status.tolist() == files.orders.status.tolist()
    # every order but the late ones still on their way when the run ended (the noise floor)
    placed = result.events["order_placed"]
    arrived = placed.ordered_at + pd.to_timedelta(placed.delivery_delay_seconds, unit="s")
    end = pd.Timestamp(END_DATE + dt.timedelta(days=1), tz=arrived.dt.tz)
    assert (arrived < end).sum() == len(files.orders) < len(placed)
    assert isinstance(result.events["session"].customer_id.dtype, pd.Int64Dtype)
    assert not list(tmp_path.glob("jaffle-sim-out"))


def test_a_changed_scenario_changes_the_run():
    base = simulate(days=5, seed=1)
    busy = simulate(
        Scenario.default().updated({"traffic.organic_visitors_per_day": 2500}), days=5, seed=1
    )
    organic = lambda r: r.events["session"].utm_source.isna().sum()  # noqa: E731
    assert organic(busy) > 3 * organic(base)
