"""jaffle-sim against jafgen, side by side in one run: rows per second of all CSV files written.

jafgen 0.4.14 is installed into its own temporary virtual environment (it is not a dependency).
Both generators run in turn, `--repeats` times each, in fresh temporary folders; the script
prints every wall time, the CSV rows each wrote, rows per second and the ratio of the medians.

    python benchmarks/versus_jafgen.py                         # jafgen 1 vs generate all --days 365
    python benchmarks/versus_jafgen.py --repeats 3 --shards 4 --workers 2
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

JAFGEN = "jafgen==0.4.14"


def csv_rows(folder: Path) -> int:
    total = 0
    for path in folder.rglob("*.csv"):
        with open(path, "rb") as fh:
            total += max(0, sum(1 for _ in fh) - 1)
    return total


def timed(cmd: list[str], cwd: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--years", type=int, default=1, help="jafgen's argument")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--shards", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        venv.create(root / "jafgen-venv", with_pip=True)
        pip = root / "jafgen-venv" / "bin" / "pip"
        subprocess.run([str(pip), "install", "-q", JAFGEN], check=True)
        jafgen = str(root / "jafgen-venv" / "bin" / "jafgen")
        ours = [sys.executable, "-m", "jaffle_sim", "generate", "all", "--days", str(args.days)]
        ours += ["--seed", "1", "--end-date", "2026-11-25", "--quiet", "--no-report"]
        ours += ["--shards", str(args.shards), "--workers", str(args.workers)]
        times: dict[str, list[float]] = {"jafgen": [], "jaffle-sim": []}
        rows: dict[str, int] = {}
        for i in range(args.repeats):
            for name in times:
                work = root / f"{name}-{i}"
                work.mkdir()
                if name == "jafgen":
                    times[name].append(timed([jafgen, str(args.years)], work))
                else:
                    times[name].append(timed([*ours, "--out", str(work / "out")], work))
                rows[name] = csv_rows(work)
                print(f"{name} run {i + 1}: {times[name][-1]:.1f} s, {rows[name]:,} CSV rows")
        rate = {n: rows[n] / statistics.median(t) for n, t in times.items()}
        for name, t in times.items():
            print(
                f"{name}: median {statistics.median(t):.1f} s, {rows[name]:,} rows, "
                f"{rate[name]:,.0f} rows/s"
            )
        ratio = rate["jaffle-sim"] / rate["jafgen"]
        print(f"ratio (jaffle-sim / jafgen rows per second): {ratio:.1f}x")


if __name__ == "__main__":
    main()
