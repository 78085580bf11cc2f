"""How well the warehouse's tests caught the anomalies planted in the validation flavour.

Reads a run folder's `anomalies.json` (what was planted) and `run_manifest.json` (dbt's results
per simulated day). An anomaly is detected when one of the tests expected to catch it failed on a
validation run of its day or later. Recall is detected / planted; precision is the share of the
failing validation tests that some planted anomaly explains; false alarms are tests failing on
training days (clean data).

In a run made with ``--elementary`` the validation flavour's Elementary tests are scored apart
(`Score.elementary`): an anomaly is caught by one of the tests that can see its kind
(:data:`~jaffle_sim.validation.elementary_monitors.ELEMENTARY_TESTS`) when that test failed and,
where Elementary recorded the days it flagged (the anomalous buckets of its failed results, read
from the run's embedded warehouse), flagged a day the anomaly was planted on; a failed result
without buckets (a schema change) counts on its own.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jaffle_sim.output import integrity
from jaffle_sim.output.manifest import ManifestError, RunManifest
from jaffle_sim.output.run_folder import RunFolder
from jaffle_sim.validation import ground_truth
from jaffle_sim.validation.elementary_monitors import ELEMENTARY_TESTS, PREFIX
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
    #: Anomaly id -> the Elementary tests that caught it; None when no Elementary test ran.
    elementary: dict[str, list[str]] | None = None

    @property
    def elementary_detected(self) -> int:
        return sum(1 for found in (self.elementary or {}).values() if found)

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
        found = self.elementary
        extra: dict[str, Any] = (
            {} if found is None else {"elementary_detected": self.elementary_detected}
        )
        return {
            **extra,
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
                    **({} if found is None else {"elementary_detected_by": found.get(a.id, [])}),
                }
                for a in self.anomalies
            ],
        }

    def markdown(self) -> str:
        edr = self.elementary
        lines = [
            f"**Detection**: {self.detected}/{len(self.anomalies)} anomalies caught "
            f"(recall {self.recall:.2f}, precision {self.precision:.2f}); "
            f"{len(self.training_false_alarms)} test failures on training days.",
            "",
            "| anomaly | kind | date | rows | detected by |"
            + ("" if edr is None else " Elementary |"),
            "|---|---|---|---|---|" + ("" if edr is None else "---|"),
        ]
        if edr is not None:
            lines.insert(
                1, f"Elementary's tests caught {self.elementary_detected}/{len(self.anomalies)}."
            )
        for a in self.anomalies:
            found = ", ".join(a.detected_by or ()) if a.detected else "**missed**"
            dates = ", ".join(d.isoformat() for d in a.dates)
            row = f"| {a.id} | {a.kind} | {dates} | {a.rows} | {found} |"
            if edr is not None:
                row += f" {', '.join(edr.get(a.id, [])) or '**missed**'} |"
            lines.append(row)
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
    folder, manifest, truth = _read(root)
    validation = [
        (day.date, _failures(day.dbt_validation)) for day in manifest.daily if day.dbt_validation
    ]
    if not validation:
        raise ScoreError(
            f"{root} has no dbt results on the validation flavour: score a "
            "`jaffle-sim run` made with dbt"
        )
    scored = []
    elementary: dict[str, list[str]] = {}
    flagged = elementary_flags(folder.warehouse)
    explained: set[str] = set()
    for anomaly in truth.anomalies:
        first = min(anomaly.dates).isoformat()
        failed = set().union(*(f for date, f in validation if date >= first))
        native = [t for t in anomaly.expected_tests if t in failed and not t.startswith(PREFIX)]
        scored.append(anomaly.scored(native))
        explained.update(native)
        days = {d.isoformat() for d in anomaly.dates}
        caught = [
            t
            for t in ELEMENTARY_TESTS.get(anomaly.kind, ())
            if t in failed and (flagged is None or _flagged_on(flagged, t, days))
        ]
        elementary[anomaly.id] = caught
        explained.update(caught)
    failing = sorted(set().union(*(f for _, f in validation)))
    ran = any(t.startswith(PREFIX) for t in _tests_run(manifest))
    false_alarms = sorted(
        {f"{day.date} {name}" for day in manifest.daily for name in _failures(day.dbt)}
    )
    expected = {t for a in truth.anomalies for t in a.expected_tests}
    unexplained = [t for t in failing if t not in (explained if t.startswith(PREFIX) else expected)]
    return Score(scored, failing, false_alarms, unexplained, elementary if ran else None)


def _flagged_on(flagged: dict[str, set[str] | None], test: str, days: set[str]) -> bool:
    """Whether Elementary's failed results of `test` flagged one of `days` (or, without
    buckets, failed at all)."""
    if test not in flagged:
        return False
    found = flagged[test]
    return found is None or bool(found & days)


def _tests_run(manifest: RunManifest) -> set[str]:
    return {
        node.name
        for day in manifest.daily
        if day.dbt_validation is not None
        for phase in day.dbt_validation.phases
        for node in phase.nodes
        if node.resource_type == "test"
    }


def elementary_flags(database: Path) -> dict[str, set[str] | None] | None:
    """Per Elementary test of the validation flavour that failed on some run, the days
    (``YYYY-MM-DD``) of the buckets its failed results found anomalous, or None for a test whose
    failed results have no buckets (a schema change), read from the embedded warehouse
    `database` (read-only). None when there is no such file or no Elementary results in it (a
    run on the user's own warehouse): each failing test then counts for every kind it can see."""
    if not database.is_file():
        return None
    import duckdb  # a dependency of dbt-duckdb

    query = f"""
        select results.test_name, rows.result_row
        from elementary.elementary_test_results as results
        left join elementary.test_result_rows as rows
            on rows.elementary_test_results_id = results.id
        where results.test_name like '{PREFIX}%' and results.status in ('fail', 'error')
    """
    try:
        with duckdb.connect(str(database), read_only=True) as con:
            found = con.execute(query).fetchall()
    except duckdb.Error:
        return None
    days: dict[str, set[str]] = {}
    bucketed: set[str] = set()
    for name, row in found:
        days.setdefault(name, set())
        try:
            data = json.loads(row) if row is not None else None
        except (TypeError, ValueError):
            continue
        start = data.get("bucket_start") if isinstance(data, dict) else None
        if isinstance(data, dict) and isinstance(start, str):
            bucketed.add(name)
            if data.get("is_anomalous"):
                days[name].add(start[:10])
    return {name: (flagged if name in bucketed else None) for name, flagged in days.items()}


def record_score(root: Path, score: Score) -> None:
    """Write the results into anomalies.json (per anomaly) and run_manifest.json."""
    folder, manifest, truth = _read(root)
    dataclasses.replace(truth, anomalies=tuple(score.anomalies)).dump(folder.anomalies)
    integrity.refresh(folder, manifest, folder.anomalies)
    manifest.score = score.to_dict()
    manifest.dump(folder.manifest)
