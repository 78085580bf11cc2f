import datetime as dt

import pandas as pd
import pyarrow.parquet as pq
import pytest

from jaffle_sim.clock import DAY, HOUR
from jaffle_sim.events import DayEvents, EventLog, OrderPlaced, OrderStatusChanged, PaymentMade
from jaffle_sim.output.run_folder import OutputExists, RunFolder, atomic_file
from jaffle_sim.output.tables import OrderBook, TableStream


def test_atomic_file_leaves_nothing_half_written(tmp_path):
    target = tmp_path / "t.csv"
    target.write_text("old,complete\n")
    with pytest.raises(RuntimeError), atomic_file(target) as fh:
        fh.write(b"new,half")
        raise RuntimeError("crash mid-write")
    assert target.read_text() == "old,complete\n"
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]
    with atomic_file(target) as fh:
        fh.write(b"new\n")
    assert target.read_text() == "new\n"


def test_claim_refuses_existing_outputs_and_overwrite_removes_only_them(tmp_path):
    folder = RunFolder(tmp_path)
    mine = tmp_path / "seeds" / "x.csv"
    mine.parent.mkdir()
    mine.write_text("x")
    other = tmp_path / "seeds" / "user.csv"
    other.write_text("keep")
    with pytest.raises(OutputExists, match=r"seeds/x\.csv"):
        folder.claim([mine], overwrite=False)
    folder.claim([mine], overwrite=True)
    assert not mine.exists() and other.read_text() == "keep"


def _events(log: EventLog) -> DayEvents:
    return log.drain()


def test_order_book_shows_status_as_of_the_day_and_settles_a_prefix():
    book = OrderBook(epoch=0, settle_after=5 * DAY)
    log = EventLog()
    log.record(OrderPlaced(1, 7, 1 * HOUR, 1000, "w1", True))
    log.record(OrderPlaced(2, 8, 2 * HOUR, 500, "a1", True))
    log.record(OrderStatusChanged(1, "placed", 1 * HOUR))
    log.record(OrderStatusChanged(2, "placed", 2 * HOUR))
    log.record(OrderStatusChanged(1, "shipped", 20 * HOUR))
    book.apply(_events(log))
    assert book.live(DAY).column("status").to_pylist() == ["shipped", "placed"]
    assert book.settle(DAY).num_rows == 0
    settled = book.settle(5 * DAY + 90 * 60)  # order 1 is older than 5 days, order 2 not yet
    assert settled.column("id").to_pylist() == [1]
    assert book.live(6 * DAY).column("id").to_pylist() == [2]
    log.record(OrderStatusChanged(1, "returned", 6 * DAY))
    with pytest.raises(RuntimeError, match="after it was settled"):
        book.apply(_events(log))


def test_an_order_takes_its_status_from_its_placed_change_only():
    book = OrderBook(epoch=0, settle_after=5 * DAY)
    log = EventLog()
    log.record(OrderPlaced(1, 7, 1 * HOUR, 1000, "w1", True))
    with pytest.raises(RuntimeError, match="order 1 has no status"):
        book.apply(_events(log))


def test_a_late_order_and_its_payments_reach_the_next_days_file():
    """The noise floor's late rows: placed at 23:00, arriving 3 h later, the next day."""
    stream = TableStream(epoch=0, flavour="training", settle_after=5 * DAY)
    log = EventLog()
    log.record(OrderPlaced(1, 7, 10 * HOUR, 1000, "w1", True))
    log.record(PaymentMade(1, 1, "credit_card", 1000, 10 * HOUR))
    log.record(OrderStatusChanged(1, "placed", 10 * HOUR))
    log.record(OrderPlaced(2, 8, 23 * HOUR, 500, "a1", True, delivery_delay_seconds=3 * HOUR))
    log.record(OrderStatusChanged(2, "placed", 23 * HOUR))
    log.record(PaymentMade(2, 2, "coupon", 200, 23 * HOUR, delivery_delay_seconds=3 * HOUR))
    log.record(PaymentMade(3, 2, "gift_card", 300, 23 * HOUR, delivery_delay_seconds=3 * HOUR))
    first = stream.day(_events(log), DAY)
    assert first["raw_payments_training"].column("id").to_pylist() == [1]
    assert stream.orders.live(DAY).column("id").to_pylist() == [1]
    second = stream.day(_events(log), 2 * DAY)
    assert second["raw_payments_training"].column("id").to_pylist() == [2, 3]
    assert stream.orders.live(2 * DAY).column("id").to_pylist() == [1, 2]


def test_daily_published_orders_show_each_days_statuses(tmp_path):
    from jaffle_sim.cli import main

    out = tmp_path / "o"
    assert (
        main(
            [
                "run",
                "--no-dbt",
                "--days",
                "3",
                "--end-date",
                "2026-03-15",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    orders = pd.read_csv(out / "seeds/training/raw_orders_training.csv")
    assert orders.id.is_monotonic_increasing and orders.id.is_unique
    log = pd.read_parquet(
        out / "events" / "kind=order_status_changed", filters=[("flavour", "==", "training")]
    )
    last = log.sort_values("changed_at").groupby("order_id").status.last()
    expected = orders.set_index("id").status
    # an order of the last day whose row arrives late, with the next day's file, is not out yet
    placed = pd.read_parquet(
        out / "events" / "kind=order_placed", filters=[("flavour", "==", "training")]
    ).set_index("order_id")
    unpublished = last.index.difference(expected.index)
    arrives = placed.ordered_at + pd.to_timedelta(placed.delivery_delay_seconds, unit="s")
    assert (arrives.loc[unpublished] >= pd.Timestamp("2026-03-16", tz="UTC")).all()
    last = last.drop(unpublished)
    changed = expected.loc[last.index]
    assert (changed == last).all()
    assert (expected.drop(last.index) == "placed").all()


def test_event_log_partitions_and_types(tmp_path):
    from jaffle_sim.cli import main

    out = tmp_path / "o"
    assert (
        main(
            [
                "generate",
                "all",
                "--days",
                "2",
                "--end-date",
                "2026-03-15",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    days = sorted(p.name for p in (out / "events/kind=order_placed/flavour=training").iterdir())
    assert days == ["date=2026-03-14", "date=2026-03-15"]
    table = pq.read_table(out / "events/kind=order_placed/flavour=training/date=2026-03-15")
    ordered_at = table.schema.field("ordered_at").type
    assert ordered_at.tz == "UTC"  # Parquet keeps seconds as milliseconds
    assert str(table.schema.field("total_cents").type) == "int64"
    frame = pd.read_parquet(out / "events" / "kind=session")
    assert set(frame.columns) >= {"session_id", "visitor_id", "flavour", "date"}
    ads = pd.read_parquet(out / "events" / "kind=ad_day")
    assert ads.day.min() == dt.date(2026, 3, 14)
