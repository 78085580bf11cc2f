"""End to end: `jaffle-sim run` with the bundled dbt project on the embedded DuckDB warehouse, by
seeds and by Parquet, and the warehouse a run cannot use (a locked DuckDB file)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from jaffle_sim.cli import main
from jaffle_sim.warehouse import daily_refresh

pytestmark = pytest.mark.slow

RUN = ["run", "--days", "8", "--scale", "0.3", "--seed", "5", "--end-date", "2026-03-15"]
TRAINING_SEEDS = {
    *(f"raw_{t}_training" for t in ("customers", "orders", "payments", "signups")),
    *(f"stg_{p}_sessions" for p in ("website", "app")),
    *(f"stg_{p}_ads" for p in ("google", "facebook", "instagram")),
    "raw_attribution_truth",
}


@pytest.fixture(scope="module")
def run_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("warehouse") / "out"
    assert main([*RUN, "--out", str(out), "--quiet"]) == 0
    return out


@pytest.fixture(scope="module")
def parquet_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("parquet") / "out"
    assert main([*RUN, "--out", str(out), "--quiet", "--load", "parquet", "--no-report"]) == 0
    return out


def query(out: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(out / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).df()


def manifest(out: Path) -> dict[str, Any]:
    return json.loads((out / "run_manifest.json").read_text())


def marts(out: Path) -> dict[str, tuple[int, str, list[tuple[str, str]]]]:
    """Rows, a checksum of the sorted rows and the column types of every mart (the tables)."""
    found = {}
    with duckdb.connect(str(out / "warehouse.duckdb"), read_only=True) as con:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'main' and table_type = 'BASE TABLE' order by 1"
            ).fetchall()
        ]
        for name in names:
            frame = con.execute(f'select * from main."{name}"').df()
            frame = frame.sort_values(list(frame.columns)).reset_index(drop=True)
            digest = hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()
            types = [(r[0], r[1]) for r in con.execute(f'describe main."{name}"').fetchall()]
            found[name] = (len(frame), digest, types)
    return found


def test_every_day_is_one_build_with_a_result_per_node(run_out: Path) -> None:
    m = manifest(run_out)
    assert m["status"] == "complete" and m["dbt_ok"] is True
    assert [d["date"] for d in m["daily"]] == [f"2026-03-{d:02d}" for d in range(8, 16)]
    for day in m["daily"]:
        (phase,) = day["dbt"]["phases"]
        assert phase["command"] == "build" and phase["invocations"] == 1
        kinds = {n["type"] for n in phase["nodes"]}
        assert {"seed", "model", "test"} <= kinds
        assert {n["status"] for n in phase["nodes"]} <= {"success", "pass"}
        seeds = {n["name"] for n in phase["nodes"] if n["type"] == "seed"}
        # only the training seeds that changed that day (orders age every day)
        assert "raw_orders_training" in seeds and seeds <= TRAINING_SEEDS
        assert sum(n["type"] == "test" for n in phase["nodes"]) > 50
    # the unit tests ran on the first day only (they check SQL logic on fixed inputs)
    units = [
        sum(n["type"] == "unit_test" for n in day["dbt"]["phases"][0]["nodes"])
        for day in m["daily"]
    ]
    assert units[0] > 0 and not any(units[1:])
    # the simulated now reached dbt: no order after the end of the last day
    latest = query(run_out, "select max(order_at) as t from orders").t[0]
    assert latest < pd.Timestamp("2026-03-16")


def test_marts_agree_with_the_raw_files(run_out: Path) -> None:
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
    n_sessions = sum(  # a session delivered twice (the noise floor) is one session
        pd.read_csv(seeds / f"sessions/stg_{p}_sessions.csv").session_id.nunique()
        for p in ("website", "app")
    )
    assert query(run_out, "select count(*) as n from sessions").n[0] == n_sessions
    ads = [pd.read_csv(seeds / f"ads/stg_{p}_ads.csv") for p in ("google", "facebook", "instagram")]
    spend = query(run_out, "select sum(spend_amount) as s from ads_spend").s[0]
    assert sum(len(a) for a in ads) > 0 and spend == pytest.approx(sum(a.cost.sum() for a in ads))


def test_attribution_models_each_sum_to_the_conversions(run_out: Path) -> None:
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


def test_the_attribution_truth_mart_is_its_seed_and_sums_to_one(run_out: Path) -> None:
    seed = pd.read_csv(run_out / "seeds/attribution/raw_attribution_truth.csv")
    mart = query(
        run_out,
        "select customer_id, touch_number, session_id, site, credit from attribution_truth",
    )
    assert len(mart) == len(seed) > 10
    sums = mart.groupby("customer_id").credit.sum()
    assert len(sums) == seed.customer_id.nunique()
    assert sums.to_numpy() == pytest.approx(1.0, abs=1e-9)
    # every touch with a session found it in the sessions mart
    assert mart.site.notna().sum() == seed.session_id.notna().sum()
    # its tests ran and passed on every day
    for day in manifest(run_out)["daily"]:
        names = {
            n["name"]: n["status"]
            for n in day["dbt"]["phases"][0]["nodes"]
            if n["type"] == "test" and "attribution_truth" in n["name"]
        }
        assert "attribution_truth_credit_sums_to_one" in names
        assert len(names) >= 10 and set(names.values()) == {"pass"}


def test_a_second_run_into_the_folder_is_refused(
    run_out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (run_out / "warehouse.duckdb").stat().st_mtime_ns
    code = main(["run", "--days", "2", "--out", str(run_out), "--quiet"])
    assert code == 2 and "--overwrite" in capsys.readouterr().err
    assert (run_out / "warehouse.duckdb").stat().st_mtime_ns == before


def test_the_planted_anomalies_are_caught_and_scored(
    run_out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    m = manifest(run_out)
    last = m["daily"][-1]
    assert last["dbt_validation"]["flavour"] == "validation"
    # the validation build ran every test although staging tests failed
    nodes = [n for p in last["dbt_validation"]["phases"] for n in p["nodes"]]
    assert not [n["name"] for n in nodes if n["status"] == "skipped"]
    score = m["score"]
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


def test_parquet_loading_builds_the_same_marts(run_out: Path, parquet_out: Path) -> None:
    by_seeds, by_parquet = marts(run_out), marts(parquet_out)
    assert len(by_seeds) >= 9
    assert by_parquet == by_seeds
    # no dbt seed ran: the sources read the Parquet copies of the published tables
    m = manifest(parquet_out)
    for day in m["daily"]:
        assert not [n for p in day["dbt"]["phases"] for n in p["nodes"] if n["type"] == "seed"]
    copies = {p.stem for p in (parquet_out / "dbt_project/target/raw").glob("*.parquet")}
    validation = {f"raw_{t}_validation" for t in ("customers", "orders", "payments", "signups")}
    assert copies == TRAINING_SEEDS | validation
    assert m["dbt_ok"] is True and m["score"] == manifest(run_out)["score"]


def test_run_on_the_users_own_dbt_profile(tmp_path: Path) -> None:
    user_db = tmp_path / "mine.duckdb"
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "profiles.yml").write_text(
        "jaffle_sim:\n  target: dev\n  outputs:\n"
        f"    dev:\n      type: duckdb\n      path: '{user_db}'\n      threads: 1\n"
        f"    prod:\n      type: duckdb\n      path: '{tmp_path / 'prod.duckdb'}'\n"
    )
    out = tmp_path / "out"
    args = ["--days", "1", "--scale", "0.1", "--end-date", "2026-03-15", "--out", str(out)]
    code = main(["run", *args, "--profiles-dir", str(profiles), "--target", "prod", "--quiet"])
    assert code == 0
    assert not (out / "warehouse.duckdb").exists() and not user_db.exists()
    with duckdb.connect(str(tmp_path / "prod.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from orders").fetchone()[0] > 0


def test_a_failing_training_test_fails_the_run_unless_warned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Orders 30 minutes after their session break the project's 1-24 h conversion test.
    too_fast = [
        "--set",
        "journey.order_timing.min_gap_hours=0",
        "--set",
        "journey.order_timing.gap_hours=0.5",
    ]
    args = ["run", "--days", "1", "--scale", "0.1", "--end-date", "2026-03-15", "--quiet"]
    assert main([*args, *too_fast, "--out", str(tmp_path / "a")]) == 1
    err = capsys.readouterr().err
    assert "error: dbt failed on a training day" in err and "1_to_24_hours" in err
    assert main([*args, *too_fast, "--out", str(tmp_path / "b"), "--warn-on-test-failure"]) == 0
    assert "warning: dbt failed on a training day" in capsys.readouterr().err
    m = manifest(tmp_path / "b")
    assert m["dbt_ok"] is False and m["status"] == "complete"
    # the failing test held nothing back: every model was built and every test ran
    nodes = [n for p in m["daily"][0]["dbt"]["phases"] for n in p["nodes"]]
    assert not [n["name"] for n in nodes if n["status"] == "skipped"]
    assert {n["status"] for n in nodes if n["type"] == "model"} == {"success"}


def test_an_unknown_load_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", "--days", "1", "--out", str(tmp_path / "out"), "--load", "csv"])
    assert code == 2 and "--load must be seeds or parquet, got 'csv'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


# -- a locked warehouse ------------------------------------------------------------------------


@contextmanager
def held(database: Path, read_only: bool = False) -> Iterator[subprocess.Popen[str]]:
    """Another process (a notebook) holding `database` open until the block ends."""
    code = textwrap.dedent(
        f"""
        import duckdb, sys
        con = duckdb.connect({str(database)!r}, read_only={read_only})
        print("open", flush=True)
        sys.stdin.readline()
        """
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        yield holder
    finally:
        holder.communicate("\n", timeout=30)


def own_duckdb_profile(tmp_path: Path, database: Path) -> Path:
    profiles = tmp_path / "profiles"
    profiles.mkdir(exist_ok=True)
    (profiles / "profiles.yml").write_text(
        f"jaffle_sim:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: '{database}'\n"
    )
    return profiles


SHORT = ["run", "--days", "2", "--scale", "0.1", "--end-date", "2026-03-15", "--no-report"]


def test_a_warehouse_held_before_the_run_is_one_line_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "notebook.duckdb"
    duckdb.connect(str(database)).close()
    profiles = own_duckdb_profile(tmp_path, database)
    out = tmp_path / "out"
    with held(database) as holder:
        code = main([*SHORT, "--out", str(out), "--profiles-dir", str(profiles), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert f"{database} is locked by another process (process {holder.pid}" in err
    assert "profile 'jaffle_sim', target 'dev'" in err
    assert not out.exists()


def test_a_warehouse_taken_after_the_check_stops_the_run_with_its_files_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "notebook.duckdb"
    profiles = own_duckdb_profile(tmp_path, database)
    out = tmp_path / "out"
    holders: list[Any] = []
    start = daily_refresh.Warehouse.start

    def a_notebook_opens_it_first(self: Any) -> None:
        # after the connection check and the first files, before the first dbt command
        holders.append(held(database))
        holders.append(holders[0].__enter__())
        start(self)

    monkeypatch.setattr(daily_refresh.Warehouse, "start", a_notebook_opens_it_first)
    try:
        code = main([*SHORT, "--out", str(out), "--profiles-dir", str(profiles), "--quiet"])
    finally:
        if holders:
            holders[0].__exit__(None, None, None)
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert f"{database} is locked by another process (process {holders[1].pid}" in err
    assert "--resume" in err
    m = manifest(out)
    assert m["status"] == "failed" and m["daily"] == []
    assert (out / "seeds" / "training" / "raw_orders_training.csv").is_file()
    # the notebook is gone: the run goes on from the day it did not finish
    monkeypatch.undo()
    code = main([*SHORT, "--out", str(out), "--profiles-dir", str(profiles), "--quiet", "--resume"])
    assert code == 0 and manifest(out)["status"] == "complete"


def test_a_reader_cannot_take_the_embedded_warehouse_during_a_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    attempts: list[str] = []
    after_day = daily_refresh.Warehouse.after_day

    def a_notebook_tries(self: Any, day: Any, record: Any) -> None:
        after_day(self, day, record)
        probe = subprocess.run(
            [
                sys.executable,
                "-c",
                f"import duckdb; duckdb.connect({str(out / 'warehouse.duckdb')!r}, read_only=True)",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        attempts.append(probe.stderr)

    monkeypatch.setattr(daily_refresh.Warehouse, "after_day", a_notebook_tries)
    assert main([*SHORT, "--out", str(out), "--quiet"]) == 0
    # the run holds the file from its first dbt command to its end: a reader is refused at
    # once, and cannot hold up or corrupt the run
    assert len(attempts) == 2 and all("Could not set lock" in e for e in attempts)
    assert manifest(out)["dbt_ok"] is True
    with duckdb.connect(str(out / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from orders").fetchone()[0] > 0
