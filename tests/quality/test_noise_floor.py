"""The noise floor: small, steady rates of realistic defects in both flavours, each from its own
random stream and recorded in the event log, settable to 0 and far below the planted anomalies."""

from __future__ import annotations

import dataclasses
import inspect

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from jaffle_sim import Scenario, simulate
from jaffle_sim.agents.quality import DEFECTS, AtLeastOnceLog, DataQuality, Defects
from jaffle_sim.clock import DAY, HOUR
from jaffle_sim.distributions import DistributionError, Uniform
from jaffle_sim.events import EVENT_TYPES, EventLog, Session
from jaffle_sim.output.event_log import SCHEMAS, event_table
from jaffle_sim.report.profile import profile_result
from jaffle_sim.simulation import default_scenario as scenario_module
from jaffle_sim.simulation.scenario import ScenarioError
from jaffle_sim.validation.kinds import KINDS

# The default floor (documented in the scenario): every defect is on, at realistic rates.
DEFAULT_FLOOR = {
    "missing_email_share": 0.01,
    "blank_first_name_share": 0.005,
    "zero_amount_order_share": 0.005,
    "late_order_share": 0.01,
    "duplicate_session_share": 0.005,
}
# A floor above the default (blank names and zero amounts), so that a short run shows every
# defect several times.
FLOOR = {
    "quality.blank_first_name_share": 0.02,
    "quality.zero_amount_order_share": 0.01,
    "quality.late_order_share": 0.01,
    "quality.duplicate_session_share": 0.005,
}
SCENARIO = Scenario.default().updated(FLOOR)
QUALITY = SCENARIO.quality
NO_FLOOR = {
    "quality.missing_email_share": 0.0,
    "quality.blank_first_name_share": 0.0,
    "quality.zero_amount_order_share": 0.0,
    "quality.late_order_share": 0.0,
    "quality.duplicate_session_share": 0.0,
}
DAYS, END = 14, "2026-04-30"


def defects(quality: DataQuality = QUALITY, seed: int = 0) -> Defects:
    return Defects(quality, lambda i: np.random.default_rng([seed, i]))


@pytest.fixture(scope="module")
def default_run():
    return simulate(SCENARIO, days=DAYS, seed=4, end_date=END)


def test_the_default_floor_is_on_and_documented():
    q = Scenario.default().to_dict()["quality"]
    assert {k: v for k, v in q.items() if k.endswith("_share")} == DEFAULT_FLOOR
    assert "email_missing_share" not in Scenario.default().to_dict()["customers"]
    source = inspect.getsource(scenario_module)
    comment = source[source.index("# The noise floor, in both flavours") :]
    for words in ("1 sign-up in 100", "1 in 200 with a blank", "1 order in 200", "1 order in 100"):
        assert words in comment, words


def test_every_share_is_a_validated_probability():
    with pytest.raises(ScenarioError, match=r"quality\.late_order_share: must be a probability"):
        Scenario.default().updated({"quality.late_order_share": 1.5})
    with pytest.raises(DistributionError, match="late_arrival_hours"):
        dataclasses.replace(QUALITY, late_arrival_hours=Uniform(-2, 1))


