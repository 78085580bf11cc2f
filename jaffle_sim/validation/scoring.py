"""How well the warehouse's tests caught the anomalies planted in the validation flavour.

Reads a run folder's `anomalies.json` (what was planted) and `run_manifest.json` (dbt's results
per simulated day). An anomaly is detected when one of the tests expected to catch it failed on a
validation run of its day or later. Recall is detected / planted; precision is the share of the
failing validation tests that some planted anomaly explains; false alarms are tests failing on
training days (clean data).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jaffle_sim.output import integrity
from jaffle_sim.output.manifest import ManifestError, RunManifest
from jaffle_sim.output.run_folder import RunFolder
from jaffle_sim.validation import ground_truth
from jaffle_sim.validation.ground_truth import GroundTruthError, PlantedRecord
from jaffle_sim.warehouse.results import DayResults

FAILING = ("fail", "error")


class ScoreError(Exception):
    """The folder holds nothing to score (said in one line)."""


@dataclass
class Score:
    """Detection results of one run."""

    anomalies: list[PlantedRecord]
    failing_validation_tests: list[str]
    training_false_alarms: list[str]
    unexplained: list[str] = field(default_factory=list)

    @property
    def detected(self) -> int:
        return sum(1 for a in self.anomalies if a.detected)

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
                {
                    "id": a.id,
                    "kind": a.kind,
                    "dates": [d.isoformat() for d in a.dates],
                    "detected": a.detected,
                    "detected_by": list(a.detected_by or ()),
                }
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
            found = ", ".join(a.detected_by or ()) if a.detected else "**missed**"
            dates = ", ".join(d.isoformat() for d in a.dates)
            lines.append(f"| {a.id} | {a.kind} | {dates} | {a.rows} | {found} |")
        return "\n".join(lines) + "\n"


def _failures(day: DayResults | None) -> set[str]:
    if day is None:
        return set()
    return {
        node.name
        for phase in day.phases
        for node in phase.nodes
        if node.resource_type == "test" and node.status in FAILING
    }


def _read(root: Path) -> tuple[RunFolder, RunManifest, ground_truth.GroundTruth]:
    folder = RunFolder(root)
    try:
        manifest = RunManifest.load(folder.manifest)
    except ManifestError as exc:
        raise ScoreError(str(exc)) from None
    if manifest is None:
        raise ScoreError(f"{root} holds no run (no {folder.manifest.name})")
    damaged = integrity.damage(folder, manifest)
    if damaged is not None:
        raise ScoreError(damaged)
    if not folder.anomalies.is_file():
        raise ScoreError(
            f"{root} has no {folder.anomalies.name}: generate the validation flavour first"
        )
    try:
        truth = ground_truth.load(folder.anomalies)
    except GroundTruthError as exc:
        raise ScoreError(str(exc)) from None
    return folder, manifest, truth


def score_run(root: Path) -> Score:
    """Score the run in `root`; raises ScoreError when it has no anomalies or no dbt results."""
    _, manifest, truth = _read(root)
    validation = [
        (day.date, _failures(day.dbt_validation)) for day in manifest.daily if day.dbt_validation
    ]
    if not validation:
        raise ScoreError(
            f"{root} has no dbt results on the validation flavour: score a "
            "`jaffle-sim run` made with dbt"
        )
    scored = []
    for anomaly in truth.anomalies:
        first = min(anomaly.dates).isoformat()
        failed = set().union(*(f for date, f in validation if date >= first))
        scored.append(anomaly.scored(t for t in anomaly.expected_tests if t in failed))
    failing = sorted(set().union(*(f for _, f in validation)))
    expected = {t for a in truth.anomalies for t in a.expected_tests}
    false_alarms = sorted(
        {f"{day.date} {name}" for day in manifest.daily for name in _failures(day.dbt)}
    )
    return Score(scored, failing, false_alarms, [t for t in failing if t not in expected])


def record_score(root: Path, score: Score) -> None:
    """Write the results into anomalies.json (per anomaly) and run_manifest.json."""
    folder, manifest, truth = _read(root)
    dataclasses.replace(truth, anomalies=tuple(score.anomalies)).dump(folder.anomalies)
    integrity.refresh(folder, manifest, folder.anomalies)
    manifest.score = score.to_dict()
    manifest.dump(folder.manifest)
