"""Elementary mode measured by hand: `jaffle-sim run --elementary` with a local copy of the
Elementary dbt package and dbt_utils, then `jaffle-sim score`, printing per planted anomaly the
native test and the Elementary test that caught it, and the false alarms on training days.

The packages are not on PyPI and `dbt deps` needs the dbt package hub, so the folder is made by
hand (see README, "Elementary mode"): DIR/elementary (elementary-data/dbt-data-reliability at the
pinned tag) and DIR/dbt_utils (dbt-labs/dbt-utils at the pinned tag).

    python benchmarks/elementary_score.py --packages DIR                 # 21 days, seed 1
    python benchmarks/elementary_score.py --packages DIR --days 10 --scale 0.3
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
    parser.add_argument("--packages", type=Path, required=True)
    parser.add_argument("--days", type=int, default=21)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        run = [
            *("run", "--days", str(args.days), "--seed", str(args.seed)),
            *("--scale", str(args.scale), "--out", str(out), "--no-report", "--quiet"),
            *("--elementary", "--elementary-packages", str(args.packages.resolve())),
        ]
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "jaffle_sim", *run], check=False)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            sys.exit(f"jaffle-sim run exited {done.returncode}")
        table = subprocess.run(
            [sys.executable, "-m", "jaffle_sim", "score", str(out), "--format", "markdown"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        score = json.loads((out / "run_manifest.json").read_text())["score"]
    print(table)
    print(
        f"{args.days} days, seed {args.seed}, scale {args.scale}: {seconds:.0f} s; native "
        f"{score['detected']}/{score['planted']}, Elementary {score['elementary_detected']}/"
        f"{score['planted']}, training false alarms {len(score['training_false_alarms'])}"
    )


if __name__ == "__main__":
    main()
