"""The validation flavour: its shard spills its clean rows, and `ValidationTables` publishes the
four tables with the anomalies planted and a ground truth listing each of them."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from jaffle_sim import simulate
from jaffle_sim.clock import Calendar
from jaffle_sim.output.contract import ACCOUNT_TABLES, TABLES, account_tables
from jaffle_sim.output.run_folder import RunFolder
from jaffle_sim.output.spill import TableSpill, write_csv_rows
from jaffle_sim.simulation.runner import Runner, Simulation
from jaffle_sim.simulation.scenario import Scenario
from jaffle_sim.simulation.shards import Shard
from jaffle_sim.validation import ground_truth
from jaffle_sim.validation.anomalies import DEFAULT_ANOMALIES, KINDS, Anomaly, Tables, inject
from jaffle_sim.validation.flavour import ValidationTables, Window
from tests.validation.conftest import END

DAYS = 8
SEED = 4


def run(out: Path, every: int = 0) -> tuple[ValidationTables, list[object], Tables]:
    """Run the validation flavour through the hook into `out`; returns the hook, what it had
    published after each day and its clean tables on the last day."""
    folder, calendar = RunFolder(out), Calendar(END, DAYS)
    hook = ValidationTables(folder, DEFAULT_ANOMALIES, every, SEED, calendar)
    spill = TableSpill(folder, account_tables("validation"), 0, arrow=True, publish_every=every)
    sim = Simulation(Scenario.default(), calendar, SEED, "validation")
    published, clean = [], None
    for day, _ in Runner([sim], {"validation": [spill]}).days():
        if hook.due(day):
            hook.publish(day.date)
        published.append(hook.published_through)
        if day.index == DAYS - 1:
            clean = hook.clean_tables()
    assert clean is not None
    return hook, published, clean


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ValidationTables, Tables]:
    out = tmp_path_factory.mktemp("validation")
    hook, after_each_day, clean = run(out)
    assert after_each_day == [None] * (DAYS - 1) + [END]
    return out, hook, clean


def test_the_ground_truth_lists_every_planted_anomaly(published) -> None:
    out, hook, _ = published
    truth = ground_truth.load(RunFolder(out).anomalies)
    assert (truth.seed, truth.end_date, truth.published_through) == (SEED, END, END)
    assert [a.id for a in truth.anomalies] == [f"a{i:02d}" for i in range(1, 17)]
    assert [a.kind for a in truth.anomalies] == [a.kind for a in DEFAULT_ANOMALIES]
    for record in truth.anomalies:
        assert record.rows > 0, record.id
        assert record.table == f"raw_{KINDS[record.kind].table}_validation"
        assert record.expected_tests == KINDS[record.kind].expected_tests
        assert record.detected is None and record.detected_by is None
    assert truth.anomalies == tuple(p.record() for p in hook.planted)


def test_the_tables_are_published_with_their_row_counts(published) -> None:
    out, hook, _ = published
    folder = RunFolder(out)
    assert hook.published_tables == list(account_tables("validation"))
    for name in account_tables("validation"):
        frame = pd.read_csv(folder.table(name), dtype=str, keep_default_na=False)
        assert tuple(frame.columns) == TABLES[name].columns
        assert len(frame) == hook.rows[name] > 0
    orders = pd.read_csv(folder.table("raw_orders_validation"), dtype=str)
    assert orders.id.str.startswith("ID-").any()  # the schema change is in the file
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [folder.anomalies.name, folder.seeds.name, folder.staging.name]
    )  # nothing else (the pipeline removes the staging folder at the end of a run)


def test_the_clean_rows_come_back_from_the_spill_unchanged(published) -> None:
    """What the hook keeps on disk between publishes is what the simulation produced."""
    _, _, clean = published
    r = simulate(days=DAYS, seed=SEED, end_date=END, flavour="validation")
    for table in ACCOUNT_TABLES:
        expected = r.tables[f"raw_{table}_validation"]
        pd.testing.assert_frame_equal(
            getattr(clean, table).reset_index(drop=True),
            expected.reset_index(drop=True),
            check_dtype=False,
        )


def test_publishing_every_few_days_ends_with_the_same_files(published, tmp_path: Path) -> None:
    out, _, _ = published
    hook, after_each_day, _ = run(tmp_path, every=3)
    days = Calendar(END, DAYS)
    dates = [d.date for d in days]
    assert after_each_day == [None, None, dates[2], dates[2], dates[2], dates[5], dates[5], END]
    for name in (*account_tables("validation"),):
        assert hook.folder.table(name).read_bytes() == RunFolder(out).table(name).read_bytes()
    assert RunFolder(tmp_path).anomalies.read_bytes() == RunFolder(out).anomalies.read_bytes()


def _lines(table: pa.Table) -> list[bytes]:
    buffer = io.BytesIO()
    write_csv_rows(table, buffer)
    return sorted(buffer.getvalue().splitlines())


def _assert_rows_as_if_planted_whole(hook: ValidationTables, up_to: dt.date) -> None:
    """The published files hold exactly the rows of planting into the whole clean tables."""
    whole, planted = inject(hook.clean_tables(), hook.anomalies, hook._dates, hook.seed, up_to)
    assert [p.record() for p in planted] == [p.record() for p in hook.planted]
    for table, name in zip(ACCOUNT_TABLES, account_tables("validation")):
        expected = _lines(pa.Table.from_pandas(getattr(whole, table), preserve_index=False))
        published = sorted(hook.folder.table(name).read_bytes().splitlines()[1:])
        assert published == expected, name
        assert hook.rows[name] == len(expected)


def test_a_publish_writes_the_rows_of_planting_into_the_whole_tables(published) -> None:
    """Planting only into the anomaly days' rows and streaming the rest changes no row."""
    _, hook, _ = published
    _assert_rows_as_if_planted_whole(hook, END)


