"""The pipeline: a run into a folder through its hooks, its manifest and its claim on the folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from jaffle_sim.clock import Calendar, SimDay
from jaffle_sim.output.contract import SELECTIONS
from jaffle_sim.output.manifest import DayRecord, RunManifest
from jaffle_sim.pipeline import ValidationPlan, simulate_to_folder
from jaffle_sim.settings import BadInput, RunSettings
from jaffle_sim.simulation.scenario import Scenario


def settings(out: Path, seed: int = 3, overwrite: bool = False) -> RunSettings:
    cal = Calendar(dt.date(2026, 3, 15), 3)
    return RunSettings(cal, seed, Scenario.default().scaled(0.1), out, overwrite)


def test_a_run_writes_its_tables_manifest_and_progress(tmp_path: Path) -> None:
    days: list[tuple[SimDay, DayRecord]] = []
    result = simulate_to_folder(
        settings(tmp_path / "out"),
        "generate all",
        SELECTIONS["all"],
        event_log=True,
        publish_daily=False,
        validation=ValidationPlan(),
        progress=lambda day, record: days.append((day, record)),
    )
    assert [d.index for d, _ in days] == [0, 1, 2]
    assert all(set(r.events) == {"training", "validation"} for _, r in days)
    manifest = RunManifest.load(result.folder.manifest)
    assert manifest is not None and manifest.status == "complete"
    assert [d.date for d in manifest.daily] == ["2026-03-13", "2026-03-14", "2026-03-15"]
    assert set(manifest.tables) == set(SELECTIONS["all"])
    for name, table in manifest.tables.items():
        lines = (result.folder.root / table.path).read_text().count("\n")
        assert lines == table.rows + 1, name
    assert manifest.event_log is not None and set(manifest.event_log) == {"training", "validation"}
    assert result.folder.anomalies.is_file()
    assert not result.folder.staging.exists()


def test_another_run_in_the_folder_needs_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = dict(event_log=False, publish_daily=False)
    simulate_to_folder(settings(out), "generate ads", SELECTIONS["ads"], **run)  # type: ignore[arg-type]
    with pytest.raises(BadInput, match="another run"):
        simulate_to_folder(settings(out, seed=4), "generate ads", SELECTIONS["ads"], **run)  # type: ignore[arg-type]
    # the same run may add tables; the ads stay listed
    simulate_to_folder(settings(out), "generate training", SELECTIONS["training"], **run)  # type: ignore[arg-type]
    manifest = RunManifest.load(out / "run_manifest.json")
    assert manifest is not None
    assert set(manifest.tables) == set(SELECTIONS["ads"]) | set(SELECTIONS["training"])


def test_a_table_of_an_earlier_command_deleted_since_is_no_longer_listed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = dict(event_log=False, publish_daily=False)
    simulate_to_folder(settings(out), "generate ads", SELECTIONS["ads"], **run)  # type: ignore[arg-type]
    (out / "seeds" / "ads" / "stg_google_ads.csv").unlink()
    simulate_to_folder(settings(out), "generate training", SELECTIONS["training"], **run)  # type: ignore[arg-type]
    manifest = RunManifest.load(out / "run_manifest.json")
    assert manifest is not None and manifest.status == "complete"
    ads = set(SELECTIONS["ads"]) - {"stg_google_ads"}
    assert set(manifest.tables) == ads | set(SELECTIONS["training"])


def test_overwrite_never_follows_paths_read_from_the_folder(tmp_path: Path) -> None:
    out, victim = tmp_path / "out", tmp_path / "victim"
    out.mkdir()
    victim.mkdir()
    (victim / "precious.txt").write_text("precious")
    (out / "run_manifest.json").write_text(
        '{"seed": 1, "end_date": "2026-01-01", "days": 1, "start_date": "2026-01-01", '
        '"scenario": {}, "tables": {"t": {"path": "../victim/precious.txt", "rows": 1}, '
        f'"u": {{"path": "{victim}", "rows": 1}}}}}}\n'
    )
    simulate_to_folder(
        settings(out, overwrite=True),
        "generate ads",
        SELECTIONS["ads"],
        event_log=False,
        publish_daily=False,
    )
    assert (victim / "precious.txt").read_text() == "precious"
