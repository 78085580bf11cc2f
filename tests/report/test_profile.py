"""The fidelity profile: a changed parameter moves its measure to the configured value, and a run
that ignored the change (the default run measured against the changed scenario) fails the check."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest

from jaffle_sim import Scenario, simulate
from jaffle_sim.cli import main
from jaffle_sim.report import checks
from jaffle_sim.report.profile import Profile, profile, profile_folder, profile_result
from jaffle_sim.report.run_data import RunData
from tests.conftest import END_DATE, generate

# With the documented noise floor on (off by default), so that its measures are checked too.
FLOOR = {
    "quality.blank_first_name_share": 0.02,
    "quality.zero_amount_order_share": 0.01,
    "quality.late_order_share": 0.01,
    "quality.duplicate_session_share": 0.005,
}
BASE = Scenario.default().updated(FLOOR).scaled(0.25)
DAYS, SEED = 28, 3


def run(scenario: Scenario) -> RunData:
    return RunData.from_result(simulate(scenario, days=DAYS, seed=SEED, end_date=END_DATE))


@pytest.fixture(scope="module")
def default_run() -> RunData:
    return run(BASE)


def off(p: Profile) -> list[str]:
    return [c.parameter for c in p.failed]


def test_the_default_scenario_passes_every_check(default_run: RunData) -> None:
    p = profile(default_run)
    assert p.ok, p.frame().query("status == 'off'").to_string()
    statuses = {c.status for c in p.checks}
    assert statuses <= {"ok", "info"}
    assert len(p.checks) > 50


# (dotted key, new value, checks that measure it)
CASES: list[tuple[str, Any, tuple[str, ...]]] = [
    ("journey.order_timing.same_day_share", 0.5, ("journey.order_timing.same_day_share",)),
    ("journey.order_timing.same_day_share", 0.9, ("journey.order_timing.same_day_share",)),
    (
        "journey.order_timing.order_hours",
        [1] * 6 + [10] * 6 + [1] * 12,
        ("journey.order_timing.order_hours (distance to model)",),
    ),
    (
        "shop.payment_methods",
        {"credit_card": 0.1, "bank_transfer": 0.1, "coupon": 0.1, "gift_card": 0.7},
        ("shop.payment_methods.gift_card", "shop.payment_methods.credit_card"),
    ),
    ("shop.second_payment_share", 0.5, ("shop.second_payment_share",)),
    ("shop.return_share", 0.3, ("shop.return_share",)),
    ("ads.google.ctr", 0.15, ("ads.google.ctr",)),
    ("ads.facebook.daily_budget_cents", {"median": 900}, ("ads.facebook.daily_budget_cents",)),
    ("ads.instagram.launches_per_day", 5.0, ("ads.instagram.launches_per_day",)),
    (
        "demand.weekly",
        [1, 1, 1, 1, 1, 3, 3],
        ("demand.weekly.saturday", "demand.weekly.sunday"),
    ),
    (
        "demand.growth_per_30_days",
        1.0,
        ("demand.growth_per_30_days", "demand.growth_per_30_days: spend per ad"),
    ),
    ("traffic.organic_visitors_per_day", 500, ("traffic.organic_visitors_per_day",)),
    ("traffic.session_minutes", {"median": 15}, ("traffic.session_minutes: median",)),
    ("traffic.landing_share", 0.5, ("traffic.landing_share",)),
    ("traffic.organic_app_share", 0.2, ("traffic.organic_app_share",)),
    ("journey.first_visit_conversion", 0.02, ("journey.first_visit_conversion",)),
    ("journey.return_probability", 0.5, ("journey.return_probability",)),
    (
        "journey.return_channels",
        {"organic": 0.1, "google": 0.1, "facebook": 0.1, "instagram": 0.7},
        ("journey.return_channels.instagram",),
    ),
    ("customers.purchase_rate_per_day", {"mean_value": 0.6}, ("customers.purchase_rate_per_day",)),
    ("customers.churn_after_order", {"mean_value": 0.2}, ("customers.churn_after_order",)),
    (
        "customers.repeat_channels",
        {"organic": 0.2, "google": 0.5, "facebook": 0.2, "instagram": 0.1},
        ("customers.repeat_channels.google",),
    ),
    ("customers.no_first_order_share", 0.5, ("customers.no_first_order_share",)),
    ("quality.missing_email_share", 0.2, ("quality.missing_email_share",)),
    ("quality.blank_first_name_share", 0.3, ("quality.blank_first_name_share",)),
    ("quality.zero_amount_order_share", 0.1, ("quality.zero_amount_order_share",)),
    ("quality.late_order_share", 0.1, ("quality.late_order_share",)),
    (
        "quality.late_arrival_hours",
        {"kind": "uniform", "low": 12, "high": 20},
        ("quality.late_arrival_hours: mean",),
    ),
    ("quality.duplicate_session_share", 0.05, ("quality.duplicate_session_share",)),
]


@pytest.mark.parametrize(
    ("key", "value", "measures"), CASES, ids=[f"{k}={v}"[:60] for k, v, _ in CASES]
)
def test_a_change_reaches_its_measure(
    default_run: RunData, key: str, value: Any, measures: tuple[str, ...]
) -> None:
    changed = BASE.updated({key: value})
    realised = profile(run(changed))
    assert realised.ok, realised.frame().query("status == 'off'").to_string()
    # The default run against the changed scenario: what a run that ignored the change shows.
    ignored = profile(dataclasses.replace(default_run, scenario=changed))
    assert set(measures) <= set(off(ignored))


def test_same_day_share_lands_near_the_configured_value() -> None:
    measured = {}
    for share in (0.5, 0.9):
        p = profile(run(BASE.updated({"journey.order_timing.same_day_share": share})))
        measured[share] = p.check("journey.order_timing.same_day_share").measured
        assert measured[share] == pytest.approx(share, abs=0.05)
    assert measured[0.9] - measured[0.5] > 0.3


def test_the_profile_of_files_equals_the_profile_in_memory(run_dir: Path) -> None:
    files = profile_folder(run_dir).frame()
    memory = profile_result(simulate(days=21, seed=7, end_date=END_DATE)).frame()
    assert files.equals(memory)


def test_profile_command_measures_a_run_changed_with_set(tmp_path: Path) -> None:
    out = tmp_path / "out"
    sets = ["--set", "shop.second_payment_share=0.6", "--set", "traffic.landing_share=0.5"]
    assert generate(out, "--days", "10", "--scale", "0.2", "--seed", "5", *sets) == 0
    report = tmp_path / "profile.json"
    assert main(["profile", str(out), "--json", str(report), "--strict"]) == 0
    rows = {r["parameter"]: r for r in json.loads(report.read_text())}
    assert rows["shop.second_payment_share"]["expected"] == 0.6
    assert rows["shop.second_payment_share"]["measured"] == pytest.approx(0.6, abs=0.06)
    assert rows["traffic.landing_share"]["measured"] == pytest.approx(0.5, abs=0.06)
    assert main(["profile", str(out), "--flavour", "validation"]) == 0

    # A manifest that claims another scenario than the run used: --strict fails.
    manifest = json.loads((out / "run_manifest.json").read_text())
    manifest["scenario"]["shop"]["second_payment_share"] = 0.1
    (out / "run_manifest.json").write_text(json.dumps(manifest))
    assert main(["profile", str(out), "--strict"]) == 1


def test_profile_command_rejects_a_folder_without_a_run(tmp_path: Path, capsys: Any) -> None:
    assert main(["profile", str(tmp_path)]) == 2
    assert "run_manifest.json" in capsys.readouterr().err
    assert main(["profile", str(tmp_path), "--flavour", "other"]) == 2


def test_tiny_runs_give_no_data_rather_than_errors() -> None:
    p = profile_result(simulate(Scenario.default().scaled(0.01), days=1, seed=1))
    assert {c.status for c in p.checks} <= {"ok", "info", "no data", "off"}
    assert not any(np.isnan(c.tolerance) for c in p.checks if c.tolerance is not None)
    json.dumps(p.records(), allow_nan=False)  # the --json output is strict JSON


def test_proportion_tolerance_covers_chance_and_flags_a_real_gap() -> None:
    rng = np.random.default_rng(0)
    hits = int((rng.random(10_000) < 0.3).sum())
    assert checks.proportion("s", "p", "0.3", 0.3, hits, 10_000).status == "ok"
    assert checks.proportion("s", "p", "0.35", 0.35, hits, 10_000).status == "off"
    assert checks.proportion("s", "p", "0.3", 0.3, 0, 0).status == "no data"


def test_ratio_standard_error_includes_the_spread_between_clusters() -> None:
    rng = np.random.default_rng(1)
    impressions = rng.integers(100, 1000, 50).astype(float)
    ctr = rng.uniform(0.0, 0.2, 50)  # every ad its own rate
    clicks = rng.binomial(impressions.astype(int), ctr).astype(float)
    check = checks.ratio("s", "ctr", "u(0, 0.2)", 0.1, clicks, impressions)
    assert check.status == "ok"
    binomial_se = np.sqrt(0.1 * 0.9 / impressions.sum())
    assert check.tolerance is not None and check.tolerance > checks.Z * binomial_se


def test_a_bounded_sample_keeps_the_quantile_check_able_to_fail(default_run: RunData) -> None:
    """Past `limit` rows a distribution check sees a sample picked by the hash of the row's id:
    about `limit` values, the same every time, and still enough to tell a wrong median."""
    sessions = "select * from ev.session"
    minutes = "(ended_at - started_at) / 60"
    (n,) = default_run.one(f"select count(*) from ({sessions})")
    assert n > 10_000
    sample = default_run.sample(sessions, minutes, "session_id", limit=3_000)
    assert 2_500 < len(sample) < 3_500
    assert np.array_equal(sample, default_run.sample(sessions, minutes, "session_id", limit=3_000))
    every = default_run.sample(sessions, minutes, "session_id")
    assert len(every) == n and set(sample) <= set(every)
    configured = BASE.traffic.session_minutes
    wrong = BASE.updated({"traffic.session_minutes": {"median": 15}}).traffic.session_minutes
    for dist, status in ((configured, "ok"), (wrong, "off")):
        ref = dist.sample(np.random.default_rng(0), 200_000)
        assert checks.quantile("s", "median", "-", ref, sample, 0.5).status == status


def test_a_run_folder_is_read_once_per_event_kind_into_scratch_that_close_removes(
    run_dir: Path,
) -> None:
    """Each event kind a query names is read from the Parquet parts once into a scratch
    database (later queries, the session views included, use it); `close` deletes it."""
    data = RunData.from_folder(run_dir)
    (sessions,) = data.one("select count(*) from ev.session")
    (duplicates,) = data.one("select count(*) from ev.duplicate_session")
    assert data._loaded == {"session"}
    assert data.one('select count(*) from ev."order_placed"')[0] > 0
    assert data._loaded == {"session", "order_placed"}
    parts = run_dir.glob("events/kind=session/flavour=training/*/*.parquet")
    logged = sum(pq.read_metadata(p).num_rows for p in parts)
    assert sessions + duplicates == logged
    scratch = Path(data._scratch.name)
    assert (scratch / "run.duckdb").is_file()
    data.close()
    assert not scratch.exists() and not data._loaded
    assert data.one("select count(*) from ev.session") == (sessions,)  # opened again
    data.close()
