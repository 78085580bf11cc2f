"""End-to-end timing of the daily loop: `jaffle-sim run --days 8` on the embedded DuckDB warehouse.

Runs the command in a child process (as a user would) into a temporary folder, then splits its
time, from `run_manifest.json`, into the run's phases and, per simulated day, dbt's time: each
phase (one `build` per day and flavour; `seed`, `run`, `test` in manifests of older versions),
the seconds its seeds, models and tests took and dbt's own work around them.

    python benchmarks/run_loop.py                       # --days 8, default scenario
    python benchmarks/run_loop.py --days 8 --scale 1 --seed 42 --load parquet
    python benchmarks/run_loop.py -- --set quality.blank_first_name_share=0   # more run options
    python benchmarks/run_loop.py --against ../main --repeat 3 --nodes 15   # two trees, alternated

With ``--against TREE`` the same run is made with the jaffle_sim package (and its bundled dbt
project) of another source tree too, alternating the two `--repeat` times, and the medians of
both are compared: on a shared machine only figures taken side by side are comparable.
``--nodes N`` lists the N nodes with the largest median seconds per training day.
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
from typing import Any


def node_seconds(phase: dict[str, Any]) -> dict[str, float]:
    seconds: dict[str, float] = {}
    for node in phase.get("nodes", []):
        kind = "test" if node["type"] == "unit_test" else node["type"]
        seconds[kind] = seconds.get(kind, 0.0) + node["seconds"]
    return seconds


def invocations(phase: dict[str, Any]) -> str:
    """`` (3 dbt invocations)`` for a phase that took more than one."""
    n = phase.get("invocations", 1)
    return f" ({n} dbt invocations)" if n > 1 else ""


def run_once(args: argparse.Namespace, tree: Path | None) -> tuple[int, float, dict[str, Any]]:
    """One `run` in a child process, with the package of `tree` (None: this one's): its exit
    status, wall-clock seconds and run manifest."""
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(tree.resolve()), env.get("PYTHONPATH", "")])
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
            *(["--load", args.load] if args.load else []),
            *args.run_options,
        ]
        t0 = time.perf_counter()
        code = subprocess.run(cmd, check=False, env=env, cwd=tmp).returncode
        wall = time.perf_counter() - t0
        return code, wall, json.loads((out / "run_manifest.json").read_text())


def training_days(manifest: dict[str, Any]) -> list[float]:
    """dbt's seconds per training day (the first day includes parsing the project)."""
    return [
        sum(p["seconds"] for p in entry["dbt"]["phases"])
        for entry in manifest["daily"]
        if entry.get("dbt")
    ]


def node_medians(manifests: list[dict[str, Any]]) -> dict[str, float]:
    """Per node (type and name), its median seconds over the training days after the first."""
    seconds: dict[str, list[float]] = {}
    for manifest in manifests:
        for entry in manifest["daily"][1:]:
            for phase in (entry.get("dbt") or {}).get("phases", []):
                for node in phase["nodes"]:
                    key = f"{node['type']} {node['name']}"
                    seconds.setdefault(key, []).append(node["seconds"])
    return {k: statistics.median(v) for k, v in seconds.items()}


def report(args: argparse.Namespace, code: int, wall: float, manifest: dict[str, Any]) -> None:
    print(
        f"jaffle-sim run --days {args.days} --scale {args.scale}"
        f"{f' --load {args.load}' if args.load else ''}{''.join(' ' + o for o in args.run_options)}"
        f": exit {code}, "
        f"{wall:.1f} s wall clock (process start, imports and all)"
    )
    print("phases (s):", ", ".join(f"{k} {v:.1f}" for k, v in manifest["timings_seconds"].items()))
    header = f"{'date':<11} {'flavour':<10} {'dbt phases':<40} {'seeds':>6} {'models':>7}"
    print(f"{header} {'tests':>6} {'dbt own':>7} {'dbt total':>9}")
    per_day = []
    for entry in manifest["daily"]:
        for key in ("dbt", "dbt_validation"):
            run = entry.get(key)
            if not run:
                continue
            total = sum(p["seconds"] for p in run["phases"])
            phases = " + ".join(
                f"{p['command']}{invocations(p)} {p['seconds']:.2f}" for p in run["phases"]
            )
            nodes: dict[str, float] = {}
            for p in run["phases"]:
                for kind, secs in node_seconds(p).items():
                    nodes[kind] = nodes.get(kind, 0.0) + secs
            own = total - sum(nodes.values())
            if key == "dbt":
                per_day.append(total)
            print(
                f"{entry['date']:<11} {run['flavour']:<10} {phases:<40} "
                f"{nodes.get('seed', 0):>6.2f} {nodes.get('model', 0):>7.2f} "
                f"{nodes.get('test', 0):>6.2f} {own:>7.2f} {total:>9.2f}"
            )
    if per_day:
        print(
            f"training dbt time per day: median {statistics.median(per_day):.2f} s, "
            f"mean {statistics.mean(per_day):.2f} s, max {max(per_day):.2f} s "
            "(the first day includes parsing the project)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=8)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--load", default=None, help="seeds | parquet (default: the command's)")
    parser.add_argument("--against", type=Path, help="another source tree to compare with")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each tree, alternated")
    parser.add_argument("--nodes", type=int, default=0, help="list the N slowest nodes")
    parser.add_argument("run_options", nargs="*", help="more options of `run`, after --")
    args = parser.parse_args()
    trees: dict[str, Path | None] = {"this tree": None}
    if args.against is not None:
        trees[str(args.against)] = args.against
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in trees}
    for _ in range(args.repeat):
        for name, tree in trees.items():
            code, wall, manifest = run_once(args, tree)
            print(f"== {name}")
            report(args, code, wall, manifest)
            runs[name].append(manifest)
    medians = {
        name: statistics.median([d for m in ms for d in training_days(m)])
        for name, ms in runs.items()
    }
    for name, median in medians.items():
        print(f"{name}: median training dbt time per day, {len(runs[name])} runs: {median:.2f} s")
    if args.against is not None:
        this, other = medians["this tree"], medians[str(args.against)]
        print(f"ratio this tree / {args.against}: {this / other:.3f}")
    if args.nodes:
        columns = {name: node_medians(ms) for name, ms in runs.items()}
        first = columns["this tree"]
        keys = sorted(set().union(*columns.values()), key=lambda k: -first.get(k, 0.0))
        print("median seconds per training day:", " | ".join(columns))
        for key in keys[: args.nodes]:
            print(f"  {key:<60} " + " | ".join(f"{c.get(key, 0.0):.3f}" for c in columns.values()))


if __name__ == "__main__":
    main()
