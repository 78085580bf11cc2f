"""Shards and executors: the merged tables of a sharded run are one shop, and the files depend on
(seed, scenario, calendar, shards) only, never on the executor or its workers."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from jaffle_sim.cli import main
from jaffle_sim.executors.tasks import ShardTask, TaskDay
from jaffle_sim.simulation.scenario import Scenario
from jaffle_sim.simulation.shards import Shard

END = "2026-03-15"


def generate(out: Path, *args: str) -> int:
    base = ["generate", "all", "--days", "3", "--seed", "5", "--end-date", END]
    return main([*base, "--scale", "0.3", "--out", str(out), "--quiet", "--no-report", *args])


def digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
        and p.suffix in (".csv", ".parquet", ".json")
        and p.name != "run_manifest.json"
    }


def test_shards_split_the_shop_exactly() -> None:
    scenario = Scenario.default()
    parts = [Shard(i, 7).scenario(scenario) for i in range(7)]
    assert sum(p.customers.existing_customers for p in parts) == 1000
    organic = sum(p.traffic.organic_visitors_per_day for p in parts)
    assert organic == pytest.approx(scenario.traffic.organic_visitors_per_day)
    assert Shard(2, 4).global_id(1) == 3 and Shard(2, 4).global_id(2) == 7
    with pytest.raises(ValueError):
        Shard(4, 4)


@pytest.fixture(scope="module")
def four_shards(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("shards") / "w1"
    assert generate(out, "--shards", "4", "--workers", "1") == 0
    return out


def test_the_same_files_with_one_or_two_workers(four_shards: Path, tmp_path: Path) -> None:
    assert generate(tmp_path / "w2", "--shards", "4", "--workers", "2") == 0
    assert digests(tmp_path / "w2") == digests(four_shards)
    parts = {p.name for p in (four_shards / "events").rglob("part-*.parquet")}
    assert parts == {f"part-{i}.parquet" for i in range(4)}


def test_days_in_batches_or_one_by_one_give_the_same_files(
    four_shards: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import jaffle_sim.pipeline

    assert jaffle_sim.pipeline.BATCH_DAYS >= 3  # the fixture's three days are one batch
    monkeypatch.setattr(jaffle_sim.pipeline, "BATCH_DAYS", 1)
    assert generate(tmp_path / "daily", "--shards", "4", "--workers", "2") == 0
    assert digests(tmp_path / "daily") == digests(four_shards)


def test_shard_count_is_part_of_the_run(four_shards: Path, tmp_path: Path) -> None:
    assert generate(tmp_path / "k1", "--shards", "1") == 0
    assert digests(tmp_path / "k1") != digests(four_shards)


def test_merged_tables_are_one_shop(four_shards: Path) -> None:
    seeds = four_shards / "seeds"
    customers = pd.read_csv(seeds / "training/raw_customers_training.csv")
    orders = pd.read_csv(seeds / "training/raw_orders_training.csv")
    payments = pd.read_csv(seeds / "training/raw_payments_training.csv")
    signups = pd.read_csv(seeds / "training/raw_signups_training.csv")
    sessions = pd.concat(
        [pd.read_csv(seeds / f"sessions/stg_{s}_sessions.csv") for s in ("website", "app")]
    )
    ads = pd.concat(
        [pd.read_csv(seeds / f"ads/stg_{p}_ads.csv") for p in ("google", "facebook", "instagram")]
    )
    for frame, key in (
        (customers, "id"),
        (orders, "id"),
        (payments, "id"),
        (signups, "id"),
        (sessions, "session_id"),
    ):
        # at-least-once delivery may repeat a row whole (the quality floor), never an id alone
        assert frame.drop_duplicates()[key].is_unique, key
    assert not ads.duplicated(["ad_id", "date"]).any()
    assert set(orders.user_id) <= set(customers.id)
    assert set(payments.order_id) <= set(orders.id)
    assert set(signups.user_id) == set(customers.id)
    assert signups.user_email.dropna().is_unique
    linked = sessions.ad_id.dropna()
    assert set(linked) <= set(ads.ad_id)
    # every shard contributed: ids of each residue class mod 4
    assert set(customers.id % 4) == {0, 1, 2, 3}
    # the existing customers of the shop, split exactly
    assert (signups.signup_date < "2026-03-13").sum() == round(1000 * 0.3)


def test_a_failing_shard_fails_the_run_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    step = ShardTask.step

    def broken(self: ShardTask, index: int) -> TaskDay:
        if self.spec.shard == 1 and index == 1:
            raise OSError("disk on fire")
        return step(self, index)

    monkeypatch.setattr(ShardTask, "step", broken)
    out = tmp_path / "out"
    code = generate(out, "--shards", "2", "--workers", "1")
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert len(err) == 1 and "shard 1 of 2 (training)" in err[0] and "disk on fire" in err[0]
    manifest = (out / "run_manifest.json").read_text()
    assert '"status": "failed"' in manifest
    assert not (out / "seeds" / "training" / "raw_orders_training.csv").exists()
    assert not (out / ".jaffle-sim-staging").exists()
