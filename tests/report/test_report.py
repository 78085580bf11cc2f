"""The run report: index.html with valid PNG charts beside it, from a run folder's files, with and
without planted anomalies, the same bytes for the same run."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
from matplotlib.image import imread

from jaffle_sim.attribution.compare import score_attribution
from jaffle_sim.attribution.sources import AttributionError, warehouse_credit
from jaffle_sim.cli import main
from jaffle_sim.output import integrity
from jaffle_sim.output.manifest import RunManifest
from jaffle_sim.output.run_folder import RunFolder
from jaffle_sim.report.anomaly_chart import read_anomalies
from jaffle_sim.report.run_report import write_report
from tests.conftest import END_DATE, generate

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHARTS = {
    "funnel.png",
    "revenue.png",
    "attribution.png",
    "conversion_delay.png",
    "order_hours.png",
}


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 10-day `generate all` folder (training, validation with anomalies, event log)."""
    out = tmp_path_factory.mktemp("report") / "out"
    assert generate(out, "--days", "10", "--scale", "0.3", "--seed", "11") == 0
    return out


@pytest.fixture
def run_copy(small_run: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "run"
    shutil.copytree(small_run, copy)
    return copy


def rerecord(run: Path) -> None:
    """Record the folder's files as the run's own again, after a test changed them."""
    folder = RunFolder(run)
    manifest = RunManifest.load(folder.manifest)
    assert manifest is not None
    manifest.tables = {n: t for n, t in manifest.tables.items() if folder.table(n).is_file()}
    manifest.event_log = {
        flavour: {k: n for k, n in kinds.items() if folder.event_kind(k, flavour).is_dir()}
        for flavour, kinds in (manifest.event_log or {}).items()
    }
    integrity.record(folder, manifest)
    manifest.dump(folder.manifest)


def check_report(index: Path) -> set[str]:
    """The PNGs of the report are valid images and index.html references exactly them."""
    assert index.name == "index.html" and index.parent.name == "report"
    pngs = {p.name for p in index.parent.glob("*.png")}
    for name in pngs:
        path = index.parent / name
        assert path.read_bytes()[:8] == PNG_SIGNATURE
        image = imread(path)
        assert image.ndim == 3 and image.shape[0] >= 300 and image.shape[1] >= 800
    page = index.read_text()
    assert set(re.findall(r'<img src="([^"]+)"', page)) == pngs
    assert "Fidelity profile" in page and "ROAS" in page
    return pngs


def test_report_of_a_generate_all_folder(run_copy: Path) -> None:
    assert (run_copy / "anomalies.json").is_file()
    pngs = check_report(write_report(run_copy))
    assert pngs == CHARTS | {"anomalies.png"}
    page = (run_copy / "report" / "index.html").read_text()
    assert "not scored" in page  # nothing scored the anomalies yet


def test_report_without_anomalies(run_copy: Path) -> None:
    (run_copy / "anomalies.json").unlink()
    shutil.rmtree(run_copy / "events" / "kind=order_placed" / "flavour=validation")
    rerecord(run_copy)
    assert check_report(write_report(run_copy)) == CHARTS


def test_report_sets_the_attribution_models_against_the_truth(run_copy: Path) -> None:
    index = write_report(run_copy)
    assert "attribution.png" in check_report(index)
    page = index.read_text()
    assert "Credit per platform: the attribution models against the truth" in page
    # the ranking table lists the models in the order `score --attribution` ranks them
    ranked = [m.replace("_", " ") for m, _ in score_attribution(run_copy).ranking]
    listed = re.findall(r"<tr><td>\d</td><td>([a-z ]+)</td>", page)
    assert listed == ranked and len(ranked) == 5


def test_report_marks_detected_missed_and_unscored_anomalies(run_copy: Path) -> None:
    truth = {
        "seed": 11,
        "start_date": "2026-03-06",
        "end_date": END_DATE.isoformat(),
        "published_through": END_DATE.isoformat(),
        "anomalies": [
            anomaly("a01", "invalid_status", "2026-03-13", detected=True),
            anomaly("a02", "volume_spike", "2026-03-14", detected=False),
            anomaly("a03", "zero_amounts", "2026-03-15", detected=None),
        ],
    }
    (run_copy / "anomalies.json").write_text(json.dumps(truth))
    rerecord(run_copy)
    assert [a.status for a in read_anomalies(run_copy) or []] == [
        "detected",
        "missed",
        "not scored",
    ]
    index = write_report(run_copy)
    assert "anomalies.png" in check_report(index)
    page = index.read_text()
    for text in ('class="detected"', 'class="missed"', 'class="not-scored"', "a02"):
        assert text in page


def anomaly(id_: str, kind: str, date: str, detected: bool | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": id_,
        "kind": kind,
        "table": "raw_orders_validation",
        "column": "status",
        "dates": [date],
        "rows": 5,
        "params": {},
        "expected_tests": ["some_test"],
        "description": "a planted anomaly",
    }
    if detected is not None:
        entry["detected"] = detected
        entry["detected_by"] = ["some_test"] if detected else []
    return entry


def test_the_same_run_gives_the_same_report_bytes(run_copy: Path, tmp_path: Path) -> None:
    index = write_report(run_copy)
    first = {p.name: p.read_bytes() for p in index.parent.iterdir()}
    write_report(run_copy)
    second = {p.name: p.read_bytes() for p in index.parent.iterdir()}
    assert first == second


def test_report_command(run_copy: Path, tmp_path: Path, capsys: Any) -> None:
    assert main(["report", str(run_copy)]) == 0
    assert "report/index.html" in capsys.readouterr().out
    assert main(["report", str(tmp_path / "nothing")]) == 2
    empty = tmp_path / "no_events"
    empty.mkdir()
    shutil.copy(run_copy / "run_manifest.json", empty)
    capsys.readouterr()
    assert main(["report", str(empty)]) == 2
    err = capsys.readouterr().err
    assert "is damaged" in err and "missing" in err and len(err.splitlines()) == 1
    rerecord(empty)  # a run that lists no files: the event log is what is missing
    assert main(["report", str(empty)]) == 2
    assert "event log" in capsys.readouterr().err


HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("create table attribution_touches as select 1 as order_id")
print("ready", flush=True)
time.sleep(120)
"""


def test_a_locked_warehouse_leaves_the_attribution_chart_to_the_event_log(
    run_copy: Path, small_run: Path
) -> None:
    """Another process holds warehouse.duckdb: the report scores the five models from the event
    log instead, as for a run without a warehouse."""
    warehouse = RunFolder(run_copy).warehouse
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(warehouse)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(AttributionError, match="cannot read the attribution mart"):
            warehouse_credit(warehouse)  # the lock is real
        index = write_report(run_copy)
    finally:
        holder.kill()
        holder.wait()
    assert "attribution.png" in check_report(index)
    page = index.read_text()
    assert "models from the event log" in page and "the warehouse could not be read" in page
    ranked = [m.replace("_", " ") for m, _ in score_attribution(small_run).ranking]
    assert re.findall(r"<tr><td>\d</td><td>([a-z ]+)</td>", page) == ranked


def test_a_warehouse_without_the_mart_leaves_the_chart_to_the_event_log(run_copy: Path) -> None:
    with duckdb.connect(str(RunFolder(run_copy).warehouse)) as con:
        con.execute("create table orders as select 1 as order_id")
    score = score_attribution(run_copy)
    assert "the warehouse could not be read" in score.source
    assert sum(score.truth.signups.values()) == pytest.approx(
        sum(score.models["last_touch"].signups.values())
    )
    assert "attribution.png" in check_report(write_report(run_copy))
