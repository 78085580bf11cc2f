"""How well the warehouse's tests caught the anomalies planted in the validation flavour.

Reads a run folder's `anomalies.json` (what was planted) and `run_manifest.json` (dbt's results
per simulated day). An anomaly is detected when one of the tests expected to catch it failed on a
validation run of its day or later. Recall is detected / planted; precision is the share of the
failing validation tests that some planted anomaly explains; false alarms are tests failing on
training days (clean data).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jaffle_sim.output.manifest import read_manifest
from jaffle_sim.output.run_folder import RunFolder, atomic_file
from jaffle_sim.validation.flavour import anomalies_path

FAILING = ("fail", "error")


class ScoreError(Exception):
    """The folder holds nothing to score (said in one line)."""


@dataclass
class Score:
    """Detection results of one run."""

    anomalies: list[dict[str, Any]]
    failing_validation_tests: list[str]
    training_false_alarms: list[str]
    unexplained: list[str] = field(default_factory=list)

    @property
    def detected(self) -> int:
        return sum(1 for a in self.anomalies if a["detected"])

    @property
    def recall(self) -> float:
        return self.detected / len(self.anomalies) if self.anomalies else 1.0

    @property
    def precision(self) -> float:
        failing = self.failing_validation_tests
        return (len(failing) - len(self.unexplained)) / len(failing) if failing else 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "planted": len(self.anomalies),
            "detected": self.detected,
            "recall": round(self.recall, 4),
            "precision": round(self.precision, 4),
            "training_false_alarms": self.training_false_alarms,
            "unexplained_validation_failures": self.unexplained,
            "anomalies": [
                {k: a[k] for k in ("id", "kind", "dates", "detected", "detected_by")}
                for a in self.anomalies
            ],
        }

    def markdown(self) -> str:
        lines = [
            f"**Detection**: {self.detected}/{len(self.anomalies)} anomalies caught "
            f"(recall {self.recall:.2f}, precision {self.precision:.2f}); "
            f"{len(self.training_false_alarms)} test failures on training days.",
            "",
            "| anomaly | kind | date | rows | detected by |",
            "|---|---|---|---|---|",
        ]
        for a in self.anomalies:
            found = ", ".join(a["detected_by"]) if a["detected"] else "**missed**"
            lines.append(
                f"| {a['id']} | {a['kind']} | {', '.join(a['dates'])} | {a['rows']} | {found} |"
            )
        return "\n".join(lines) + "\n"


def _failures(entry: dict[str, Any] | None) -> set[str]:
    if not entry:
        return set()
    return {
        node["name"]
        for phase in entry.get("phases", [])
        if phase["command"] == "test"
        for node in phase["nodes"]
        if node["status"] in FAILING
    }


def score_run(root: Path) -> Score:
    """Score the run in `root`; raises ScoreError when it has no anomalies or no dbt results."""
    folder = RunFolder(root)
    manifest = read_manifest(folder.manifest)
    if manifest is None:
        raise ScoreError(f"{root} holds no run (no readable run_manifest.json)")
    path = anomalies_path(folder)
    if not path.is_file():
        raise ScoreError(f"{root} has no anomalies.json: generate the validation flavour first")
    planted = json.loads(path.read_text())["anomalies"]
    validation = [
        (e["date"], _failures(e["dbt_validation"]))
        for e in manifest.get("daily", [])
        if e.get("dbt_validation")
    ]
    if not validation:
        raise ScoreError(
            f"{root} has no dbt results on the validation flavour: score a "
            "`jaffle-sim run` made with dbt"
        )
    for anomaly in planted:
        first = min(anomaly["dates"])
        failed = set().union(*(f for date, f in validation if date >= first))
        anomaly["detected_by"] = [t for t in anomaly["expected_tests"] if t in failed]
        anomaly["detected"] = bool(anomaly["detected_by"])
    failing = sorted(set().union(*(f for _, f in validation)))
    expected = {t for a in planted for t in a["expected_tests"]}
    false_alarms = sorted(
        {
            f"{e['date']} {name}"
            for e in manifest.get("daily", [])
            for name in _failures(e.get("dbt"))
        }
    )
    return Score(planted, failing, false_alarms, [t for t in failing if t not in expected])


def record_score(root: Path, score: Score) -> None:
    """Write the results into anomalies.json (per anomaly) and run_manifest.json."""
    folder = RunFolder(root)
    path = anomalies_path(folder)
    truth = json.loads(path.read_text())
    truth["anomalies"] = score.anomalies
    with atomic_file(path) as fh:
        fh.write((json.dumps(truth, indent=2) + "\n").encode())
    manifest = read_manifest(folder.manifest) or {}
    manifest["score"] = score.to_dict()
    with atomic_file(folder.manifest) as fh:
        fh.write((json.dumps(manifest, indent=2) + "\n").encode())
