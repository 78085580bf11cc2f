"""Throughput and peak memory of the simulation and its exporters (no dbt).

Each configuration runs in a fresh child process (so peak memory is its own) and writes the
training, session and ad tables plus the Parquet event log into a temporary folder, as
`jaffle-sim generate all` does without the validation flavour. Prints rows per second (CSV table
rows, and all output rows including the event log) and the child's peak resident memory.

    python benchmarks/simulation_throughput.py                 # 365 days at 1x and 10x
    python benchmarks/simulation_throughput.py --days 90 365 --scales 10
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def child(days: int, scale: float) -> None:
    import datetime as dt

    from jaffle_sim.clock import Calendar
    from jaffle_sim.output.contract import SELECTIONS
    from jaffle_sim.pipeline import simulate_to_folder
    from jaffle_sim.settings import RunSettings
    from jaffle_sim.simulation.scenario import Scenario

    with tempfile.TemporaryDirectory() as tmp:
        settings = RunSettings(
            Calendar(dt.date(2026, 11, 25), days),
            1,
            Scenario.default().scaled(scale),
            Path(tmp) / "out",
            False,
        )
        t0 = time.perf_counter()
        training = [t for t in SELECTIONS["all"] if not t.endswith("_validation")]
        result = simulate_to_folder(
            settings, "benchmark", training, event_log=True, publish_daily=False
        )
        seconds = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "days": days,
                "scale": scale,
                "seconds": seconds,
                "table_rows": sum(result.tables.values()),
                "event_rows": sum(result.events.values()),
                "peak_mb": peak_mb,
                "phases": result.seconds,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, nargs="+", default=[365])
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--child", nargs=2, metavar=("DAYS", "SCALE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(int(args.child[0]), float(args.child[1]))
        return
    header = (
        f"{'days':>5} {'scale':>5} {'seconds':>8} {'table rows':>11} {'rows/s':>9} "
        f"{'all rows/s':>10} {'peak MB':>8}  phases (s)"
    )
    print(header)
    for scale in args.scales:
        for days in args.days:
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(days), str(scale)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            r = json.loads(out.strip().splitlines()[-1])
            total = r["table_rows"] + r["event_rows"]
            phases = ", ".join(f"{k} {v:.1f}" for k, v in r["phases"].items() if k != "total")
            print(
                f"{days:>5} {scale:>5g} {r['seconds']:>8.1f} {r['table_rows']:>11,} "
                f"{r['table_rows'] / r['seconds']:>9,.0f} {total / r['seconds']:>10,.0f} "
                f"{r['peak_mb']:>8.0f}  {phases}"
            )


if __name__ == "__main__":
    main()
