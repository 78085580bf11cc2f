"""Time of reading a run back: loading the event log, the fidelity profile and the HTML report.

Generates a run with `jaffle-sim generate all` into a temporary folder for each configuration,
then times `RunData.from_folder`, `profile` and `write_report` on it. Prints seconds per phase and
the number of events read.

    python benchmarks/report_timing.py                       # 60 days at 1x
    python benchmarks/report_timing.py --days 60 365 --scales 1 5
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def measure(days: int, scale: float) -> dict[str, float]:
    from jaffle_sim.cli import main
    from jaffle_sim.report.profile import profile
    from jaffle_sim.report.run_data import RunData
    from jaffle_sim.report.run_report import write_report

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        args = ["generate", "all", "--days", str(days), "--scale", str(scale), "--quiet"]
        assert main([*args, "--end-date", "2026-11-25", "--out", str(out)]) == 0
        t0 = time.perf_counter()
        data = RunData.from_folder(out)
        t1 = time.perf_counter()
        profile(data)
        t2 = time.perf_counter()
        write_report(out)
        t3 = time.perf_counter()
    return {
        "events": float(sum(len(frame) for frame in data.events.values())),
        "load_s": t1 - t0,
        "profile_s": t2 - t1,
        "report_s": t3 - t2,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, nargs="+", default=[60])
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0])
    args = parser.parse_args()
    print(
        f"{'days':>6} {'scale':>6} {'events':>11} {'load s':>8} {'profile s':>10} {'report s':>9}"
    )
    for days in args.days:
        for scale in args.scales:
            r = measure(days, scale)
            print(
                f"{days:>6} {scale:>6g} {r['events']:>11,.0f} {r['load_s']:>8.2f} "
                f"{r['profile_s']:>10.2f} {r['report_s']:>9.2f}"
            )


if __name__ == "__main__":
    main()
