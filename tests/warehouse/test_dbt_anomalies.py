"""The anomaly tests of the bundled dbt project, on real dbt-core + dbt-duckdb.

One module-scoped run folder holds twelve simulated days of the training flavour (all tables) and
of the validation flavour (the shop's four tables), with the default noise floor, as delivered at
the end of the last day (its late orders not yet arrived). dbt refreshes it the way the simulator
does: a training build, then a validation build on the clean validation tables; then the same
tables with the default anomalies planted by `plant` below are seeded, run and tested (dbt's own
commands, so that the failing rows are stored with --store-failures). The assertions check that
nothing fails on clean data and that, with anomalies, exactly the expected tests fail on exactly
the planted days. The validation flavour's tests have their own names
(tests/fixtures/dbt_flavour_names.json maps a training test to its validation twin).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from jaffle_sim import Scenario, simulate
from jaffle_sim.api import SimulationResult
from jaffle_sim.output.contract import ACCOUNT_TABLES, TABLES
from jaffle_sim.output.run_folder import RunFolder
from jaffle_sim.warehouse.daily_refresh import selection
from jaffle_sim.warehouse.dbt_runner import DbtRunner
from jaffle_sim.warehouse.results import DbtResult

FLAVOUR_NAMES: dict[str, str] = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "dbt_flavour_names.json").read_text()
)


def validation_name(test: str) -> str:
    """The validation flavour's twin of a training test."""
    return FLAVOUR_NAMES.get(test, test)


def validation_names(tests: set[str] | frozenset[str]) -> set[str]:
    return {validation_name(t) for t in tests}


# The seed folders of the training build (training, sessions, ads, attribution).
TRAINING_GROUPS = tuple(sorted({s.group for s in TABLES.values()} - {"validation"}))
DAYS = 12
SEED = 11
END = dt.date(2026, 3, 15)
NOW = f"{END + dt.timedelta(days=1)} 00:00:00"
CALENDAR = [END - dt.timedelta(days=DAYS - 1 - i) for i in range(DAYS)]

# The detection tests the project promises (names are a contract with anomalies.json).
DETECTION_TESTS = {
    "orders_daily_volume",
    "payments_daily_volume",
    "signups_daily_volume",
    "orders_freshness",
    "orders_hour_of_day",
    "payments_amount_average",
    "payments_zero_amount_rate",
    "payments_method_mix",
    "customers_first_name_blank_rate",
    "customers_names_swapped",
    "signups_email_distinct_rate",
    "raw_orders_schema",
    "raw_payments_schema",
    "raw_customers_schema",
    "raw_signups_schema",
}
NAMED_STAGING_TESTS = {
    "stg_orders_order_id_unique",
    "stg_orders_order_id_not_null",
    "stg_orders_status_accepted_values",
    "stg_signups_signup_id_unique",
    "stg_signups_email_unique",
    "stg_signups_customer_id_relationships",
    "stg_customers_has_signup",
    "stg_payments_order_id_relationships",
    "stg_payments_amount_positive_unless_coupon",
}

Tables = dict[str, pd.DataFrame]  # customers, orders, payments, signups in the raw layout


# -- planting anomalies (a test helper; the simulator has its own injectors) --------------------


@dataclass(frozen=True)
class Planted:
    kind: str
    day: int  # -1 is the last simulated day
    expected_tests: frozenset[str]


def _day(frame: pd.DataFrame, column: str, day: int) -> pd.Series:
    return pd.to_datetime(frame[column]).dt.date == CALENDAR[day]


def _pick(mask: pd.Series, share: float, rng: np.random.Generator, at_least: int = 0) -> pd.Series:
    """A random `share` (at least `at_least`) of the rows where `mask` holds."""
    rows = np.flatnonzero(mask.to_numpy())
    n = min(len(rows), max(at_least, round(len(rows) * share)))
    chosen = rng.choice(rows, n, replace=False) if n else np.array([], dtype=int)
    return pd.Series(np.isin(np.arange(len(mask)), chosen), index=mask.index)


