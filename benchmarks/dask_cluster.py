"""The Dask executor against local worker processes, side by side: the same `generate all` on a
real `LocalCluster` (N single-threaded worker processes) and with `--workers N`, alternating, with
the medians and their ratio. Also the cost of the day-by-day lock-step on Dask: the round trip
of one actor call per task and day, measured on the same cluster.

    python benchmarks/dask_cluster.py                        # 90 days x10, 4 shards, 2 workers
    python benchmarks/dask_cluster.py --days 30 --scale 1 --repeats 5
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


class Echo:
    """A Dask actor that answers at once: the round trip of a lock-step call."""

    def step(self, index: int) -> int:
        return index


def generate(out: Path, days: int, scale: float, shards: int, extra: list[str]) -> float:
    cmd = [sys.executable, "-m", "jaffle_sim", "generate", "all", "--days", str(days)]
    cmd += ["--scale", str(scale), "--shards", str(shards), "--seed", "1"]
    cmd += ["--end-date", "2026-11-25", "--quiet", "--no-report", "--out", str(out), *extra]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True)
    return time.perf_counter() - t0


def round_trip_ms(client, actors: int, calls: int) -> float:  # type: ignore[no-untyped-def]
    """Median milliseconds of one lock-step day: a call to each of `actors` actors, then all
    answers gathered (as the Dask executor does every simulated day)."""
    echoes = [client.submit(Echo, actor=True, pure=False).result() for _ in range(actors)]
    times = []
    for i in range(calls):
        t0 = time.perf_counter()
        for future in [e.step(i) for e in echoes]:
            future.result()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--scale", type=float, default=10)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from distributed import Client, LocalCluster

    t0 = time.perf_counter()
    with LocalCluster(
        n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        print(f"LocalCluster of {args.workers} workers up in {time.perf_counter() - t0:.1f} s")
        with Client(cluster) as client:
            ms = round_trip_ms(client, 2 * args.shards, 200)
        print(f"lock-step day on Dask, {2 * args.shards} actors: median {ms:.2f} ms a day")
        walls: dict[str, list[float]] = {"local": [], "dask": []}
        extra = {
            "local": ["--workers", str(args.workers)],
            "dask": ["--executor", "dask", "--scheduler", cluster.scheduler_address],
        }
        with tempfile.TemporaryDirectory() as tmp:
            for i in range(args.repeats):
                for name in walls:
                    out = Path(tmp) / f"{name}{i}"
                    walls[name].append(
                        generate(out, args.days, args.scale, args.shards, extra[name])
                    )
                    print(f"run {i + 1}: {name}: {walls[name][-1]:.1f} s")
    local, dask = (statistics.median(walls[n]) for n in ("local", "dask"))
    print(
        f"generate all --days {args.days} --scale {args.scale} --shards {args.shards}: "
        f"local --workers {args.workers} median {local:.1f} s, Dask LocalCluster of "
        f"{args.workers} median {dask:.1f} s (Dask / local {dask / local:.2f}x)"
    )


if __name__ == "__main__":
    main()
