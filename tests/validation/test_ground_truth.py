"""The ground truth file: one typed reader and writer, the same bytes as the format has always had,
and a clear error (naming the file) for anything that is not in it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from jaffle_sim.output.run_folder import RunFolder
from jaffle_sim.validation import ground_truth
from jaffle_sim.validation.anomalies import DEFAULT_ANOMALIES, Tables, inject
from jaffle_sim.validation.ground_truth import GroundTruth, GroundTruthError, PlantedRecord
from tests.validation.conftest import DATES, END

RECORD = PlantedRecord(
    id="a01",
    kind="volume_spike",
    table="raw_orders_validation",
    column=None,
    dates=(dt.date(2026, 3, 12),),
    rows=120,
    params={"factor": 3.0},
    expected_tests=("orders_daily_volume", "payments_daily_volume"),
    description="the day's orders arrive `factor` times",
)


def truth(*records: PlantedRecord) -> GroundTruth:
    return GroundTruth(
        seed=7,
        start_date=dt.date(2026, 3, 8),
        end_date=END,
        published_through=END,
        anomalies=records,
    )


def test_dump_then_load_is_the_same(tmp_path: Path) -> None:
    other = dataclasses.replace(
        RECORD, id="a02", kind="invalid_status", column="status", params={"share": 0.5}
    )
    value = truth(RECORD, other.scored(["stg_orders_status_accepted_values"]), RECORD.scored([]))
    path = RunFolder(tmp_path).anomalies
    value.dump(path)
    assert ground_truth.load(path) == value
    assert path.read_text() == json.dumps(value.to_dict(), indent=2) + "\n"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no partial file left


def test_scoring_sets_detected_by_then_detected() -> None:
    assert RECORD.detected is None and RECORD.detected_by is None
    caught = RECORD.scored(t for t in RECORD.expected_tests if t.startswith("orders"))
    assert caught.detected is True and caught.detected_by == ("orders_daily_volume",)
    assert RECORD.scored([]).detected is False
    assert "detected" not in RECORD.to_dict() and "detected_by" not in RECORD.to_dict()
    assert list(caught.to_dict())[-2:] == ["detected_by", "detected"]


def _written_before(seed: int, planted: list[Any], up_to: dt.date) -> str:
    """The file as the validation flavour wrote it before the typed module (a plain dict)."""
    payload = {
        "seed": seed,
        "start_date": DATES[0].isoformat(),
        "end_date": DATES[-1].isoformat(),
        "published_through": up_to.isoformat(),
        "anomalies": [
            {
                "id": p.id,
                "kind": p.anomaly.kind,
                "table": f"raw_{p.anomaly.spec.table}_validation",
                "column": p.anomaly.spec.column,
                "dates": [p.date.isoformat()],
                "rows": p.rows,
                "params": {k: p.anomaly.param(k) for k in p.anomaly.spec.defaults},
                "expected_tests": list(p.anomaly.spec.expected_tests),
                "description": p.anomaly.spec.description,
            }
            for p in planted
        ],
    }
    return json.dumps(payload, indent=2) + "\n"


def _scored_before(text: str, failed: set[str]) -> str:
    """The file as scoring rewrote it before the typed module: keys added to the dicts read."""
    data = json.loads(text)
    for anomaly in data["anomalies"]:
        anomaly["detected_by"] = [t for t in anomaly["expected_tests"] if t in failed]
        anomaly["detected"] = bool(anomaly["detected_by"])
    return json.dumps(data, indent=2) + "\n"


def test_the_bytes_are_those_of_the_format(clean: Tables, tmp_path: Path) -> None:
    _, planted = inject(clean, DEFAULT_ANOMALIES, DATES, seed=1, up_to=END)
    value = GroundTruth(1, DATES[0], DATES[-1], END, tuple(p.record() for p in planted))
    before = _written_before(1, planted, END)
    assert value.to_json() == before
    path = tmp_path / "truth.json"
    path.write_text(before)
    assert ground_truth.load(path) == value

    def score(value: GroundTruth, failed: set[str]) -> GroundTruth:
        return dataclasses.replace(
            value,
            anomalies=tuple(
                a.scored(t for t in a.expected_tests if t in failed) for a in value.anomalies
            ),
        )

    failed = {
        "validation_orders_freshness",
        "validation_payments_method_mix",
        "validation_orders_order_id_unique",
    }
    scored = score(value, failed)
    assert scored.to_json() == _scored_before(before, failed)
    # Scoring a scored file again keeps the keys where they are.
    failed = {"validation_orders_daily_volume", "validation_raw_orders_schema"}
    assert score(scored, failed).to_json() == _scored_before(scored.to_json(), failed)


def test_a_truncated_file_says_which_file(tmp_path: Path) -> None:
    path = tmp_path / "truth.json"
    text = truth(RECORD).to_json()
    path.write_text(text[: len(text) // 2])
    with pytest.raises(GroundTruthError, match="not valid JSON") as caught:
        ground_truth.load(path)
    assert str(path) in str(caught.value)
    with pytest.raises(GroundTruthError, match="no such file"):
        ground_truth.load(tmp_path / "missing.json")


def _entry(**changes: Any) -> dict[str, Any]:
    entry = RECORD.to_dict()
    for key, value in changes.items():
        if value is ...:
            del entry[key]
        else:
            entry[key] = value
    return entry


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ([], "expected a JSON object, got a list"),
        ({"seed": 7}, "'anomalies' is missing"),
        ({**truth().to_dict(), "seed": "7"}, "'seed' must be a whole number"),
        ({**truth().to_dict(), "seed": True}, "'seed' must be a whole number"),
        ({**truth().to_dict(), "end_date": "15 March"}, "'end_date' holds '15 March', not a date"),
        ({**truth().to_dict(), "start_date": ...}, "'start_date' is missing"),
        ({**truth().to_dict(), "extra": 1}, r"unknown key\(s\) \['extra'\]"),
        ({**truth().to_dict(), "anomalies": {}}, "'anomalies' must be a list"),
        ({**truth().to_dict(), "anomalies": [3]}, "anomaly 1 .no id.: expected a JSON object"),
        ({**truth().to_dict(), "anomalies": [_entry(rows="5")]}, r"anomaly 1 \(a01\): 'rows'"),
        ({**truth().to_dict(), "anomalies": [_entry(dates=["x"])]}, "'dates' holds 'x'"),
        ({**truth().to_dict(), "anomalies": [_entry(column=3)]}, "'column' must be a string"),
        ({**truth().to_dict(), "anomalies": [_entry(kind=...)]}, "'kind' is missing"),
        ({**truth().to_dict(), "anomalies": [_entry(detected="yes")]}, "'detected' must be"),
        ({**truth().to_dict(), "anomalies": [_entry(detected_by=[1])]}, "list of strings"),
        ({**truth().to_dict(), "anomalies": [_entry(params=[])]}, "'params' must be an object"),
    ],
)
def test_a_file_of_the_wrong_shape_says_what_is_wrong(
    tmp_path: Path, data: Any, problem: str
) -> None:
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if v is not ...}
    path = tmp_path / "truth.json"
    path.write_text(json.dumps(data))
    with pytest.raises(GroundTruthError, match=problem) as caught:
        ground_truth.load(path)
    assert str(caught.value).startswith(f"{path}: ")