def _payments_of(t: Tables, orders: pd.Series) -> pd.Series:
    return t["payments"]["order_id"].isin(set(t["orders"].loc[orders, "id"]))


def _new_customers(t: Tables, day: int) -> pd.Series:
    signups = t["signups"]
    return t["customers"]["id"].isin(set(signups.loc[_day(signups, "signup_date", day), "user_id"]))


def _drop_orders(t: Tables, orders: pd.Series) -> None:
    t["payments"] = t["payments"][~_payments_of(t, orders)]
    t["orders"] = t["orders"][~orders]


def freshness_gap(t: Tables, day: int, rng: np.random.Generator) -> None:
    _drop_orders(t, _day(t["orders"], "order_date", day))


def schema_change(t: Tables, day: int, rng: np.random.Generator) -> None:
    orders = t["orders"].astype({"id": object})
    hit = _day(orders, "order_date", day)
    orders.loc[hit, "id"] = [f"ID-{i}" for i in orders.loc[hit, "id"]]
    t["orders"] = orders


def invalid_status(t: Tables, day: int, rng: np.random.Generator) -> None:
    orders = t["orders"].astype({"status": object})
    orders.loc[_pick(_day(orders, "order_date", day), 0.5, rng), "status"] = "lost"
    t["orders"] = orders


def duplicate_order_ids(t: Tables, day: int, rng: np.random.Generator) -> None:
    orders = t["orders"]
    t["orders"] = pd.concat([orders, orders[_pick(_day(orders, "order_date", day), 0.05, rng, 1)]])


def volume_spike(t: Tables, day: int, rng: np.random.Generator) -> None:
    orders, payments = t["orders"], t["payments"]
    day_orders = orders[_day(orders, "order_date", day)]
    day_payments = payments[payments["order_id"].isin(set(day_orders["id"]))]
    next_order = int(orders["id"].max()) + 1
    next_payment = int(payments["id"].max()) + 1
    new_orders, new_payments = [orders], [payments]
    for _ in range(2):  # 3x the day's orders: two copies with new ids, with their payments
        ids = dict(zip(day_orders["id"], range(next_order, next_order + len(day_orders))))
        new_orders.append(day_orders.assign(id=day_orders["id"].map(ids)))
        new_payments.append(
            day_payments.assign(
                order_id=day_payments["order_id"].map(ids),
                id=range(next_payment, next_payment + len(day_payments)),
            )
        )
        next_order += len(day_orders)
        next_payment += len(day_payments)
    t["orders"], t["payments"] = pd.concat(new_orders), pd.concat(new_payments)


def volume_drop(t: Tables, day: int, rng: np.random.Generator) -> None:
    _drop_orders(t, _pick(_day(t["orders"], "order_date", day), 0.8, rng))


def hour_shift(t: Tables, day: int, rng: np.random.Generator) -> None:
    orders = t["orders"]
    hit = _day(orders, "order_date", day)
    late = pd.Timestamp(CALENDAR[day]) + pd.Timedelta(hours=23)
    seconds = pd.to_timedelta(rng.integers(0, 3600, int(hit.sum())), unit="s")
    orders = orders.astype({"order_date": object})
    orders.loc[hit, "order_date"] = list(late + seconds)
    t["orders"] = orders


def amount_shift(t: Tables, day: int, rng: np.random.Generator) -> None:
    hit = _payments_of(t, _day(t["orders"], "order_date", day))
    t["payments"].loc[hit, "amount"] = t["payments"].loc[hit, "amount"] * 4


def zero_amounts(t: Tables, day: int, rng: np.random.Generator) -> None:
    hit = _pick(_payments_of(t, _day(t["orders"], "order_date", day)), 0.3, rng)
    t["payments"].loc[hit, "amount"] = 0


def method_mix_shift(t: Tables, day: int, rng: np.random.Generator) -> None:
    payments = t["payments"]
    hit = _pick(_payments_of(t, _day(t["orders"], "order_date", day)), 0.7, rng)
    payments.loc[hit, "payment_method"] = "coupon"


def blank_first_names(t: Tables, day: int, rng: np.random.Generator) -> None:
    customers = t["customers"]
    customers.loc[_pick(_new_customers(t, day), 0.5, rng), "first_name"] = "  "