def test_defects_in_a_run_are_recorded_in_the_event_log(default_run):
    e = default_run.events
    signups, orders, payments = e["signed_up"], e["order_placed"], e["payment_made"]
    sessions = e["session"]
    assert (signups.first_name == "").sum() > 0 and signups.email.isna().sum() > 0
    # a blank first name leaves the email as the customer typed it
    blank = signups[signups.first_name == ""]
    assert blank.email.dropna().str.match(r"^[a-z0-9]+\.[a-z0-9]+\d+@example\.com$").all()
    covered = orders[orders.total_cents == 0]
    assert len(covered) > 0
    paid = payments[payments.order_id.isin(covered.order_id)]
    assert (paid.method == "coupon").all() and (paid.amount_cents == 0).all()
    assert paid.order_id.is_unique  # one coupon payment covers the order
    assert (
        payments.groupby("order_id").amount_cents.sum() == orders.set_index("order_id").total_cents
    ).all()
    late = orders[orders.delivery_delay_seconds > 0]
    assert len(late) > 0
    arrived = pd.to_datetime(late.ordered_at) + pd.to_timedelta(late.delivery_delay_seconds, "s")
    assert (
        arrived.dt.normalize()
        == pd.to_datetime(late.ordered_at).dt.normalize() + pd.Timedelta(days=1)
    ).all()
    assert (arrived.dt.hour < 6).all()
    delay = payments.merge(
        orders[["order_id", "delivery_delay_seconds"]], on="order_id", suffixes=("", "_order")
    )
    assert (delay.delivery_delay_seconds == delay.delivery_delay_seconds_order).all()
    twice = sessions[sessions.is_duplicate]
    assert len(twice) > 0
    first = sessions[~sessions.is_duplicate].set_index("session_id")
    same = first.loc[twice.session_id].drop(columns="is_duplicate").reset_index()
    assert same.equals(twice.drop(columns="is_duplicate").reset_index(drop=True))
    # the sessions table gets the duplicate row, the other tables the defects as they are
    tables = default_run.tables
    site = pd.concat([tables["stg_website_sessions"], tables["stg_app_sessions"]])
    assert len(site) == len(sessions) and site.session_id.duplicated().sum() == len(twice)


def test_the_profile_measures_the_floor(default_run):
    p = profile_result(default_run)
    for key in (
        "missing_email_share",
        "blank_first_name_share",
        "zero_amount_order_share",
        "late_order_share",
        "duplicate_session_share",
    ):
        check = p.check(f"quality.{key}")
        assert check.status == "ok" and check.expected == getattr(QUALITY, key)
    assert p.check("quality.late_arrival_hours: mean").status == "ok"


def test_a_floor_of_zero_leaves_the_data_clean():
    e = simulate(SCENARIO.updated(NO_FLOOR), days=5, seed=4, end_date=END).events
    assert not (e["signed_up"].first_name == "").any() and e["signed_up"].email.notna().all()
    assert (e["payment_made"].amount_cents > 0).all()
    assert (e["order_placed"].delivery_delay_seconds == 0).all()
    assert not e["session"].is_duplicate.any()


def test_each_defect_has_its_own_stream():
    """Changing one share moves only its own defect: the rest of the run stays identical."""
    base = simulate(SCENARIO, days=5, seed=9, end_date=END).events
    more = simulate(
        SCENARIO.updated({"quality.late_order_share": 0.2}), days=5, seed=9, end_date=END
    ).events
    assert (more["order_placed"].delivery_delay_seconds > 0).sum() > 3 * (
        base["order_placed"].delivery_delay_seconds > 0
    ).sum()
    drop = ["delivery_delay_seconds"]
    assert base["order_placed"].drop(columns=drop).equals(more["order_placed"].drop(columns=drop))
    for kind in ("signed_up", "session", "click", "ad_day", "order_status_changed"):
        assert base[kind].equals(more[kind]), kind
    # The clean shop under the floor: without it, orders, sessions and sign-ups are the same
    # apart from the defects themselves.
    clean = simulate(SCENARIO.updated(NO_FLOOR), days=5, seed=9, end_date=END).events
    once = base["session"][~base["session"].is_duplicate].reset_index(drop=True)
    assert once.equals(clean["session"])
    cols = ["customer_id", "ordered_at", "session_id"]
    assert base["order_placed"][cols].equals(clean["order_placed"][cols])


def test_the_planted_anomalies_stay_far_above_the_default_floor():
    """Each anomaly that changes a floored rate plants many times the default floor's rate."""
    default = Scenario.default().quality
    assert KINDS["blank_first_names"].defaults["share"] >= 50 * default.blank_first_name_share
    assert KINDS["zero_amounts"].defaults["share"] >= 50 * default.zero_amount_order_share
    assert KINDS["duplicate_order_ids"].defaults["share"] > 0  # orders, not sessions


def test_the_validation_flavour_has_the_same_floor():
    e = simulate(SCENARIO, days=DAYS, seed=4, end_date=END, flavour="validation").events
    assert (e["signed_up"].first_name == "").sum() > 0
    assert (e["order_placed"].total_cents == 0).sum() > 0
    assert (e["order_placed"].delivery_delay_seconds > 0).sum() > 0
    assert e["session"].is_duplicate.sum() > 0


