"""Reading the days Elementary flagged from a run's embedded warehouse (`elementary_flags`): the
tables are written here in the shape Elementary 0.25.1 gives them (`elementary_test_results`, and
`test_result_rows` holding one JSON row per bucket or per schema change)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from jaffle_sim.validation.scoring import elementary_flags


def warehouse(path: Path, results: list[tuple[str, str, str, list[dict[str, object]]]]) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema elementary")
        con.execute(
            "create table elementary.elementary_test_results "
            "(id varchar, test_name varchar, status varchar, detected_at timestamp)"
        )
        con.execute(
            "create table elementary.test_result_rows "
            "(elementary_test_results_id varchar, result_row varchar)"
        )
        for n, (name, status, detected_at, rows) in enumerate(results):
            con.execute(
                "insert into elementary.elementary_test_results values (?, ?, ?, ?)",
                [str(n), name, status, detected_at],
            )
            for row in rows:
                con.execute(
                    "insert into elementary.test_result_rows values (?, ?)",
                    [str(n), json.dumps(row)],
                )
    return path


def bucket(day: str, anomalous: bool) -> dict[str, object]:
    return {"bucket_start": f"{day} 00:00:00", "is_anomalous": anomalous}


def test_days_of_every_failed_result_count_and_a_schema_change_counts_on_its_own(
    tmp_path: Path,
) -> None:
    volume = "elementary_validation_orders_volume"
    schema = "elementary_validation_raw_orders_schema"
    db = warehouse(
        tmp_path / "warehouse.duckdb",
        [
            # an earlier validation run flagged a day; the last one passed
            (volume, "fail", "2026-03-09 10:00:00", [bucket("2026-03-08", True)]),
            (volume, "pass", "2026-03-15 10:00:00", []),
            (schema, "fail", "2026-03-15 10:00:00", [{"test_sub_type": "type_changed"}]),
            ("elementary_validation_orders_hour_average", "pass", "2026-03-15 10:00:00", []),
            (
                "elementary_validation_payments_volume",
                "fail",
                "2026-03-15 10:00:00",
                [bucket("2026-03-13", False), bucket("2026-03-14", True)],
            ),
            (
                "elementary_orders_volume",
                "fail",
                "2026-03-15 10:00:00",
                [bucket("2026-03-01", True)],
            ),
        ],
    )
    assert elementary_flags(db) == {
        volume: {"2026-03-08"},
        schema: None,
        "elementary_validation_payments_volume": {"2026-03-14"},
    }


def test_no_warehouse_or_no_elementary_results_is_none(tmp_path: Path) -> None:
    assert elementary_flags(tmp_path / "missing.duckdb") is None
    with duckdb.connect(str(tmp_path / "plain.duckdb")) as con:
        con.execute("create table t (x int)")
    assert elementary_flags(tmp_path / "plain.duckdb") is None