def names_swapped(t: Tables, day: int, rng: np.random.Generator) -> None:
    customers = t["customers"]
    named = (customers["first_name"].fillna("").str.strip() != "") & (
        customers["last_name"].fillna("").str.strip() != ""
    )
    hit = _pick(_new_customers(t, day) & named, 0.5, rng)
    firsts = customers.loc[hit, "first_name"].to_numpy()
    customers.loc[hit, "first_name"] = customers.loc[hit, "last_name"].to_numpy()
    customers.loc[hit, "last_name"] = firsts


def shared_email(t: Tables, day: int, rng: np.random.Generator) -> None:
    signups = t["signups"]
    signups.loc[_day(signups, "signup_date", day), "user_email"] = "abcd@example.com"


def duplicate_signup_ids(t: Tables, day: int, rng: np.random.Generator) -> None:
    signups = t["signups"]
    t["signups"] = pd.concat(
        [signups, signups[_pick(_day(signups, "signup_date", day), 0.05, rng, 1)]]
    )


def customers_without_signup(t: Tables, day: int, rng: np.random.Generator) -> None:
    signups = t["signups"]
    t["signups"] = signups[~_pick(_day(signups, "signup_date", day), 0.1, rng, 1)]


def orphan_signups(t: Tables, day: int, rng: np.random.Generator) -> None:
    signups = t["signups"]
    hit = _pick(_day(signups, "signup_date", day), 0.1, rng, 1)
    missing = int(t["customers"]["id"].max()) + 1000
    signups.loc[hit, "user_id"] = range(missing, missing + int(hit.sum()))


INJECTORS: dict[str, Callable[[Tables, int, np.random.Generator], None]] = {
    f.__name__: f
    for f in (
        freshness_gap,
        schema_change,
        invalid_status,
        duplicate_order_ids,
        volume_spike,
        volume_drop,
        hour_shift,
        amount_shift,
        zero_amounts,
        method_mix_shift,
        blank_first_names,
        names_swapped,
        shared_email,
        duplicate_signup_ids,
        customers_without_signup,
        orphan_signups,
    )
}


def _planted(kind: str, day: int, *tests: str) -> Planted:
    return Planted(kind, day, frozenset(tests))


# The default anomaly set and the tests that must fail for each. Besides the tests named in
# anomalies.json, some anomalies also (rightly) fail a neighbouring test; those are listed too:
# - schema_change: the day's payments lose their order, so the day has no dated payments;
# - zero_amounts on the day of schema_change: for the same reason payments_zero_amount_rate
#   cannot see them; the row-level stg_payments_amount_positive_unless_coupon does (a zero
#   amount is only legitimate as a full-value coupon, which the planted ones mostly are not);
# - duplicate_signup_ids: the copied row repeats the customer and the email;
# - orphan_signups: the customers whose signups were re-pointed have no signup left.
DEFAULT_ANOMALIES = (
    _planted(
        "freshness_gap", -1, "orders_freshness", "orders_daily_volume", "payments_daily_volume"
    ),
    _planted(
        "schema_change",
        -2,
        "raw_orders_schema",
        "validation_raw_orders_types",
        "stg_orders_order_id_not_null",
        "stg_payments_order_id_relationships",
        "payments_daily_volume",
    ),
    _planted("invalid_status", -3, "stg_orders_status_accepted_values"),
    _planted("duplicate_order_ids", -3, "stg_orders_order_id_unique"),
    _planted("volume_spike", -4, "orders_daily_volume", "payments_daily_volume"),
    _planted("volume_drop", -5, "orders_daily_volume", "payments_daily_volume"),
    _planted("hour_shift", -6, "orders_hour_of_day"),
    _planted("amount_shift", -6, "payments_amount_average"),
    _planted("zero_amounts", -2, "stg_payments_amount_positive_unless_coupon"),
    _planted("method_mix_shift", -5, "payments_method_mix"),
    _planted("blank_first_names", -3, "customers_first_name_blank_rate"),
    _planted("names_swapped", -2, "customers_names_swapped"),
    _planted("shared_email", -4, "stg_signups_email_unique", "signups_email_distinct_rate"),
    _planted(
        "duplicate_signup_ids",
        -3,
        "stg_signups_signup_id_unique",
        "stg_signups_customer_id_unique",
        "stg_signups_email_unique",
    ),
    _planted("customers_without_signup", -5, "stg_customers_has_signup"),
    _planted(
        "orphan_signups",
        -6,
        "stg_signups_customer_id_relationships",
        "stg_customers_has_signup",
    ),
)


