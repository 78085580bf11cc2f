"""`--load parquet`: the Parquet copy of a seed holds what dbt-duckdb's seed load puts in the table
(the same types, nulls and text), and the sources' location template survives odd paths."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from jaffle_sim.warehouse.dbt_project import bundled_project_dir
from jaffle_sim.warehouse.raw_parquet import (
    ParquetLoadError,
    arrow_type,
    external_location,
    seed_column_types,
    write_parquet,
)

CSV = (
    '"id","name","at","day","cost","n"\n'
    '1,"Ann","2026-03-01 10:00:00",2026-03-01,12.50,3\n'
    '2,"","2026-03-01 11:30:05",2026-03-02,0.10,\n'
    '3,"  ",,2026-03-03,,7\n'
    '4,None,"2026-03-02 00:00:00",2026-03-04,1.00,0\n'
    '5,"null","2026-03-02 00:00:01",,3.33,1\n'
    '6,"x, ""quoted""",2026-03-02 23:59:59,2026-03-05,99999.99,2\n'
)
TYPES = {
    "id": "integer",
    "name": "varchar",
    "at": "timestamp",
    "day": "date",
    "cost": "decimal(12, 2)",
    "n": "integer",
}


def test_a_parquet_copy_reads_back_as_the_seed_table(tmp_path: Path) -> None:
    csv, parquet = tmp_path / "t.csv", tmp_path / "t.parquet"
    csv.write_text(CSV)
    assert write_parquet(csv, parquet, TYPES) == 6
    con = duckdb.connect()
    columns = ", ".join(f'"{c}" {t}' for c, t in TYPES.items())
    con.execute(f"create table seeded ({columns})")
    # what dbt-duckdb's seed materialization runs (macro duckdb__load_csv_rows)
    con.execute(f"copy seeded from '{csv}' (format csv, header true, delimiter ',')")
    con.execute(f"create view copied as select * from read_parquet('{parquet}')")
    described = [con.execute(f"describe {t}").fetchall() for t in ("seeded", "copied")]
    assert [r[:2] for r in described[0]] == [r[:2] for r in described[1]]
    seeded = con.execute("select * from seeded order by id").fetchall()
    assert con.execute("select * from copied order by id").fetchall() == seeded
    assert [r[1] for r in seeded] == ["Ann", None, "  ", "None", "null", 'x, "quoted"']


def test_the_projects_seeds_declare_types_parquet_can_hold() -> None:
    types = seed_column_types(bundled_project_dir())
    assert len(types) == 14
    for name, columns in types.items():
        # the validation tables get the types a loader infers from the file
        assert (not columns) == name.endswith("_validation"), name
        for sql_type in columns.values():
            arrow_type(sql_type)


def test_a_table_without_declared_types_gets_the_types_of_its_file(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    clean, changed = tmp_path / "clean.csv", tmp_path / "changed.csv"
    clean.write_text('"id","user_id","order_date","status"\n1,7,2026-06-01 10:00:00,"placed"\n')
    changed.write_text(clean.read_text() + '"ID-2",8,2026-06-01 11:00:00,"placed"\n')
    write_parquet(clean, tmp_path / "clean.parquet", {})
    write_parquet(changed, tmp_path / "changed.parquet", {})
    clean_schema = pq.read_schema(tmp_path / "clean.parquet")
    changed_schema = pq.read_schema(tmp_path / "changed.parquet")
    assert str(clean_schema.field("id").type) == "int64"
    assert str(changed_schema.field("id").type) == "string"  # the schema change, as a type
    assert str(changed_schema.field("order_date").type).startswith("timestamp")


def test_an_unknown_type_is_refused() -> None:
    with pytest.raises(ParquetLoadError, match="interval"):
        arrow_type("interval")


def test_the_location_template_escapes_quotes_and_braces(tmp_path: Path) -> None:
    folder = tmp_path / "it's {odd}"
    template = external_location(folder)
    location = template.format_map({"identifier": "raw_orders_training"})
    assert location == (
        f"read_parquet('{str(folder.resolve()).replace(chr(39), chr(39) * 2)}"
        "/raw_orders_training.parquet')"
    )