# -- the pieces -----------------------------------------------------------------------------


def test_defect_rates_and_late_arrivals():
    q = dataclasses.replace(
        QUALITY, blank_first_name_share=0.1, zero_amount_order_share=0.2, late_order_share=0.3
    )
    d = defects(q)
    n = 20_000
    assert np.mean([d.blank_first_name() for _ in range(n)]) == pytest.approx(0.1, abs=0.01)
    assert np.mean([d.zero_amount_order() for _ in range(n)]) == pytest.approx(0.2, abs=0.01)
    at = np.random.default_rng(1).integers(0, 30 * DAY, n)
    delay = np.array([d.delivery_delay(int(t)) for t in at])
    assert (delay > 0).mean() == pytest.approx(0.3, abs=0.01)
    arrival = at[delay > 0] + delay[delay > 0]
    assert (arrival // DAY == at[delay > 0] // DAY + 1).all()
    assert ((arrival % DAY) / HOUR).mean() == pytest.approx(3.0, abs=0.1)  # Uniform(0, 6)
    start = np.random.default_rng(2).integers(0, 30 * DAY, n)
    end = start + np.random.default_rng(3).integers(60, 3600, n)
    twice = d.duplicated(start, end)
    assert twice.mean() == pytest.approx(QUALITY.duplicate_session_share, abs=0.002)
    assert (d.duplicated(start, end) == twice).all()  # a session's own times decide
    one = [d.duplicated_one(int(a), int(b)) for a, b in zip(start[:2000], end[:2000])]
    assert one == twice[:2000].tolist()
    before_day_0 = d.duplicated(np.array([-7200]), np.array([-7000]))[0]
    assert before_day_0 == d.duplicated_one(-7200, -7000)
    assert (defects(QUALITY, seed=99).duplicated(start, end) != twice).any()  # and the run's key
    assert DEFECTS.index("duplicate_session") == 3  # sub-streams are append-only


def test_at_least_once_log_repeats_a_share_of_sessions_with_the_flag():
    q = dataclasses.replace(QUALITY, duplicate_session_share=0.5)
    log = AtLeastOnceLog(defects(q))
    n = 2000
    log.record_columns(
        "session",
        {
            "session_id": [f"w{i}" for i in range(n)],
            "visitor_id": np.arange(n),
            "customer_id": [None] * n,
            "started_at": np.arange(n),
            "ended_at": np.arange(n) + 60,
            "site": ["website"] * n,
            "utm_source": [None] * n,
            "ad_id": [None] * n,
            "touch": np.ones(n, dtype=np.int64),
        },
    )
    for i in range(n):
        log.record(Session(f"a{i}", i, 1, i, i + 60, "app", None, None, 0))
    log.record_columns("ad_day", {k: [] for k in EVENT_TYPES["ad_day"]._fields})
    day = log.drain()
    s = day["session"]
    twice = np.asarray(s["is_duplicate"], dtype=bool)
    assert twice.sum() == pytest.approx(n, rel=0.1)  # half of 2n
    ids = np.asarray(s["session_id"], dtype=object)
    assert set(ids[twice]) <= set(ids[~twice]) and len(set(ids[~twice])) == 2 * n
    # a repeated single record follows its original at once
    singles = [i for i, x in enumerate(ids) if str(x).startswith("a")]
    for i in singles:
        if twice[i]:
            assert ids[i - 1] == ids[i] and not twice[i - 1]
    table = event_table("session", s, 0)
    assert table.schema == SCHEMAS["session"] and table.column("is_duplicate").type == pa.bool_()


def test_a_batch_may_leave_out_trailing_fields_that_have_defaults():
    log = EventLog()
    fields = EVENT_TYPES["session"]._fields
    log.record_columns("session", {f: [] for f in fields[:-1]})  # without is_duplicate
    with pytest.raises(ValueError, match="session batch needs columns"):
        log.record_columns("session", {f: [] for f in fields[:-2]})  # touch has no default
    assert log.drain().count("session") == 0
