"""The event log is partitioned by the date of each event: the history a run starts from is in
partitions of its own dates, and every row's event date is its partition's."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from jaffle_sim.cli import main
from jaffle_sim.clock import DAY, Calendar
from jaffle_sim.events import EVENT_TYPES, EventLog, SignedUp
from jaffle_sim.output.event_log import EVENT_DATE, ParquetEventLog
from jaffle_sim.output.run_folder import RunFolder
from jaffle_sim.simulation.default_scenario import default_scenario
from jaffle_sim.simulation.hooks import RunInfo

END = dt.date(2026, 3, 15)


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("log") / "out"
    args = ["generate", "all", "--days", "3", "--end-date", END.isoformat(), "--out", str(out)]
    assert main([*args, "--shards", "2", "--workers", "1", "--quiet", "--no-report"]) == 0
    return out


def kind_rows(out: Path, kind: str, where: str) -> int:
    files = f"'{out}/events/kind={kind}/*/*/*.parquet'"
    query = f"select count(*) from read_parquet({files}, hive_partitioning = true) where {where}"
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")  # the date of a UTC timestamp, on any machine
        (n,) = con.execute(query).fetchone() or (0,)
    return int(n)


def test_every_kind_has_its_event_date_column() -> None:
    assert set(EVENT_DATE) == set(EVENT_TYPES)
    for kind, column in EVENT_DATE.items():
        assert column in EVENT_TYPES[kind]._fields, kind


@pytest.mark.parametrize("kind", list(EVENT_DATE))
def test_every_rows_event_date_is_its_partitions_date(logged: Path, kind: str) -> None:
    column = EVENT_DATE[kind]
    total = kind_rows(logged, kind, "true")
    assert total > 0
    assert kind_rows(logged, kind, f"cast({column} as date) = date") == total
    assert kind_rows(logged, kind, f"cast({column} as date) <> date") == 0


def test_the_history_is_in_partitions_before_the_first_day(logged: Path) -> None:
    start = END - dt.timedelta(days=2)
    manifest = json.loads((logged / "run_manifest.json").read_text())
    existing = default_scenario().customers.existing_customers
    for flavour in ("training", "validation"):
        root = logged / "events" / "kind=signed_up" / f"flavour={flavour}"
        dates = [dt.date.fromisoformat(p.name.removeprefix("date=")) for p in root.iterdir()]
        assert min(dates) < start - dt.timedelta(days=7) and max(dates) == END
        before = kind_rows(logged, "signed_up", f"flavour = '{flavour}' and date < '{start}'")
        assert before == existing
        logged_rows = manifest["event_log"]["rows"][flavour]["signed_up"]
        assert kind_rows(logged, "signed_up", f"flavour = '{flavour}'") == logged_rows
    assert kind_rows(logged, "session", f"date < '{start}'") > 0  # the evening before day 0
    assert kind_rows(logged, "order_placed", f"date < '{start}'") == 0


def signed_up(customer: int, at: int) -> SignedUp:
    return SignedUp(customer, customer, customer, None, "A", "B", None, "x", at)


def test_a_days_events_go_to_their_dates_and_an_earlier_day_after_day_0_is_refused(
    tmp_path: Path,
) -> None:
    calendar = Calendar(END, 3)
    hook = ParquetEventLog(RunFolder(tmp_path))
    hook.start(RunInfo(1, "training", calendar, default_scenario()))
    log = EventLog()
    for customer, at in enumerate((-3 * DAY, -1, 0, DAY - 1), start=1):
        log.record(signed_up(customer, at))
    hook.day(calendar.day(0), log.drain())
    root = tmp_path / "events" / "kind=signed_up" / "flavour=training"
    got = {
        p.parent.name: duckdb.execute(f"select signup_id from '{p}'").fetchall()
        for p in sorted(root.glob("*/*.parquet"))
    }
    assert got == {
        "date=2026-03-10": [(1,)],
        "date=2026-03-12": [(2,)],
        "date=2026-03-13": [(3,), (4,)],
    }
    assert hook.rows["signed_up"] == 4
    log.record(signed_up(5, DAY - 1))
    with pytest.raises(ValueError, match="signed_up event of day 0 was logged on day 1"):
        hook.day(calendar.day(1), log.drain())


def test_a_run_interrupted_within_its_history_reads_as_its_first_day(
    logged: Path, tmp_path: Path
) -> None:
    import shutil

    from jaffle_sim.output.manifest import RunManifest
    from jaffle_sim.report.run_data import RunData

    out = tmp_path / "out"
    shutil.copytree(logged, out)
    start = END - dt.timedelta(days=2)
    for part in out.glob("events/*/*/date=*"):
        if part.name >= f"date={start}":
            shutil.rmtree(part)
    manifest = RunManifest.load(out / "run_manifest.json")
    assert manifest is not None
    manifest.status, manifest.daily = "interrupted", []
    manifest.dump(out / "run_manifest.json")
    data = RunData.from_folder(out)
    assert data.days == 1
    signed_up, latest = data.one("select count(*), max(signed_up_at) from ev.signed_up")
    assert signed_up == default_scenario().customers.existing_customers and latest < 0