def plant(tables: Tables, anomalies: tuple[Planted, ...], seed: int) -> Tables:
    """A copy of the validation `tables` with `anomalies` planted, in order, except that a schema
    change comes last (the other injectors find a day's payments through integer order ids)."""
    rng = np.random.default_rng(seed)
    out = {name: frame.copy().reset_index(drop=True) for name, frame in tables.items()}
    for anomaly in sorted(anomalies, key=lambda a: a.kind == "schema_change"):
        INJECTORS[anomaly.kind](out, anomaly.day, rng)
        out = {name: frame.reset_index(drop=True) for name, frame in out.items()}
    return out


# -- the shared run ------------------------------------------------------------------------------


def write_seed(out: Path, name: str, frame: pd.DataFrame) -> None:
    path = out / RunFolder.table_relpath(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame[list(TABLES[name].columns)].to_csv(path, index=False, date_format="%Y-%m-%d %H:%M:%S")


def write_validation(out: Path, tables: Tables) -> None:
    for table in ACCOUNT_TABLES:
        write_seed(out, f"raw_{table}_validation", tables[table])


@dataclass
class Run:
    out: Path
    runner: DbtRunner
    validation: Tables  # clean

    @property
    def database(self) -> Path:
        assert self.runner.database_path is not None
        return self.runner.database_path

    def seeds(self, flavour: str) -> list[str]:
        groups = TRAINING_GROUPS if flavour == "training" else ("validation",)
        return sorted(p.stem for g in groups for p in (self.out / "seeds" / g).glob("*.csv"))

    def refresh(self, flavour: str = "training", **vars: object) -> DbtResult:
        """The simulator's daily build of `flavour`, every seed changed."""
        select = selection(flavour, self.seeds(flavour))
        return self.runner.build(select=select, vars={"simulated_now": NOW, **vars})

    def failing_days(self, test: str) -> set[int]:
        """Days (-1 = the last) of the rows a test stored with --store-failures."""
        self.runner.close()
        con = duckdb.connect(str(self.database), read_only=True)
        try:
            dates = con.sql(f"select distinct activity_date from dbt_test__audit.{test}").fetchall()
        finally:
            con.close()
        return {CALENDAR.index(d) - DAYS for (d,) in dates}


def late_order_ids(result: SimulationResult) -> set[int]:
    """The orders that arrive after NOW (the noise floor's late rows of the last day)."""
    orders = result.events["order_placed"]
    delay = pd.to_timedelta(orders.delivery_delay_seconds.astype("int64"), unit="s")
    arrived = orders.ordered_at + delay
    return set(orders.order_id[arrived >= pd.Timestamp(NOW, tz="UTC")].astype(int))


def as_delivered(result: SimulationResult, flavour: str) -> dict[str, pd.DataFrame]:
    """The raw tables as a loader holds them at NOW: the late orders of the last day, and their
    payments, are still to come."""
    late = late_order_ids(result)
    tables = dict(result.tables)
    orders, payments = f"raw_orders_{flavour}", f"raw_payments_{flavour}"
    tables[orders] = tables[orders][~tables[orders]["id"].isin(late)]
    tables[payments] = tables[payments][~tables[payments]["order_id"].isin(late)]
    return tables


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    out = tmp_path_factory.mktemp("anomalies")
    training = simulate(days=DAYS, seed=SEED, end_date=END, flavour="training")
    validation = simulate(days=DAYS, seed=SEED, end_date=END, flavour="validation")
    assert late_order_ids(training) and late_order_ids(validation)  # the floor's late rows
    for name, frame in as_delivered(training, "training").items():
        write_seed(out, name, frame)
    delivered = as_delivered(validation, "validation")
    clean = {t: delivered[f"raw_{t}_validation"] for t in ACCOUNT_TABLES}
    write_validation(out, clean)
    runner = DbtRunner.for_run_folder(out)
    yield Run(out, runner, clean)
    runner.close()


def failed(result: DbtResult) -> set[str]:
    return {n.name for n in result.failed}


@pytest.fixture(scope="module")
def training_refresh(run: Run) -> DbtResult:
    return run.refresh()


@pytest.fixture(scope="module")
def clean_validation_refresh(run: Run, training_refresh: DbtResult) -> DbtResult:
    return run.refresh("validation")


@pytest.fixture(scope="module")
def anomalous_validation_test(run: Run, clean_validation_refresh: DbtResult) -> DbtResult:
    write_validation(run.out, plant(run.validation, DEFAULT_ANOMALIES, SEED))
    now = {"simulated_now": NOW}
    assert run.runner.invoke("seed", select="tag:validation", vars=now).success
    assert run.runner.invoke("run", select="tag:validation", vars=now).success
    return run.runner.invoke(
        "test", select="tag:validation", vars=now, extra_args=["--store-failures"]
    )


# -- fast ------------------------------------------------------------------------------------


def test_the_planted_anomalies_cover_the_default_set() -> None:
    assert {a.kind for a in DEFAULT_ANOMALIES} == set(INJECTORS)
    assert {a.day for a in DEFAULT_ANOMALIES} == {-1, -2, -3, -4, -5, -6}


# -- slow: real dbt --------------------------------------------------------------------------


@pytest.mark.slow
def test_every_detection_test_exists_and_passes_on_training_data(
    training_refresh: DbtResult,
) -> None:
    assert failed(training_refresh) == set()
    tested = {n.name for n in training_refresh.nodes}
    assert tested >= DETECTION_TESTS | NAMED_STAGING_TESTS


@pytest.mark.slow
def test_the_training_build_is_green_over_the_noise_floor(
    run: Run, training_refresh: DbtResult
) -> None:
    """The default floor is in the seeds (sessions delivered twice, blank first names, full-value
    coupons) and the build above passed: staging keeps one row per session and the rates stay
    within their training baseline."""
    assert failed(training_refresh) == set()
    run.runner.close()
    con = duckdb.connect(str(run.database), read_only=True)
    try:
        raw_sessions, staged, distinct, mart = con.sql(
            "select (select count(*) from raw.stg_website_sessions)"
            " + (select count(*) from raw.stg_app_sessions),"
            " (select count(*) from main.stg_sessions),"
            " (select count(distinct session_id) from main.stg_sessions),"
            " (select count(*) from main.sessions)"
        ).fetchall()[0]
        blank, zero, zero_not_coupon = con.sql(
            "select (select count(*) from main.stg_customers"
            "        where first_name is null or trim(first_name) = ''),"
            " (select count(*) from main.stg_payments where amount_cents = 0),"
            " (select count(*) from main.stg_payments"
            "        where amount_cents = 0 and payment_method <> 'coupon')"
        ).fetchall()[0]
    finally:
        con.close()
    assert raw_sessions > staged == distinct == mart
    assert blank > 0 and zero > 0 and zero_not_coupon == 0


@pytest.mark.slow
def test_without_a_floor_the_training_build_is_green_too(tmp_path: Path) -> None:
    """A floor of 0 (a perfect zero baseline) raises no alarm either."""
    no_floor = Scenario.default().updated(
        {
            f"quality.{key}": 0.0
            for key in (
                "missing_email_share",
                "blank_first_name_share",
                "zero_amount_order_share",
                "late_order_share",
                "duplicate_session_share",
            )
        }
    )
    days = 5
    training = simulate(no_floor, days=days, seed=SEED, end_date=END, flavour="training")
    for name, frame in training.tables.items():
        write_seed(tmp_path, name, frame)
    for table in ACCOUNT_TABLES:  # the validation seeds must exist to parse: header only
        write_seed(
            tmp_path, f"raw_{table}_validation", training.tables[f"raw_{table}_training"][:0]
        )
    seeds = sorted(p.stem for g in TRAINING_GROUPS for p in (tmp_path / "seeds" / g).glob("*.csv"))
    with DbtRunner.for_run_folder(tmp_path) as runner:
        result = runner.build(select=selection("training", seeds), vars={"simulated_now": NOW})
    assert result.success, [(n.name, n.message) for n in result.failed]
    assert {"customers_first_name_blank_rate", "payments_zero_amount_rate"} <= {
        n.name for n in result.nodes
    }


@pytest.mark.slow
def test_training_data_passes_with_the_shortest_baseline(
    run: Run, training_refresh: object
) -> None:
    """On the fourth simulated day each detection day has exactly three baseline days."""
    now = f"{CALENDAR[3] + dt.timedelta(days=1)} 00:00:00"
    # a build of the tests alone: it reports each check of the anomaly_checks tests
    result = run.runner.build(vars={"simulated_now": now}, select="tag:training,tag:anomaly")
    assert result.success, [(n.name, n.message) for n in result.failed]
    assert len(result.nodes) >= 11


@pytest.mark.slow
def test_clean_validation_data_passes_every_test(clean_validation_refresh: DbtResult) -> None:
    result = clean_validation_refresh
    assert failed(result) == set()
    seeded = {n.name for n in result.nodes if n.resource_type == "seed"}
    assert seeded == {f"raw_{t}_validation" for t in ACCOUNT_TABLES}
    assert "monitored_validation_payments" in {n.name for n in result.nodes}
    assert {n.name for n in result.nodes} >= validation_names(DETECTION_TESTS | NAMED_STAGING_TESTS)


@pytest.mark.slow
def test_anomalies_fail_exactly_the_expected_tests(anomalous_validation_test: DbtResult) -> None:
    expected = set().union(*(validation_names(a.expected_tests) for a in DEFAULT_ANOMALIES))
    assert failed(anomalous_validation_test) == expected


@pytest.mark.slow
def test_detection_tests_fail_on_the_planted_days(
    run: Run, anomalous_validation_test: DbtResult
) -> None:
    planted_days = {
        "orders_daily_volume": {-1, -4, -5},
        "payments_daily_volume": {-1, -2, -4, -5},
        "orders_hour_of_day": {-6},
        "payments_amount_average": {-6},
        "payments_method_mix": {-5},
        "customers_first_name_blank_rate": {-3},
        "customers_names_swapped": {-2},
        "signups_email_distinct_rate": {-4},
    }
    days = {test: run.failing_days(validation_name(test)) for test in planted_days}
    assert days == planted_days


@pytest.mark.slow
def test_detection_days_var_limits_the_days_judged(
    run: Run, anomalous_validation_test: DbtResult
) -> None:
    now = {"simulated_now": NOW, "detection_days": 2}
    result = run.runner.invoke(
        "test", vars=now, select="tag:validation,tag:anomaly", extra_args=["--store-failures"]
    )
    assert result.reused_manifest  # detection_days does not force a new parse
    assert failed(result) == validation_names(
        {
            "orders_freshness",
            "orders_daily_volume",
            "payments_daily_volume",
            "customers_names_swapped",
        }
    )
    assert run.failing_days(validation_name("orders_daily_volume")) == {-1}


@pytest.mark.slow
def test_training_and_validation_builds_share_one_parse(
    run: Run, anomalous_validation_test: DbtResult
) -> None:
    again = run.refresh()  # back to training: both flavours live in the same parsed graph
    assert again.reused_manifest
    assert failed(again) == set()
    # the unit tests passed in the first training build and are not repeated
    assert not any(n.resource_type == "unit_test" for n in again.nodes)
    # and the training models are untouched by the validation builds
    run.runner.close()
    con = duckdb.connect(str(run.database), read_only=True)
    try:
        rows = con.sql("select count(*) from main.stg_orders").fetchall()
        planted = con.sql("select count(*) from main.stg_validation_orders").fetchall()
    finally:
        con.close()
    assert rows[0][0] > 0 and planted[0][0] > 0
