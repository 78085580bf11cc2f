"""End to end: `jaffle-sim run` with the bundled dbt project on the embedded DuckDB warehouse."""

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from jaffle_sim.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("warehouse") / "out"
    code = main(
        [
            "run",
            "--days",
            "8",
            "--scale",
            "0.3",
            "--seed",
            "5",
            "--end-date",
            "2026-03-15",
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert code == 0
    return out


def query(out: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(out / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).df()


def test_every_day_was_seeded_run_and_tested(run_out):
    manifest = json.loads((run_out / "run_manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["dbt_ok"] is True
    assert [d["date"] for d in manifest["daily"]] == [f"2026-03-{d:02d}" for d in range(8, 16)]
    for day in manifest["daily"]:
        phases = {p["command"]: p for p in day["dbt"]["phases"]}
        assert set(phases) == {"seed", "run", "test"}
        assert phases["test"]["statuses"] == {"pass": len(phases["test"]["nodes"])}
        assert len(phases["test"]["nodes"]) > 50
    # the simulated now reached dbt: no order after the end of the last day
    latest = query(run_out, "select max(order_at) as t from orders").t[0]
    assert latest < pd.Timestamp("2026-03-16")
    assert not (run_out / "dbt_project" / "target").is_symlink()


def test_marts_agree_with_the_raw_files(run_out):
    seeds = run_out / "seeds"
    payments = pd.read_csv(seeds / "training/raw_payments_training.csv")
    orders = pd.read_csv(seeds / "training/raw_orders_training.csv")
    spent = (
        payments.merge(orders, left_on="order_id", right_on="id").groupby("user_id").amount.sum()
    )
    ltv = (
        query(
            run_out,
            "select customer_id, lifetime_value_cents from customers where number_of_orders > 0",
        )
        .set_index("customer_id")
        .lifetime_value_cents
    )
    assert len(ltv) == len(spent)
    assert (ltv.loc[spent.index] == spent).all()
    n_sessions = sum(
        len(pd.read_csv(seeds / f"sessions/stg_{p}_sessions.csv")) for p in ("website", "app")
    )
    assert query(run_out, "select count(*) as n from sessions").n[0] == n_sessions
    n_ads = sum(
        len(pd.read_csv(seeds / f"ads/stg_{p}_ads.csv"))
        for p in ("google", "facebook", "instagram")
    )
    spend = query(run_out, "select sum(spend_amount) as s from ads_spend").s[0]
    ads_cost = sum(
        pd.read_csv(seeds / f"ads/stg_{p}_ads.csv").cost.sum()
        for p in ("google", "facebook", "instagram")
    )
    assert n_ads > 0 and spend == pytest.approx(ads_cost)


def test_attribution_models_each_sum_to_the_conversions(run_out):
    sums = query(
        run_out,
        """
        select count(distinct order_id) as conversions, sum(first_touch_weight) as first,
               sum(last_touch_weight) as last, sum(linear_weight) as linear,
               sum(position_based_weight) as position, sum(time_decay_weight) as decay
        from attribution_touches""",
    ).iloc[0]
    assert sums.conversions > 10
    for model in ("first", "last", "linear", "position", "decay"):
        assert sums[model] == pytest.approx(sums.conversions)


def test_a_second_run_into_the_folder_is_refused(run_out, capsys):
    before = (run_out / "warehouse.duckdb").stat().st_mtime_ns
    code = main(["run", "--days", "2", "--out", str(run_out), "--quiet"])
    assert code == 2 and "--overwrite" in capsys.readouterr().err
    assert (run_out / "warehouse.duckdb").stat().st_mtime_ns == before


def test_the_planted_anomalies_are_caught_and_scored(run_out, capsys):
    manifest = json.loads((run_out / "run_manifest.json").read_text())
    last = manifest["daily"][-1]
    assert last["dbt_validation"]["flavour"] == "validation"
    score = manifest["score"]
    assert score["planted"] == 16 and score["recall"] >= 0.9
    assert score["training_false_alarms"] == []
    truth = json.loads((run_out / "anomalies.json").read_text())
    assert all("detected" in a for a in truth["anomalies"])
    # the score command reads the same run back and agrees
    assert main(["score", str(run_out), "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["recall"] == score["recall"] and printed["planted"] == 16
    # a recall above 1 cannot be asked for: bad input, one line
    assert main(["score", str(run_out), "--min-recall", "1.01", "--format", "markdown"]) == 2
    assert "--min-recall" in capsys.readouterr().err
    assert (run_out / "report" / "index.html").is_file()


def test_run_on_the_users_own_dbt_profile(tmp_path):
    user_db = tmp_path / "mine.duckdb"
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "profiles.yml").write_text(
        "jaffle_sim:\n  target: dev\n  outputs:\n"
        f"    dev:\n      type: duckdb\n      path: '{user_db}'\n      threads: 1\n"
        f"    prod:\n      type: duckdb\n      path: '{tmp_path / 'prod.duckdb'}'\n"
    )
    out = tmp_path / "out"
    code = main(
        [
            "run",
            "--days",
            "1",
            "--scale",
            "0.1",
            "--end-date",
            "2026-03-15",
            "--out",
            str(out),
            "--profiles-dir",
            str(profiles),
            "--target",
            "prod",
            "--quiet",
        ]
    )
    assert code == 0
    assert not (out / "warehouse.duckdb").exists() and not user_db.exists()
    with duckdb.connect(str(tmp_path / "prod.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from orders").fetchone()[0] > 0


def test_a_failing_training_test_fails_the_run_unless_warned(tmp_path, capsys):
    # Orders 30 minutes after their session break the project's 1-24 h conversion test.
    too_fast = [
        "--set",
        "journey.order_timing.min_gap_hours=0",
        "--set",
        "journey.order_timing.gap_hours=0.5",
    ]
    args = [
        "run",
        "--days",
        "1",
        "--scale",
        "0.1",
        "--end-date",
        "2026-03-15",
        "--quiet",
        *too_fast,
    ]
    assert main([*args, "--out", str(tmp_path / "a")]) == 1
    err = capsys.readouterr().err
    assert "error: dbt failed on a training day" in err and "1_to_24_hours" in err
    assert main([*args, "--out", str(tmp_path / "b"), "--warn-on-test-failure"]) == 0
    assert "warning: dbt failed on a training day" in capsys.readouterr().err
    manifest = json.loads((tmp_path / "b" / "run_manifest.json").read_text())
    assert manifest["dbt_ok"] is False and manifest["status"] == "complete"