@pytest.mark.parametrize("day", [0, 3, -1])
def test_every_kind_on_one_day_is_planted_as_into_the_whole_tables(
    tmp_path: Path, day: int
) -> None:
    """All sixteen kinds on the same day, overlapping, on a run published every 3 days: the
    publish on each due day holds the rows of planting into the whole tables."""
    folder, calendar = RunFolder(tmp_path), Calendar(END, DAYS)
    date = calendar.day(day % DAYS).date
    anomalies = [Anomaly(kind, date) for kind in KINDS]
    hook = ValidationTables(folder, anomalies, 3, SEED, calendar, shards=2)
    spills = [
        TableSpill(folder, account_tables("validation"), i, arrow=True, publish_every=3)
        for i in range(2)
    ]
    sims = [
        Simulation(Scenario.default(), calendar, SEED, "validation", Shard(i, 2)) for i in range(2)
    ]
    runners = [Runner([sim], {"validation": [spill]}) for sim, spill in zip(sims, spills)]
    for runner in runners:
        runner.start()
    checked = 0
    for d in calendar:
        for runner in runners:
            runner.step(d)
        if hook.due(d):
            hook.publish(d.date)
            _assert_rows_as_if_planted_whole(hook, d.date)
            checked += bool(hook.planted)
    assert checked >= 1


def test_a_negative_interval_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="every"):
        ValidationTables(RunFolder(tmp_path), DEFAULT_ANOMALIES, -1, SEED, Calendar(END, 2))


def test_the_window_finds_its_ids_as_a_set_lookup_would() -> None:
    ids = pd.Series([40, 7, 7, 19, None], dtype="Int64")  # unsorted, repeated, a null
    window = Window(set())
    window.remember("orders", pd.DataFrame({"id": ids}))
    part = pa.table({"order_id": pa.array([7, 8, 19, 40, 41, 0, None, 6], pa.int64())})
    expected = [True, False, True, True, False, False, False, False]
    assert window.mask("payments", part).to_pylist() == expected
    assert Window(set()).mask("customers", pa.table({"id": [1, 2]})).to_pylist() == [False] * 2
