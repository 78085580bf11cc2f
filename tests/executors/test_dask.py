"""The Dask executor on a real local cluster of two worker processes gives the same bytes as the
local executor."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import distributed
import pytest

from tests.executors.test_shards import digests, generate

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


def test_dask_gives_the_local_bytes(scheduler: str, tmp_path: Path) -> None:
    assert (
        generate(tmp_path / "dask", "--shards", "3", "--executor", "dask", "--scheduler", scheduler)
        == 0
    )
    assert generate(tmp_path / "local", "--shards", "3", "--workers", "2") == 0
    assert digests(tmp_path / "dask") == digests(tmp_path / "local")


def test_an_unreachable_scheduler_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = generate(tmp_path / "x", "--executor", "dask", "--scheduler", "tcp://127.0.0.1:9")
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0 and len(err) == 1 and "scheduler" in err[0]
