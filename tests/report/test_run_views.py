"""`open_run` and `jaffle-sim query`: a run's tables and event kinds as read-only DuckDB views."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from jaffle_sim import open_run
from jaffle_sim.cli import main
from jaffle_sim.events import EVENT_TYPES, PLATFORMS, SITES
from jaffle_sim.output.contract import TABLES
from jaffle_sim.output.manifest import RunManifest
from jaffle_sim.settings import BadInput

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_query() -> str:
    """The README's `jaffle-sim query` example: a customer from the first click to the orders."""
    text = README.read_text(encoding="utf-8")
    match = re.search(r'```bash\njaffle-sim query jaffle-sim-out "\n(.*?)"\n```', text, re.S)
    assert match, "the README has no `jaffle-sim query jaffle-sim-out` example"
    return match.group(1)


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


def test_the_readmes_first_click_to_orders_query_follows_new_customers(run_dir: Path):
    con = open_run(run_dir)
    rows = con.sql(readme_query()).fetchall()
    assert len(rows) == 3
    for customer_id, platform, first_click_at, signed_up_at, orders, revenue in rows:
        assert platform in PLATFORMS
        assert first_click_at <= signed_up_at
        placed, paid = con.execute(
            "select count(distinct o.order_id), sum(p.amount_cents) / 100 from order_placed o "
            "join payment_made p using (order_id, flavour) "
            f"where o.flavour = 'training' and o.customer_id = {customer_id}"
        ).fetchone() or (0, 0)
        assert (placed, paid) == (orders, revenue) and orders > 0


def test_a_column_name_means_one_thing_in_every_kind(run_dir: Path):
    """Columns shared by kinds hold the same kind of value: ad platforms in `platform`, a
    session's site in `site`, an order's total in `total_cents` and a payment's amount in
    `amount_cents` (an order's payments sum to its total)."""
    con = open_run(run_dir)
    for kind in ("ad_launched", "ad_day", "click"):
        got = {r[0] for r in con.execute(f"select distinct platform from {kind}").fetchall()}
        assert got == set(PLATFORMS), kind
    sites = {r[0] for r in con.execute("select distinct site from session").fetchall()}
    assert sites == set(SITES)
    columns = {
        kind: {r[0] for r in con.execute(f"describe {kind}").fetchall()} for kind in EVENT_TYPES
    }
    assert [k for k, cols in columns.items() if "platform" in cols] == [
        "ad_launched",
        "ad_day",
        "click",
    ]
    assert [k for k, cols in columns.items() if "amount_cents" in cols] == ["payment_made"]
    mismatched = con.execute(
        "select count(*) from order_placed o join (select flavour, order_id, "
        "sum(amount_cents) as paid from payment_made group by all) p using (flavour, order_id) "
        "where p.paid <> o.total_cents"
    ).fetchone()
    assert mismatched == (0,)


def test_every_order_has_a_placed_status_change_at_its_order_time(run_dir: Path):
    con = open_run(run_dir)
    orders, placed, first = con.execute(
        """
        with placed as (
          select flavour, order_id, changed_at from order_status_changed where status = 'placed'),
        first_change as (
          select flavour, order_id, arg_min(status, changed_at) as status
          from order_status_changed group by all)
        select count(*), count(p.order_id) filter (where p.changed_at = o.ordered_at),
               count(*) filter (where f.status = 'placed')
        from order_placed o
        left join placed p using (flavour, order_id)
        left join first_change f using (flavour, order_id)
        """
    ).fetchone() or (0, 0, 0)
    assert orders > 0 and placed == orders and first == orders
    twice = con.execute(
        "select count(*) from (select flavour, order_id from order_status_changed "
        "where status = 'placed' group by all having count(*) > 1)"
    ).fetchone()
    assert twice == (0,)


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


def test_open_run_refuses_a_complete_run_whose_table_was_truncated(
    run_dir: Path, tmp_path: Path
) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(run_dir, copy)
    table = copy / "seeds" / "training" / "raw_orders_training.csv"
    table.write_bytes(table.read_bytes()[:100])
    with pytest.raises(BadInput, match=r"is damaged: seeds/training/raw_orders_training\.csv"):
        open_run(copy)
    assert open_run(copy, with_views=False) is not None  # a caller that reads its own files
