"""Detection of the default anomalies across seeds: `jaffle-sim run` then `jaffle-sim score`.

For each seed, runs the daily loop with dbt into a temporary folder (default scenario, default
injectors) and prints recall, precision, false alarms on training days and the anomalies missed.

    python benchmarks/detection_score.py                      # seeds 1-5, 8 days
    python benchmarks/detection_score.py --seeds 1 2 --days 14
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
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--days", type=int, default=8)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    print(f"{'seed':>4} {'recall':>6} {'precision':>9} {'false alarms':>12} {'seconds':>7}  missed")
    for seed in args.seeds:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out"
            t0 = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "jaffle_sim",
                    "run",
                    "--days",
                    str(args.days),
                    "--seed",
                    str(seed),
                    "--scale",
                    str(args.scale),
                    "--end-date",
                    "2026-11-25",
                    "--out",
                    str(out),
                    "--quiet",
                ],
                check=False,
            )
            seconds = time.perf_counter() - t0
            score = json.loads((out / "run_manifest.json").read_text())["score"]
        missed = [a["kind"] for a in score["anomalies"] if not a["detected"]]
        print(
            f"{seed:>4} {score['recall']:>6.2f} {score['precision']:>9.2f} "
            f"{len(score['training_false_alarms']):>12} {seconds:>7.1f}  "
            f"{', '.join(missed) or '-'}"
        )


if __name__ == "__main__":
    main()
