"""The bundled dbt project and the in-process runner, on real dbt-core + dbt-duckdb.

The slow tests build the project from the hand-made seed set in tests/fixtures/dbt/seeds (four
customers, five orders with one or two payments each, twelve sessions including anonymous ones
before a signup, ten ad-days) into a DuckDB file under tmp_path and query the result. The
validation flavour of that seed set carries anomalies (blank first name, status 'lost', a zero
payment, a duplicate order id, an orphan payment, an id 'ID-7', a shared email). The anomaly tests
against the training baseline are exercised on simulated data in test_dbt_anomalies.py.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import duckdb
import pytest

from jaffle_sim.warehouse.daily_refresh import selection
from jaffle_sim.warehouse.dbt_errors import WarehouseLockedError, locked_message
from jaffle_sim.warehouse.dbt_project import bundled_project_dir, stage_project, write_profiles
from jaffle_sim.warehouse.dbt_runner import DbtRunner
from jaffle_sim.warehouse.results import DayResults, DbtResult, NodeResult, combine
from jaffle_sim.warehouse.static_views import static_views

FIXTURE_SEEDS = Path(__file__).parents[1] / "fixtures" / "dbt" / "seeds"
NOW = "2024-01-05 00:00:00"
WEIGHTS = (
    "first_touch_weight",
    "last_touch_weight",
    "linear_weight",
    "position_based_weight",
    "time_decay_weight",
)


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def query(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.sql(sql).fetchall()
    finally:
        con.close()


def make_run_folder(root: Path) -> Path:
    shutil.copytree(FIXTURE_SEEDS, root / "seeds")
    return root


def failed_names(result: DbtResult) -> set[str]:
    return {n.name for n in result.failed}


def seeds_of(out: Path, *groups: str) -> list[str]:
    return sorted(p.stem for g in groups for p in (out / "seeds" / g).glob("*.csv"))


def training(out: Path) -> list[str]:
    """The daily build of the training flavour, every training seed changed."""
    return selection("training", seeds_of(out, "training", "sessions", "ads", "attribution"))


def validation(out: Path) -> list[str]:
    return selection("validation", seeds_of(out, "validation"))


# -- fast tests: no dbt invocation -------------------------------------------------------------


def test_importing_the_module_does_not_import_dbt() -> None:
    code = "import sys, jaffle_sim.warehouse.dbt_runner; print('dbt.cli' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_bundled_project_is_found() -> None:
    project = bundled_project_dir()
    assert (project / "dbt_project.yml").is_file()
    assert (project / "models" / "marts" / "attribution_touches.sql").is_file()


def test_write_profiles_uses_an_absolute_database_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = write_profiles(tmp_path / "profiles", "rel/warehouse.duckdb", threads=2)
    profile = json.loads(path.read_text().split("\n", 1)[1])  # JSON after the comment line
    output = profile["jaffle_sim"]["outputs"]["dev"]
    assert output["type"] == "duckdb"
    assert Path(output["path"]).is_absolute()
    assert Path(output["path"]) == tmp_path / "rel" / "warehouse.duckdb"
    assert output["threads"] == 2


def test_stage_project_replaces_stale_files_and_keeps_target(tmp_path: Path) -> None:
    staged = stage_project(tmp_path)
    assert staged == tmp_path.resolve() / "dbt_project"
    (staged / "models" / "stale_model.sql").write_text("select 1")
    (staged / "target").mkdir()
    (staged / "target" / "keep.txt").write_text("x")
    stage_project(tmp_path)
    assert not (staged / "models" / "stale_model.sql").exists()
    assert (staged / "target" / "keep.txt").exists()
    assert (staged / "dbt_project.yml").read_bytes() == (
        bundled_project_dir() / "dbt_project.yml"
    ).read_bytes()


def test_project_sql_never_reads_the_wall_clock() -> None:
    banned = re.compile(
        r"current_timestamp|(?<![\w.])now\(|getdate\(|sysdate|current_date|run_started_at",
        re.IGNORECASE,
    )
    project = bundled_project_dir()
    offenders = [
        f"{path.relative_to(project)}: {match.group(0)}"
        for path in project.rglob("*.sql")
        if path.relative_to(project).parts[0] not in {"target", "logs"}
        for match in banned.finditer(path.read_text())
    ]
    assert offenders == []


def test_result_helpers() -> None:
    nodes = (
        NodeResult("model.x.a", "a", "model", "success", 0.1, None, "OK"),
        NodeResult("test.x.t", "t", "test", "fail", 0.1, 3, "Got 3 results"),
        NodeResult("test.x.u", "u", "test", "pass", 0.1, 0, None),
    )
    result = DbtResult("build", False, 1.0, nodes, reused_manifest=False)
    assert [n.name for n in result.failed] == ["t"]
    assert result.node("t").failures == 3
    assert result.status_counts() == {"success": 1, "fail": 1, "pass": 1}
    assert result.seconds_by_type() == {"model": 0.1, "test": pytest.approx(0.2)}
    day = DayResults("2026-03-01", "training", [result])
    assert day.failed_tests == ["t"] and day.failed_nodes == ["build t"] and not day.ok
    assert DayResults.from_dict(day.to_dict()).to_dict() == day.to_dict()


def test_combine_replaces_the_skipped_nodes_by_their_second_run() -> None:
    first = DbtResult(
        "build",
        False,
        2.0,
        (
            NodeResult("test.x.t", "t", "test", "fail", 0.1, 3, "Got 3 results"),
            NodeResult("model.x.m", "m", "model", "skipped", 0.0, None, None),
        ),
        reused_manifest=True,
    )
    again = DbtResult(
        "build",
        True,
        0.5,
        (NodeResult("model.x.m", "m", "model", "success", 0.2, None, "OK"),),
        False,
    )
    both = combine(first, again)
    assert [(n.name, n.status) for n in both.nodes] == [("t", "fail"), ("m", "success")]
    assert both.invocations == 2 and both.elapsed == 2.5 and not both.success
    assert both.reused_manifest


def test_selection_takes_the_flavours_nodes_and_only_the_changed_seeds() -> None:
    assert selection("training", ["raw_orders_training"]) == [
        "tag:training,resource_type:model",
        "tag:training,resource_type:test",
        "tag:training,resource_type:unit_test",
        "tag:training,resource_type:seed,raw_orders_training",
    ]


def test_a_lock_error_names_the_file_and_the_process() -> None:
    text = (
        'IO Error: Could not set lock on file "/x/warehouse.duckdb": Conflicting lock is held '
        "in /usr/bin/python3.11 (PID 4242) by user root. See also https://duckdb.org/docs"
    )
    message = locked_message(text)
    assert message is not None
    assert (
        "/x/warehouse.duckdb is locked by another process (process 4242, /usr/bin/python3.11)"
        in message
    )
    assert locked_message("Catalog Error: table not found") is None


# -- slow tests: real dbt on DuckDB ------------------------------------------------------------


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DbtRunner, DbtResult]]:
    """The training build of the clean fixture seed set, shared by the assertions below."""
    out = make_run_folder(tmp_path_factory.mktemp("dbt_clean"))
    runner = DbtRunner.for_run_folder(out, vars={"conversion_window_days": 1})
    result = runner.build(select=training(out), vars={"simulated_now": NOW})
    runner.close()  # release the DuckDB file so the tests can open it read-only
    yield runner, result
    runner.close()


@pytest.fixture(scope="module")
def warehouse(clean: tuple[DbtRunner, DbtResult]) -> Path:
    runner, _ = clean
    assert runner.database_path is not None
    return runner.database_path


@pytest.mark.slow
def test_clean_build_passes_every_test(clean: tuple[DbtRunner, DbtResult]) -> None:
    _, result = clean
    assert result.success, [(n.name, n.message) for n in result.failed]
    assert result.invocations == 1  # nothing failed: one `dbt build`
    kinds = {n.resource_type for n in result.nodes}
    assert {"seed", "model", "test", "unit_test"} <= kinds
    # a training run loads the training, marketing and attribution seeds, not the validation ones
    assert sum(n.resource_type == "seed" for n in result.nodes) == 10
    assert sum(n.resource_type == "unit_test" for n in result.nodes) >= 6
    assert all(n.ok for n in result.nodes)


@pytest.mark.slow
def test_dbt_writes_its_log_file_only_when_debugging(
    clean: tuple[DbtRunner, DbtResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner, _ = clean
    assert not (runner.project_dir / "logs" / "dbt.log").exists()
    monkeypatch.setenv("JAFFLE_SIM_DEBUG", "1")
    out = make_run_folder(tmp_path)
    with DbtRunner.for_run_folder(out) as debugging:
        debugging.parse({"simulated_now": NOW})
    log = debugging.project_dir / "logs" / "dbt.log"
    assert "Running with dbt=" in log.read_text()


@pytest.mark.slow
def test_seeds_land_in_raw_with_their_types(warehouse: Path) -> None:
    types = dict(
        (f"{t}.{c}", d)
        for t, c, d in query(
            warehouse,
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = 'raw'",
        )
    )
    assert {k.split(".")[0] for k in types} >= {
        "raw_orders_training",
        "stg_app_sessions",
        "stg_google_ads",
    }
    assert types["raw_orders_training.order_date"] == "TIMESTAMP"
    assert types["raw_payments_training.amount"] == "INTEGER"
    assert types["stg_google_ads.cost"] == "DECIMAL(12,2)"


@pytest.mark.slow
def test_sessions_has_one_row_per_seed_session_and_stitches_visitors(warehouse: Path) -> None:
    seeded = len(rows(FIXTURE_SEEDS / "sessions" / "stg_website_sessions.csv")) + len(
        rows(FIXTURE_SEEDS / "sessions" / "stg_app_sessions.csv")
    )
    assert query(warehouse, "select count(*) from main.sessions") == [(seeded,)]
    stitched = dict(query(warehouse, "select session_id, customer_id from main.sessions"))
    assert stitched["w1"] == 1  # anonymous, before visitor 100 signed up as customer 1
    assert stitched["a2"] == 2 and stitched["w3"] == 2  # visitor 200 -> customer 2
    assert stitched["w7"] is None and stitched["a5"] is None  # visitor 500 never signed up
    # the ad is joined on ad id and the session's date: g1 ran on two days
    assert query(
        warehouse, "select utm_medium, utm_campaign from main.sessions where session_id = 'w7'"
    ) == [("paid_search", "spring_sale")]


@pytest.mark.slow
def test_lifetime_value_is_the_sum_of_the_customers_payments(warehouse: Path) -> None:
    order_customer = {
        r["id"]: int(r["user_id"])
        for r in rows(FIXTURE_SEEDS / "training" / "raw_orders_training.csv")
    }
    expected: dict[int, int] = {}
    for p in rows(FIXTURE_SEEDS / "training" / "raw_payments_training.csv"):
        customer = order_customer[p["order_id"]]
        expected[customer] = expected.get(customer, 0) + int(p["amount"])
    actual = dict(query(warehouse, "select customer_id, lifetime_value_cents from main.customers"))
    assert actual == {**dict.fromkeys(actual, 0), **expected}
    assert actual[1] == 3100
    dollars = dict(query(warehouse, "select customer_id, lifetime_value from main.customers"))
    assert float(dollars[1]) == 31.00


@pytest.mark.slow
def test_orders_split_amounts_by_payment_method(warehouse: Path) -> None:
    assert query(
        warehouse,
        "select amount_cents, credit_card_amount_cents, coupon_amount_cents, payment_count "
        "from main.orders where order_id = 1",
    ) == [(2000, 1500, 500, 2)]


@pytest.mark.slow
def test_attribution_weights_sum_to_the_number_of_conversions(warehouse: Path) -> None:
    conversions = query(warehouse, "select count(distinct order_id) from main.attribution_touches")
    assert conversions == [(5,)]
    sums = query(
        warehouse, f"select {', '.join(f'sum({w})' for w in WEIGHTS)} from main.attribution_touches"
    )
    assert sums[0] == pytest.approx((5.0,) * len(WEIGHTS), abs=1e-9)
    # order 2 had three touches: a2 (instagram), w3 (organic), a3 (facebook)
    assert query(
        warehouse,
        "select session_id, position_based_weight from main.attribution_touches "
        "where order_id = 2 order by touch_number",
    ) == [("a2", 0.4), ("w3", 0.2), ("a3", 0.4)]


@pytest.mark.slow
def test_a_column_name_means_one_thing_in_every_model(warehouse: Path) -> None:
    """`site` is where a session took place (app or website), `utm_source` and `channel` name
    ad platforms; no model has a column called `platform`, which the event log keeps for ad
    platforms."""
    columns = query(
        warehouse,
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'main'",
    )
    assert not [c for c in columns if "platform" in c[1]]
    sites = [(t, c) for t, c in columns if c == "site" or c.endswith("_site")]
    assert {t for t, _ in sites} >= {"stg_sessions", "sessions", "customers", "attribution_truth"}
    for table, column in sites:
        values = {v for (v,) in query(warehouse, f"select distinct {column} from main.{table}")}
        assert values - {None} <= {"app", "website"} and values - {None}, (table, column)
    for table, column in columns:
        if column in ("utm_source", "channel"):
            values = {v for (v,) in query(warehouse, f"select distinct {column} from main.{table}")}
            assert not values & {"app", "website"}, (table, column)


@pytest.mark.slow
def test_attribution_truth_joins_the_sessions_and_sums_to_one(warehouse: Path) -> None:
    truth = query(
        warehouse,
        "select touch_id, session_id, site, channel, touch_count, is_last_touch, credit "
        "from main.attribution_truth where customer_id = 2 order by touch_number",
    )
    assert truth == [
        ("2-1", None, None, "organic", 4, False, 0.1),  # a touch before the simulated period
        ("2-2", "a2", "app", "instagram", 4, False, 0.5),
        ("2-3", "w3", "website", "organic", 4, False, -0.1),
        ("2-4", "a3", "app", "facebook", 4, True, 0.5),
    ]
    sums = query(warehouse, "select sum(credit) from main.attribution_truth group by customer_id")
    assert [s for (s,) in sums] == pytest.approx([1.0] * 4)


@pytest.mark.slow
def test_a_wrong_truth_fails_its_tests(tmp_path: Path) -> None:
    out = make_run_folder(tmp_path)
    truth = out / "seeds" / "attribution" / "raw_attribution_truth.csv"
    lines = truth.read_text().splitlines()
    lines[2] = lines[2].replace('"w2"', '"a1"')  # a session of another visitor
    lines[-1] = lines[-1].replace(",0.4,", ",0.3,")  # customer 4's credits sum to 0.9
    lines[7] = lines[7].replace("14:02:00", "15:00:00")  # not the sign-up of customer 3
    truth.write_text("\n".join(lines) + "\n")
    runner = DbtRunner.for_run_folder(out, vars={"conversion_window_days": 1})
    result = runner.build(select=training(out), vars={"simulated_now": NOW})
    runner.close()
    assert failed_names(result) == {
        "attribution_truth_credit_sums_to_one",
        "stg_attribution_truth_credit_sums_to_one",
        "attribution_truth_touches_are_the_visitors_sessions",
        "attribution_truth_converts_at_the_signup",
        "attribution_truth_touches_precede_the_conversion",  # a1 started after the sign-up
    }


@pytest.mark.slow
def test_conversions_and_acquisition_channels(warehouse: Path) -> None:
    conversions = query(
        warehouse,
        "select order_id, session_id, hours_to_order, days_to_order "
        "from main.customer_conversions order by order_id",
    )
    assert conversions == [
        (1, "w2", 2.0, 0),
        (2, "a3", 1.5, 0),
        (3, "w4", 2.0, 0),
        (4, "a1", 4.0, 0),
        (5, "w5", 19.0, 1),
    ]
    channels = dict(query(warehouse, "select customer_id, acquisition_channel from main.customers"))
    assert channels == {1: "google", 2: "facebook", 3: "organic", 4: None}


@pytest.mark.slow
def test_funnel_counts_organic_as_a_channel(warehouse: Path) -> None:
    organic = query(
        warehouse,
        "select sum(sessions), sum(signups), sum(first_orders) from main.funnel_daily "
        "where channel = 'organic'",
    )
    assert organic == [(3, 2, 1)]  # w3, w4, a4; signups of customers 3 and 4; order 3
    assert query(warehouse, "select sum(spend_amount) from main.ads_spend")[0][0] == pytest.approx(
        sum(
            float(r["cost"])
            for name in ("google", "facebook", "instagram")
            for r in rows(FIXTURE_SEEDS / "ads" / f"stg_{name}_ads.csv")
        )
    )


@pytest.mark.slow
def test_a_daily_refresh_with_a_new_simulated_now_reuses_the_parsed_manifest(
    clean: tuple[DbtRunner, DbtResult], warehouse: Path
) -> None:
    runner, first = clean
    out = runner.project_dir.parent
    result = runner.build(select=training(out), vars={"simulated_now": "2024-01-20 00:00:00"})
    runner.close()
    assert result.reused_manifest
    # the unit tests passed in the first build with this parse: the refresh leaves them out
    assert not any(n.resource_type == "unit_test" for n in result.nodes)
    # so are the views over seeds and views, built then; the tables are built again, and every
    # test of the first build runs again (those on the views too)
    models = {n.name for n in result.nodes if n.resource_type == "model"}
    assert {"stg_orders", "stg_customers", "baseline_orders"}.isdisjoint(models)
    assert {"orders", "customers", "funnel_daily"} <= models
    tests = sorted(n.name for n in result.nodes if n.resource_type == "test")
    assert tests == sorted(n.name for n in first.nodes if n.resource_type == "test")
    assert any("stg_orders" in name for name in tests)
    # no JSON artifacts: the results are returned, the parse is kept in memory
    target = runner.target_path
    assert not any((target / f).exists() for f in ("run_results.json", "manifest.json"))
    # the var reached the SQL although the manifest was parsed with another value
    assert query(warehouse, "select order_age_days from main.orders where order_id = 1") == [(19,)]
    # ... and the tests judge in simulated time: sixteen days without an order are not fresh
    assert failed_names(result) == {"orders_freshness"}
    # a failing test holds nothing back: every model was built, every test ran
    assert not [n.name for n in result.nodes if n.status == "skipped"]


@pytest.mark.slow
def test_validation_anomalies_fail_their_tests_without_touching_training_marts(
    clean: tuple[DbtRunner, DbtResult], warehouse: Path
) -> None:
    runner, _ = clean
    out = runner.project_dir.parent
    result = runner.build(select=validation(out), vars={"simulated_now": NOW})
    runner.close()
    seeded = [n.name for n in result.nodes if n.resource_type == "seed"]
    built = {n.name for n in result.nodes if n.resource_type == "model"}
    # a validation build loads only the validation seeds, typed as a loader infers from each
    # file: the customer id 'ID-7' makes that column text, the order ids stay integers ...
    assert sorted(seeded) == sorted(
        f"raw_{t}_validation" for t in ("customers", "orders", "payments", "signups")
    )
    assert query(
        warehouse,
        "select table_name, data_type from information_schema.columns "
        "where table_name in ('raw_orders_validation', 'raw_customers_validation') "
        "and column_name = 'id' order by 1",
    ) == [("raw_customers_validation", "VARCHAR"), ("raw_orders_validation", "INTEGER")]
    # ... builds the validation flavour's staging and monitoring, not the training models
    assert {"stg_validation_orders", "monitored_validation_orders"} <= built
    assert not built & {"orders", "sessions", "stg_orders", "baseline_orders"}
    # every test ran although staging tests failed (the monitoring models were built anyway)
    assert not [n.name for n in result.nodes if n.status == "skipped"]
    assert not result.success and result.invocations > 1
    assert {
        "not_null_stg_validation_customers_customer_id",  # 'ID-7'
        "validation_raw_customers_schema",  # 'ID-7' again, on the raw table
        "validation_raw_customers_types",  # and as a type: text where training has integers
        "validation_orders_status_accepted_values",
        "validation_orders_order_id_unique",
        "validation_payments_order_id_relationships",
        "validation_payments_amount_positive_unless_coupon",  # 0 by credit card
        "validation_signups_email_unique",
        "validation_signups_customer_id_relationships",
    } <= failed_names(result)
    assert "unique_stg_validation_customers_customer_id" not in failed_names(result)
    # the training models are untouched
    assert query(warehouse, "select count(*) from main.orders") == [(5,)]
    assert query(warehouse, "select count(*) from main.stg_orders") == [(5,)]
    assert query(warehouse, "select count(*) from main.stg_validation_orders") == [(8,)]


@pytest.mark.slow
def test_broken_training_data_fails_the_right_tests_and_builds_the_rest(tmp_path: Path) -> None:
    out = make_run_folder(tmp_path)
    seeds = out / "seeds" / "training"
    with open(seeds / "raw_payments_training.csv", "a") as fh:
        fh.write('8,99,"credit_card",700\n')  # order 99 does not exist
    with open(seeds / "raw_orders_training.csv", "a") as fh:
        fh.write('5,2,"2024-01-04 11:00:00","completed"\n')  # duplicate order id 5
    for path in (out / "seeds" / "validation").glob("*.csv"):  # header-only validation files
        path.write_text(path.read_text().splitlines()[0] + "\n")
    with DbtRunner.for_run_folder(out) as runner:
        built = runner.build(select=training(out), vars={"simulated_now": NOW})
    failed = failed_names(built)
    assert "stg_payments_order_id_relationships" in failed
    assert "stg_orders_order_id_unique" in failed
    # a check of stg_orders' column_checks test: reported on its own, with dbt's count
    assert built.node("stg_orders_order_id_unique").failures == 1
    assert built.node("stg_orders_order_id_not_null").status == "pass"
    assert built.node("unique_stg_payments_payment_id").status == "pass"
    # dbt build alone would skip the marts below a failing staging test: here they are built,
    # and their own tests report on the day's data
    assert built.node("orders", "model").status == "success"
    assert built.node("unique_orders_order_id").status in ("pass", "fail")
    assert not [n.name for n in built.nodes if n.status == "skipped"]
    # build, the held-back models, their tests, the failing checks' rows
    assert built.invocations == 4 and not built.success


@pytest.mark.slow
def test_row_checks_of_later_days_look_at_the_new_rows_only(tmp_path: Path) -> None:
    """With var tests_since, the ads' row checks skip rows dated before it (the rows of earlier
    days, checked on their own day); without it they check every row."""
    out = make_run_folder(tmp_path)
    with open(out / "seeds" / "ads" / "stg_google_ads.csv", "a") as fh:
        fh.write('"g9","2024-01-01","paid_search","spring_sale",-5.00,10,1\n')  # an old bad row

    def cost_checks(built: DbtResult) -> set[str]:
        return {n for n in failed_names(built) if "cost_amount" in n}

    with DbtRunner.for_run_folder(out) as runner:
        every_row = runner.build(select=training(out), vars={"simulated_now": NOW})
        new_rows = runner.build(
            select=training(out),
            vars={"simulated_now": NOW, "tests_since": "2024-01-03 00:00:00"},
        )
        with open(out / "seeds" / "ads" / "stg_google_ads.csv", "a") as fh:
            fh.write('"g9","2024-01-04","paid_search","spring_sale",-5.00,10,1\n')  # a new one
        new_bad = runner.build(
            select=training(out),
            vars={"simulated_now": NOW, "tests_since": "2024-01-03 00:00:00"},
        )
    assert cost_checks(every_row) and not cost_checks(new_rows)
    assert cost_checks(new_bad) == cost_checks(every_row)
    # the window does not reach the checks of keys or of the date column itself
    assert new_rows.node("not_null_stg_ads_ad_date").status == "pass"
    assert new_rows.reused_manifest  # the var only changes what the tests read


@pytest.mark.slow
def test_session_checks_of_later_days_look_at_the_new_sessions_only(tmp_path: Path) -> None:
    """With var tests_since, a bad session of an earlier day is not reported again, a bad one of
    the new day is, and so is one without a start; uniqueness still spans every day."""
    out = make_run_folder(tmp_path)
    sessions = out / "seeds" / "sessions"
    since = {"simulated_now": NOW, "tests_since": "2024-01-03 00:00:00"}
    with open(sessions / "stg_website_sessions.csv", "a") as fh:
        fh.write('"w8",,"2024-01-01 09:00:00","2024-01-01 08:50:00",,,600\n')  # ends first
    with DbtRunner.for_run_folder(out) as runner:
        manifest = runner.parse(since)
        every_row = runner.build(select=training(out), vars={"simulated_now": NOW})
        new_rows = runner.build(select=training(out), vars=since)
        with open(sessions / "stg_app_sessions.csv", "a") as fh:
            fh.write('"a8",,"2024-01-04 09:00:00","2024-01-04 08:50:00",,,700\n')
            fh.write('"a9",,,"2024-01-04 08:50:00","tiktok","t1",700\n')  # no start
        new_bad = runner.build(select=training(out), vars=since)
    (merged,) = [n for n in manifest.nodes.values() if n.name == "stg_sessions_column_checks"]
    checks = {c["name"]: c for c in merged.test_metadata.kwargs["checks"]}
    assert "where" not in checks["unique_stg_sessions_session_id"]

    def failing(built: DbtResult) -> dict[str, int | None]:
        return {n.name: n.failures for n in built.failed if n.name in checks}

    ended = "expression_is_true_stg_sessions_ended_at__ended_at_started_at"
    assert failing(every_row) == {ended: 1}
    assert failing(new_rows) == {}
    assert failing(new_bad) == {
        ended: 1,  # a8 only: w8 is not reported again
        "not_null_stg_sessions_started_at": 1,
        "accepted_values_stg_sessions_utm_source__google__facebook__instagram": 1,
        "app_sessions_come_from_facebook_or_instagram": 1,
        "relationships_stg_sessions_ad_id__ad_id__ref_stg_ads_": 1,
    }


@pytest.mark.slow
def test_a_seed_that_cannot_load_leaves_its_models_skipped(tmp_path: Path) -> None:
    out = make_run_folder(tmp_path)
    with open(out / "seeds" / "training" / "raw_orders_training.csv", "a") as fh:
        fh.write('six,2,"2024-01-04 11:00:00","completed"\n')  # not an integer id
    with DbtRunner.for_run_folder(out) as runner:
        built = runner.build(select=training(out), vars={"simulated_now": NOW})
    assert built.node("raw_orders_training", "seed").status == "error"
    assert built.node("stg_orders", "model").status == "skipped"
    assert built.node("orders", "model").status == "skipped"
    assert built.node("stg_sessions", "model").status == "success"  # not below the seed
    assert not built.success


@pytest.mark.slow
def test_a_locked_warehouse_gives_a_clear_error(clean: tuple[DbtRunner, DbtResult]) -> None:
    runner, _ = clean
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import duckdb, sys
                con = duckdb.connect({str(runner.database_path)!r})
                print("locked", flush=True)
                sys.stdin.readline()
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(
            WarehouseLockedError, match=rf"locked by another process \(process {holder.pid}"
        ):
            runner.invoke("run", select="stg_customers")
    finally:
        holder.communicate("\n", timeout=30)
    assert runner.invoke("run", select="stg_customers").success
    runner.close()


@pytest.mark.slow
def test_generated_run_builds_and_passes(run_dir: Path, tmp_path: Path) -> None:
    """The simulator's own output (conftest's 21-day run) through the whole project."""
    shutil.copytree(run_dir / "seeds", tmp_path / "seeds")
    manifest = json.loads((run_dir / "run_manifest.json").read_text())
    now = (date.fromisoformat(manifest["end_date"]) + timedelta(days=1)).isoformat() + " 00:00:00"
    with DbtRunner.for_run_folder(tmp_path, vars={"conversion_window_days": 7}) as runner:
        result = runner.build(select=training(tmp_path), vars={"simulated_now": now})
    assert result.success, [(n.name, n.message) for n in result.failed]


def _node(kind: str, materialized: str, parents: tuple[str, ...], sql: str = "select 1") -> Any:
    depends = SimpleNamespace(nodes=list(parents), macros=["macro.p.now"] if "now" in sql else [])
    config = SimpleNamespace(materialized=materialized)
    return SimpleNamespace(resource_type=kind, config=config, depends_on=depends, raw_code=sql)


def test_a_static_view_reads_only_seeds_sources_and_static_views_and_no_runtime_var() -> None:
    macro = SimpleNamespace(
        macro_sql="{{ var('simulated_now') }}", depends_on=SimpleNamespace(macros=[])
    )
    nodes = {
        "seed.p.raw": _node("seed", "seed", ()),
        "model.p.stg": _node("model", "view", ("seed.p.raw",)),
        "model.p.src": _node("model", "view", ("source.p.ext.t",)),
        "model.p.on_stg": _node("model", "view", ("model.p.stg", "model.p.src")),
        "model.p.mart": _node("model", "table", ("model.p.stg",)),
        "model.p.on_mart": _node("model", "view", ("model.p.mart",)),
        "model.p.below_mart": _node("model", "view", ("model.p.on_mart",)),
        "model.p.now": _node("model", "view", ("seed.p.raw",), "{{ now() }}"),
        "model.p.since": _node("model", "view", ("seed.p.raw",), "{{ var('tests_since') }}"),
    }
    manifest = SimpleNamespace(
        nodes=nodes, sources={"source.p.ext.t": object()}, macros={"macro.p.now": macro}
    )
    assert static_views(manifest) == {"model.p.stg", "model.p.src", "model.p.on_stg"}


@pytest.mark.slow
def test_the_projects_static_views_are_its_views(clean: tuple[DbtRunner, DbtResult]) -> None:
    runner, _ = clean
    manifest = runner.parse({"conversion_window_days": 1})
    runner.close()
    views = {
        n.name
        for n in manifest.nodes.values()
        if n.resource_type == "model" and n.config.materialized == "view"
    }
    static = {manifest.nodes[uid].name for uid in static_views(manifest)}
    assert {"stg_orders", "stg_sessions", "int_visitor_customers", "baseline_orders"} <= static
    assert static == views  # no view of the project reads a runtime var or a table
