"""Monte-Carlo sweeps: the partitioned layout, the summary per point, common seeds across points."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from jaffle_sim.cli import main
from jaffle_sim.sweep import grid_points, replication_seed


def test_grid_points_and_replication_seeds() -> None:
    points = grid_points({"a": [1, 2], "b": ["x", "y", "z"]})
    assert [p.changes for p in points][:2] == [{"a": 1, "b": "x"}, {"a": 1, "b": "y"}]
    assert len(points) == 6 and [p.index for p in points] == list(range(6))
    assert grid_points({})[0].changes == {}
    seeds = {replication_seed(7, r) for r in range(50)}
    assert len(seeds) == 50 and replication_seed(7, 3) == replication_seed(7, 3)


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sweep") / "out"
    args = ["sweep", "--out", str(out), "--days", "4", "--replications", "3", "--scale", "0.2"]
    args += ["--grid", "journey.return_probability=0.05,0.6", "--end-date", "2026-03-15"]
    assert main([*args, "--quiet", "--workers", "2"]) == 0
    return out


def test_layout_and_summary(sweep: Path) -> None:
    for point in (0, 1):
        for r in range(3):
            folder = sweep / f"point={point}" / f"replication={r}" / "events"
            assert list(folder.glob("kind=order_placed/flavour=training/date=*/part-0.parquet"))
    with open(sweep / "summary.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["point"] for r in rows] == ["0", "1"]
    assert [float(r["journey.return_probability"]) for r in rows] == [0.05, 0.6]
    low, high = (float(r["signups_mean"]) for r in rows)
    assert high > 2 * low  # returning visitors sign up on later visits
    assert all(float(r["orders_std"]) > 0 for r in rows)


def test_same_replication_same_seed_across_points(sweep: Path) -> None:
    # the ad campaigns do not depend on the journey: replication r has the same ads everywhere
    a = (sweep / "point=0/replication=1/events/kind=ad_launched").rglob("*.parquet")
    b = (sweep / "point=1/replication=1/events/kind=ad_launched").rglob("*.parquet")
    assert [p.read_bytes() for p in sorted(a)] == [p.read_bytes() for p in sorted(b)]


def test_bad_grid_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["sweep", "--out", str(tmp_path / "o"), "--grid", "no.such.key=1,2"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "no.such.key" in err[0]
    assert not (tmp_path / "o" / "summary.csv").exists()
