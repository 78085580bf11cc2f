"""Time and peak memory of reading a run back: opening the event log, the fidelity profile and the
HTML report.

Generates a run with `jaffle-sim generate all --no-report` for each configuration (into `--keep`
to reuse it across invocations), then, in a fresh child process per measurement, times
`RunData.from_folder`, `profile` and `write_report` on it and reads the child's peak resident
memory (`resource.getrusage`, imports included). With `--baseline TREE` the same child runs with
the Python of `TREE/.venv` in `TREE`, so that two versions of the code are measured on the same
files in the same minute. Each measurement runs `--repeat` times; the medians are printed.

    python benchmarks/report_timing.py                                  # 60 days at 1x
    python benchmarks/report_timing.py --days 60 365 --baseline /work/main --repeat 2
    python benchmarks/report_timing.py --days 365 --scales 5 --shards 4 --workers 2
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import json, resource, sys, time
from pathlib import Path
from jaffle_sim.report.profile import profile
from jaffle_sim.report.run_data import RunData
from jaffle_sim.report.run_report import write_report
out = Path(sys.argv[1])
t0 = time.perf_counter()
data = RunData.from_folder(out)
t1 = time.perf_counter()
profile(data)
t2 = time.perf_counter()
write_report(out)
t3 = time.perf_counter()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"load_s": t1 - t0, "profile_s": t2 - t1, "report_s": t3 - t2, "peak_mb": peak}))
"""


def generate(out: Path, days: int, scale: float, shards: int, workers: int) -> None:
    """A `generate all` run in `out`, unless one is there already."""
    if (out / "run_manifest.json").is_file():
        return
    args = ["generate", "all", "--days", str(days), "--scale", str(scale), "--quiet"]
    args += ["--shards", str(shards), "--workers", str(workers), "--no-report"]
    args += ["--end-date", "2026-11-25", "--out", str(out)]
    subprocess.run([sys.executable, "-m", "jaffle_sim", *args], check=True, cwd=ROOT)


def events(out: Path) -> int:
    """Events in the training flavour's log."""
    import duckdb

    pattern = str(out / "events" / "*" / "flavour=training" / "*" / "*.parquet")
    sql = f"select count(*) from read_parquet('{pattern}', union_by_name = true)"
    return int(duckdb.sql(sql).fetchall()[0][0])


def measure(tree: Path, out: Path) -> dict[str, float]:
    """One child process reading the run `out` with the code of `tree`."""
    python = sys.executable if tree == ROOT else str(tree / ".venv" / "bin" / "python")
    done = subprocess.run(
        [python, "-c", CHILD, str(out)], cwd=tree, check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, nargs="+", default=[60])
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0])
    parser.add_argument("--shards", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--baseline", type=Path, help="another source tree with its own .venv")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="folder for the generated runs (reused)")
    args = parser.parse_args()
    trees = [("this", ROOT)] + ([("baseline", args.baseline.resolve())] if args.baseline else [])
    keep = args.keep or Path(tempfile.mkdtemp(prefix="report-timing-"))
    print(
        f"{'code':>8} {'days':>5} {'scale':>5} {'shards':>6} {'events':>11} {'load s':>7} "
        f"{'profile s':>9} {'report s':>8} {'total s':>7} {'peak MB':>8}"
    )
    for days in args.days:
        for scale in args.scales:
            out = keep / f"d{days}-s{scale:g}-k{args.shards}"
            generate(out, days, scale, args.shards, args.workers)
            n = events(out)
            for name, tree in trees:
                runs = [measure(tree, out) for _ in range(args.repeat)]
                med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
                total = statistics.median(sum(r[k] for k in r if k.endswith("_s")) for r in runs)
                print(
                    f"{name:>8} {days:>5} {scale:>5g} {args.shards:>6} {n:>11,} "
                    f"{med['load_s']:>7.2f} {med['profile_s']:>9.2f} {med['report_s']:>8.2f} "
                    f"{total:>7.2f} {med['peak_mb']:>8.0f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
