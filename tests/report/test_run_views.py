"""`open_run` and `jaffle-sim query`: a run's tables and event kinds as read-only DuckDB views."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jaffle_sim import open_run
from jaffle_sim.cli import main
from jaffle_sim.output.contract import TABLES
from jaffle_sim.output.manifest import RunManifest
from jaffle_sim.settings import BadInput

# The README's query: a customer from the first click to the orders.
FIRST_CLICK_TO_ORDERS = """
with first_click as (
  select visitor_id, flavour, min(clicked_at) as first_click_at,
         arg_min(platform, clicked_at) as platform
  from click group by all)
select j.customer_id, f.platform, f.first_click_at, j.converted_at as signed_up_at,
       count(o.order_id) as orders, sum(o.amount_cents) / 100 as revenue
from journey_converted j
join first_click f using (visitor_id, flavour)
left join order_placed o using (customer_id, flavour)
where j.flavour = 'training'
group by all order by orders desc, j.customer_id limit 3
"""


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_every_table_and_event_kind_is_a_view_with_the_rows_the_manifest_lists(run_dir: Path):
    manifest = RunManifest.load(run_dir / "run_manifest.json")
    con = open_run(run_dir)
    for name, record in manifest.tables.items():
        assert name in TABLES
        assert con.execute(f'select count(*) from "{name}"').fetchone() == (record.rows,), name
    assert manifest.event_log is not None
    for flavour, kinds in manifest.event_log.items():
        for kind, rows in kinds.items():
            got = con.execute(f"select count(*) from \"{kind}\" where flavour = '{flavour}'")
            assert got.fetchone() == (rows,), (flavour, kind)


def test_the_first_click_to_orders_query_follows_new_customers(run_dir: Path):
    con = open_run(run_dir)
    rows = con.sql(FIRST_CLICK_TO_ORDERS).fetchall()
    assert len(rows) == 3
    for customer_id, platform, first_click_at, signed_up_at, orders, _revenue in rows:
        assert platform in ("google", "facebook", "instagram")
        assert first_click_at <= signed_up_at
        placed = con.execute(
            f"select count(*) from order_placed where flavour = 'training' "
            f"and customer_id = {customer_id}"
        ).fetchone()
        assert placed == (orders,)


def test_nothing_outside_the_run_can_be_read_or_written(run_dir: Path, tmp_path: Path):
    outside = tmp_path / "outside.csv"
    outside.write_text("a\n1\n")
    con = open_run(run_dir)
    with pytest.raises(Exception, match="disabled by configuration"):
        con.sql(f"select * from read_csv('{outside}')").fetchall()
    with pytest.raises(Exception, match="disabled by configuration"):
        con.execute(f"copy (select 1) to '{tmp_path / 'copy.csv'}'")
    with pytest.raises(Exception, match="lock"):
        con.execute("set enable_external_access = true")
    assert not (tmp_path / "copy.csv").exists()


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("copy raw_orders_training to 'orders.csv'", "one read-only statement"),
        ("select 1; select 2", "one read-only statement"),
        ("select * from no_such_view", "no_such_view"),
        ("selec 1", "syntax"),
    ],
)
def test_a_bad_query_is_one_line_exit_2_and_changes_nothing(
    run_dir: Path, sql: str, message: str, capsys: pytest.CaptureFixture[str]
):
    before = snapshot(run_dir)
    assert main(["query", str(run_dir), sql]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err.lower()
    assert snapshot(run_dir) == before


def test_query_prints_csv_and_json(run_dir: Path, capsys: pytest.CaptureFixture[str]):
    sql = "select flavour, count(*) as n from order_placed group by 1 order by 1"
    assert main(["query", str(run_dir), sql, "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "flavour,n" and [line.split(",")[0] for line in lines[1:]] == [
        "training",
        "validation",
    ]
    assert main(["query", str(run_dir), sql, "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["flavour"] for r in records] == ["training", "validation"] and records[0]["n"] > 0


def test_a_folder_that_is_not_a_run_is_refused(tmp_path: Path):
    with pytest.raises(BadInput, match="not a run folder"):
        open_run(tmp_path)
