"""Markdown job summary of a nightly simulation: steps, replay command, rows, dbt, detection score.

Usage: python .github/scripts/nightly_summary.py OUT [--score FILE] [--step NAME=OUTCOME ...]

It reads the manifest through jaffle-sim's typed reader (the job installed the package) and
never fails on a missing or partial run folder: the summary is most useful exactly when an
earlier step failed.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

OK_STATUSES = {"success", "pass"}
OUTCOME_MARK = {"success": "✅", "failure": "❌", "cancelled": "⏹️", "skipped": "⏭️"}


def load_manifest(out: Path) -> dict[str, Any] | None:
    from jaffle_sim.output.manifest import ManifestError, RunManifest
    from jaffle_sim.output.run_folder import RunFolder

    try:
        manifest = RunManifest.load(RunFolder(out).manifest)
    except ManifestError:
        return None
    return manifest.to_dict() if manifest is not None else None


def dbt_invocations(value: Any) -> list[dict[str, Any]]:
    """The dbt results of one day: one dict with `phases`, a list of them, or a mapping of them."""
    if isinstance(value, dict):
        if "phases" in value:
            return [value]
        value = list(value.values())
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict) and "phases" in v]
    return []


def phase_cell(phase: dict[str, Any]) -> str:
    statuses = phase.get("statuses") or {}
    counts = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
    mark = "" if phase.get("success", False) else "❌ "
    return f"{mark}{counts or '-'}"


def header(manifest: dict[str, Any] | None, steps: dict[str, str]) -> list[str]:
    lines = ["## Nightly simulation", ""]
    if manifest is not None:
        seed, days, end = manifest.get("seed"), manifest.get("days"), manifest.get("end_date")
        lines += [
            f"Seed **{seed}**, {days} day{'' if days == 1 else 's'} up to {end}, "
            f"run status **{manifest.get('status')}**.",
            "",
            "Replay it:",
            "",
            "```bash",
            f"jaffle-sim run --days {days} --seed {seed} --end-date {end} "
            "--conversion-window-days 7",
            "```",
            "",
        ]
        if manifest.get("error"):
            lines += [f"Run error: `{manifest['error']}`", ""]
    else:
        lines += ["No `run_manifest.json`: the simulation did not start or wrote nothing.", ""]
    if steps:
        cells = [" ".join(filter(None, (n, OUTCOME_MARK.get(o), o))) for n, o in steps.items()]
        lines += ["Steps: " + " · ".join(cells), ""]
    return lines


def rows_section(manifest: dict[str, Any]) -> list[str]:
    tables = manifest.get("tables") or {}
    if not isinstance(tables, dict) or not tables:
        return []
    lines = ["### Rows", "", "| table | rows |", "|---|---:|"]
    for name, info in tables.items():
        rows = info.get("rows", "?") if isinstance(info, dict) else info
        lines.append(f"| {name} | {rows:,} |" if isinstance(rows, int) else f"| {name} | {rows} |")
    return [*lines, ""]


def dbt_section(manifest: dict[str, Any]) -> list[str]:
    daily = manifest.get("daily") or []
    rows: list[str] = []
    days: Counter[str] = Counter()
    days_ok: Counter[str] = Counter()
    tests: dict[str, Counter[str]] = {}
    failing: Counter[str] = Counter()
    for day in daily if isinstance(daily, list) else []:
        if not isinstance(day, dict):
            continue
        for inv in dbt_invocations(day.get("dbt")):
            phases = {p.get("command"): p for p in inv.get("phases", []) if isinstance(p, dict)}
            cells = [phase_cell(phases[c]) if c in phases else "-" for c in ("seed", "run", "test")]
            flavour = str(inv.get("flavour", ""))
            ok = bool(inv.get("ok", False))
            days[flavour] += 1
            days_ok[flavour] += ok
            tests.setdefault(flavour, Counter()).update(
                (phases.get("test") or {}).get("statuses") or {}
            )
            mark = "✅" if ok else "❌"
            rows.append(f"| {day.get('date', '?')} | {flavour} | {' | '.join(cells)} | {mark} |")
            for phase in phases.values():
                for node in phase.get("nodes") or []:
                    if isinstance(node, dict) and node.get("status") not in OK_STATUSES:
                        failing[f"{flavour} {phase.get('command')} {node.get('name')}"] += 1
    if not rows:
        return ["### dbt", "", "No dbt results in the manifest.", ""]
    lines = ["### dbt", ""]
    for flavour, n in days.items():
        counts = ", ".join(f"{k} {v}" for k, v in sorted(tests[flavour].items())) or "none"
        lines.append(f"- {flavour or 'run'}: {days_ok[flavour]}/{n} days ok; tests: {counts}")
    if failing:
        lines += ["", "Not passing (number of days):", ""]
        lines += [f"- `{name}`: {n}" for name, n in failing.most_common(20)]
    lines += [
        "",
        "<details><summary>per day</summary>",
        "",
        "| day | flavour | seed | run | test | ok |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        "</details>",
    ]
    return [*lines, ""]


def score_section(score: Path | None, manifest: dict[str, Any] | None) -> list[str]:
    lines = ["### Detection score (validation flavour)", ""]
    text = ""
    if score is not None:
        try:
            text = score.read_text().strip()
        except OSError:
            text = ""
    recorded = (manifest or {}).get("score")
    if not text and isinstance(recorded, dict) and "recall" in recorded:
        text = (
            f"{recorded.get('detected')}/{recorded.get('planted')} anomalies detected, "
            f"recall {recorded.get('recall')}, precision {recorded.get('precision')}."
        )
    return [*lines, text or "No score.", ""]


def summary(out: Path, score: Path | None, steps: dict[str, str]) -> str:
    manifest = load_manifest(out)
    lines = header(manifest, steps)
    if manifest is not None:
        lines += rows_section(manifest)
        lines += dbt_section(manifest)
    lines += score_section(score, manifest)
    return "\n".join(lines)


def parse_steps(items: list[str]) -> dict[str, str]:
    steps = {}
    for item in items:
        name, _, outcome = item.partition("=")
        steps[name] = outcome or "unknown"
    return steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the run's output folder")
    parser.add_argument("--score", type=Path, help="markdown written by `jaffle-sim score`")
    parser.add_argument("--step", action="append", default=[], metavar="NAME=OUTCOME")
    args = parser.parse_args(argv)
    sys.stdout.write(summary(args.out, args.score, parse_steps(args.step)) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
