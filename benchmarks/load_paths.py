"""The two ways the raw tables reach the embedded warehouse, on one big run: `dbt seed` of the
CSV files against dbt-duckdb sources over Parquet copies (`run --load parquet`).

Generates the run once (`jaffle-sim generate all`, no dbt), then, for each path in a fresh child
process on its own copy of the folder, builds the training flavour of the whole period as
`jaffle-sim run` builds its last day (every raw table changed): the first build (loads, parses
the project, runs the unit tests) and a second one (the seed path then reloads tables that
exist). Prints seconds per build and per node type, and the marts' row counts of both paths.

    python benchmarks/load_paths.py                          # --days 365 --scale 10
    python benchmarks/load_paths.py --days 30 --scale 1
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

END = "2026-11-25"


def child(out: Path, load: str) -> None:
    import datetime as dt

    import duckdb

    from jaffle_sim.output.contract import TABLES, is_validation_table
    from jaffle_sim.output.run_folder import RunFolder
    from jaffle_sim.warehouse.daily_refresh import Warehouse, WarehouseSettings

    folder = RunFolder(out)
    warehouse = Warehouse(folder, WarehouseSettings(load=load), None, None)
    warehouse.start()
    names = [n for n in TABLES if not is_validation_table(n)]
    builds = []
    for _ in range(2):
        started = time.perf_counter()
        day = warehouse.refresh(dt.date.fromisoformat(END), names, "training")
        wall = time.perf_counter() - started
        result = day.phases[0]
        by_type: dict[str, float] = {}
        for node in result.nodes:
            by_type[node.resource_type] = by_type.get(node.resource_type, 0) + node.execution_time
        builds.append({"wall": wall, "ok": result.success, "by_type": by_type})
    warehouse.end()
    with duckdb.connect(str(folder.warehouse), read_only=True) as con:
        marts = {
            name: con.execute(f"select count(*) from main.{name}").fetchall()[0][0]
            for name in ("orders", "customers", "sessions", "attribution_touches", "funnel_daily")
        }
    print(json.dumps({"builds": builds, "marts": marts}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--child", nargs=2, metavar=("OUT", "LOAD"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), args.child[1])
        return
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        generate = [sys.executable, "-m", "jaffle_sim", "generate", "all"]
        generate += ["--days", str(args.days), "--scale", str(args.scale), "--end-date", END]
        generate += ["--shards", str(args.shards), "--out", str(base), "--no-report", "--quiet"]
        started = time.perf_counter()
        subprocess.run(generate, check=True)
        tables = json.loads((base / "run_manifest.json").read_text())["tables"]
        rows = {name: t["rows"] for name, t in tables.items() if "validation" not in name}
        print(
            f"generate all --days {args.days} --scale {args.scale}: "
            f"{time.perf_counter() - started:.0f} s; {sum(rows.values()):,} training, session, "
            f"ad and attribution rows: {json.dumps(rows)}"
        )
        marts = {}
        for load in ("seeds", "parquet"):
            out = Path(tmp) / load
            shutil.copytree(base, out)
            cmd = [sys.executable, __file__, "--child", str(out), load]
            found = json.loads(subprocess.run(cmd, check=True, capture_output=True).stdout)
            for i, build in enumerate(found["builds"], 1):
                types = ", ".join(f"{k} {v:.1f}" for k, v in sorted(build["by_type"].items()))
                print(
                    f"--load {load:<7} build {i}: {build['wall']:.1f} s wall "
                    f"(ok {build['ok']}; node seconds: {types})"
                )
            marts[load] = found["marts"]
            shutil.rmtree(out)
        print("mart rows:", json.dumps(marts))
        print("identical mart row counts:", marts["seeds"] == marts["parquet"])


if __name__ == "__main__":
    main()
