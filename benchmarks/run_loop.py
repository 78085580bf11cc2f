"""End-to-end timing of the daily loop: `jaffle-sim run --days 8` on the embedded DuckDB warehouse.

Runs the command in a child process (as a user would) into a temporary folder, then splits its
time, from `run_manifest.json`, into simulation, export and each dbt phase per simulated day.

    python benchmarks/run_loop.py            # --days 8, default scenario
    python benchmarks/run_loop.py --days 8 --scale 1 --seed 42
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=8)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        cmd = [
            sys.executable,
            "-m",
            "jaffle_sim",
            "run",
            "--days",
            str(args.days),
            "--seed",
            str(args.seed),
            "--scale",
            str(args.scale),
            "--end-date",
            "2026-11-25",
            "--out",
            str(out),
            "--quiet",
        ]
        t0 = time.perf_counter()
        code = subprocess.run(cmd, check=False).returncode
        wall = time.perf_counter() - t0
        manifest = json.loads((out / "run_manifest.json").read_text())
    print(
        f"jaffle-sim run --days {args.days} --scale {args.scale}: exit {code}, "
        f"{wall:.1f} s wall clock (process start, imports and all)"
    )
    print("phases (s):", ", ".join(f"{k} {v:.1f}" for k, v in manifest["timings_seconds"].items()))
    print(f"{'date':<11} {'flavour':<10} {'seed':>6} {'run':>6} {'test':>6} {'dbt total':>9}")
    per_day = []
    for entry in manifest["daily"]:
        for key in ("dbt", "dbt_validation"):
            run = entry.get(key)
            if not run:
                continue
            secs = {p["command"]: p["seconds"] for p in run["phases"]}
            total = sum(secs.values())
            if key == "dbt":
                per_day.append(total)
            print(
                f"{entry['date']:<11} {run['flavour']:<10} {secs.get('seed', 0):>6.2f} "
                f"{secs.get('run', 0):>6.2f} {secs.get('test', 0):>6.2f} {total:>9.2f}"
            )
    if per_day:
        print(
            f"training dbt work per day: mean {sum(per_day) / len(per_day):.2f} s, "
            f"max {max(per_day):.2f} s (the first day includes parsing the project)"
        )


if __name__ == "__main__":
    main()
