"""The truth credit: Shapley values of the journey's probability, checked against brute force, and
the `raw_attribution_truth` projection and seed file."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jaffle_sim.agents.effects import ChannelEffect, TouchRates, neutral_effects, shapley_of_product
from jaffle_sim.attribution.sources import read_events
from jaffle_sim.attribution.truth import COLUMNS, truth_rows
from jaffle_sim.events import CHANNELS, DayEvents, EventLog, TouchCredited
from jaffle_sim.output.run_folder import RunFolder
from tests.conftest import END_DATE, Tables, generate

G, F, ORG = (CHANNELS.index(c) for c in ("google", "facebook", "organic"))


def brute_force_shapley(a: list[float], b: list[float]) -> list[float]:
    """Shapley values of v(S) = prod(a in S) * prod(b outside S) by enumerating orders."""
    n = len(a)

    def v(members: set[int]) -> float:
        return math.prod(a[i] if i in members else b[i] for i in range(n))

    phi = [0.0] * n
    orders = list(itertools.permutations(range(n)))
    for order in orders:
        seen: set[int] = set()
        for i in order:
            phi[i] += v(seen | {i}) - v(seen)
            seen.add(i)
    return [p / len(orders) / v(set(range(n))) for p in phi]


@pytest.mark.parametrize("seed", range(5))
def test_the_product_formula_is_the_shapley_value(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 1 + seed % 5
    a = rng.uniform(0.05, 1, n).tolist()
    b = [0.0, *rng.uniform(0, 1.5, n - 1).tolist()]
    ratio = np.array(b) / np.array(a)
    assert shapley_of_product(ratio) == pytest.approx(brute_force_shapley(a, b))
    assert sum(shapley_of_product(ratio)) == pytest.approx(1.0)


def rates(effects: dict[str, ChannelEffect], without_ad: float, landing: float = 0.9) -> TouchRates:
    return TouchRates.of(effects, 0.01, 0.05, 0.3, landing, without_ad)


def test_every_touch_is_needed_without_organic_returns_and_equal_effects() -> None:
    r = rates(neutral_effects(), without_ad=0.0)
    for journey in ([ORG], [G, F], [F, ORG, G, G]):
        assert r.credit(journey) == pytest.approx([1 / len(journey)] * len(journey))


def test_a_return_as_good_as_the_organic_one_it_replaces_gets_nothing() -> None:
    r = rates(neutral_effects(), without_ad=1.0, landing=1.0)
    assert r.credit([F, G, ORG]) == pytest.approx([1.0, 0.0, 0.0])
    # A paid click may bounce where the organic return would have landed: a little worse.
    assert rates(neutral_effects(), without_ad=1.0).credit([F, G, ORG])[1] < 0


def test_a_closer_gets_more_than_an_opener_of_the_same_journey_would() -> None:
    effects = neutral_effects() | {
        "google": ChannelEffect(lift_later=4.0),
        "facebook": ChannelEffect(lift_first=0.2, return_first=2.0),
    }
    r = rates(effects, without_ad=0.5)
    opener, closer = r.credit([F, G])
    assert opener + closer == pytest.approx(1.0)
    _, organic_closer = r.credit([F, ORG])
    assert closer > organic_closer > 0
    # A touch worse than the organic return it replaced has negative credit.
    worse = neutral_effects() | {"google": ChannelEffect(lift_later=0.1)}
    assert rates(worse, without_ad=1.0).credit([ORG, G])[1] < 0


def test_the_expected_chances_follow_channel_and_position() -> None:
    effects = neutral_effects() | {"google": ChannelEffect(lift_first=2, lift_later=3)}
    r = rates(effects, without_ad=1.0)
    chance = r.signup_chance(["google", "google", "organic"], np.array([1, 2, 5]))
    assert chance == pytest.approx([0.02, 0.15, 0.05])


def test_the_truth_table_is_a_projection_of_the_credited_touches() -> None:
    log = EventLog()
    log.record(TouchCredited(7, 70, None, 1, "facebook", "f3", 0.6, 3_600))
    log.record(TouchCredited(7, 70, "w5", 2, None, None, 0.4, 3_600))
    events: DayEvents = log.drain()
    table = truth_rows(events, epoch=1_767_225_600)  # 2026-01-01
    assert table.column_names == list(COLUMNS)
    rows = table.to_pylist()
    assert [r["credit"] for r in rows] == [0.6, 0.4]
    assert rows[1]["utm_source"] is None and rows[0]["session_id"] is None
    assert str(rows[0]["converted_at"]) == "2026-01-01 01:00:00"


def test_the_seed_file_is_the_event_logs_truth_merged_over_shards(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert generate(out, "--days", "3", "--seed", "5", "--shards", "2") == 0
    tables = Tables(out)
    seed = tables.attribution_truth
    assert list(seed.columns) == list(COLUMNS)
    assert not seed.duplicated(["customer_id", "touch"]).any()
    # every conversion's credits sum to 1 and its touches are numbered 1..n
    per_customer = seed.groupby("customer_id")
    assert per_customer["credit"].sum().to_numpy() == pytest.approx(1.0, abs=1e-9)
    assert (per_customer["touch"].max() == per_customer.size()).all()
    # the rows are the event log's touch_credited events (both shards)
    events = read_events(RunFolder(out), "touch_credited", "training")
    assert set(events.customer_id % 2) == {0, 1}
    key = ["customer_id", "touch"]
    logged = events.sort_values(key).reset_index(drop=True)
    written = seed.sort_values(key).reset_index(drop=True)
    assert len(written) == len(logged) > 50
    for col in ("customer_id", "visitor_id", "touch"):
        assert written[col].tolist() == logged[col].astype(int).tolist(), col
    for col in ("session_id", "utm_source", "ad_id"):
        assert written[col].fillna("").tolist() == logged[col].fillna("").tolist(), col
    assert written.credit.to_numpy() == pytest.approx(logged.credit.to_numpy(), abs=1e-10)
    assert (written.converted_at == logged.converted_at.dt.tz_localize(None)).all()
    # one conversion per customer acquired during the run, at its sign-up
    signups = tables.signups
    start = pd.Timestamp(END_DATE) - pd.Timedelta(days=2)
    acquired = signups[signups.signup_date >= start]
    assert set(seed.customer_id) == set(acquired.user_id)
    first = seed.drop_duplicates("customer_id")
    at = first.merge(acquired, left_on="customer_id", right_on="user_id")
    assert (at.converted_at == at.signup_date).all()
    # a touch's session is a session of the journey's visitor
    sessions = pd.concat([tables.website_sessions, tables.app_sessions])
    touched = seed.dropna(subset=["session_id"]).merge(sessions, on="session_id", how="left")
    assert (touched.visitor_id_x == touched.visitor_id_y).all()
