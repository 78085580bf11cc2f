"""Scale: the speed-up of local worker processes and how peak memory grows with days.

Each configuration is one `jaffle-sim generate all` in a fresh process (peak memory is the
largest resident set of the process and its workers, from `wait4`); configurations alternate so
that the machine's noise hits all of them alike. Prints wall times, medians and ratios.

    python benchmarks/scale.py workers --days 90 --scale 10 --shards 4        # --workers 1 vs 2
    python benchmarks/scale.py memory --days 90 365 --scale 1 --shards 4      # peak per length
    python benchmarks/scale.py one --days 365 --scale 100 --shards 16          # a single big run
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(days: int, scale: float, shards: int, workers: int) -> tuple[float, float, dict]:
    """Wall seconds, peak RSS in MB (largest process), and the manifest's rows (with the CPU
    seconds of the process and its workers under `cpu_seconds`)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        cmd = [sys.executable, "-m", "jaffle_sim", "generate", "all", "--days", str(days)]
        cmd += ["--scale", str(scale), "--shards", str(shards), "--workers", str(workers)]
        cmd += ["--seed", "1", "--end-date", "2026-11-25", "--quiet", "--no-report"]
        cmd += ["--out", str(out), "--max-events", str(10**12)]
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        if status != 0:
            raise SystemExit(f"{' '.join(cmd)} failed ({status})")
        peak = usage.ru_maxrss / 1024  # the largest of the process and its workers (Linux)
        manifest = json.loads((out / "run_manifest.json").read_text())
        rows = {k: v["rows"] for k, v in manifest["tables"].items()}
        rows["cpu_seconds"] = round(usage.ru_utime + usage.ru_stime)
        return wall, peak, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("workers", "memory", "one"))
    parser.add_argument("--days", type=int, nargs="+", default=[90])
    parser.add_argument("--scale", type=float, default=10)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.what == "one":
        wall, peak, rows = run(args.days[0], args.scale, args.shards, args.workers)
        cpu = rows.pop("cpu_seconds")
        total = sum(rows.values())
        print(f"{args.days[0]} days x{args.scale} shards {args.shards} workers {args.workers}:")
        print(
            f"  {wall:.1f} s wall, {cpu:,} CPU s, {total:,} CSV rows ({total / wall:,.0f} rows/s), "
            f"peak {peak:.0f} MB"
        )
        print(f"  {rows}")
        return
    configs = (
        [(args.days[0], w) for w in (1, args.workers)]
        if args.what == "workers"
        else [(d, args.workers) for d in args.days]
    )
    walls: dict[tuple[int, int], list[float]] = {c: [] for c in configs}
    peaks: dict[tuple[int, int], list[float]] = {c: [] for c in configs}
    for i in range(args.repeats):
        for days, workers in configs:
            wall, peak, _ = run(days, args.scale, args.shards, workers)
            walls[(days, workers)].append(wall)
            peaks[(days, workers)].append(peak)
            print(f"run {i + 1}: {days} days, {workers} workers: {wall:.1f} s, peak {peak:.0f} MB")
    for c in configs:
        print(
            f"{c[0]} days, {c[1]} workers: median {statistics.median(walls[c]):.1f} s, "
            f"peak {statistics.median(peaks[c]):.0f} MB"
        )
    a, b = configs[0], configs[-1]
    if args.what == "workers":
        ratio = statistics.median(walls[a]) / statistics.median(walls[b])
        print(f"speed-up of {b[1]} workers over 1: {ratio:.2f}x")
    else:
        ratio = statistics.median(peaks[b]) / statistics.median(peaks[a])
        print(f"peak memory {b[0]} days / {a[0]} days: {ratio:.2f}x")


if __name__ == "__main__":
    main()
