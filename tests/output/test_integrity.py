"""A run is `complete` only when every file its manifest lists is there and whole; a complete run
whose listed files are missing, changed or not recorded is damaged."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from jaffle_sim.clock import Calendar
from jaffle_sim.output import integrity
from jaffle_sim.output.contract import SELECTIONS
from jaffle_sim.output.manifest import RunManifest
from jaffle_sim.output.run_folder import RunFolder
from jaffle_sim.pipeline import RunResult, ValidationPlan, simulate_to_folder
from jaffle_sim.settings import RunSettings
from jaffle_sim.simulation.scenario import Scenario

ORDERS = "seeds/training/raw_orders_training.csv"


def generate(out: Path, finish: object = None) -> RunResult:
    settings = RunSettings(
        Calendar(dt.date(2026, 3, 15), 2), 3, Scenario.default().scaled(0.1), out, False
    )
    return simulate_to_folder(
        settings,
        "generate all",
        SELECTIONS["all"],
        event_log=True,
        publish_daily=False,
        validation=ValidationPlan(),
        finish=finish,  # type: ignore[arg-type]
    )


def loaded(out: Path) -> RunManifest:
    manifest = RunManifest.load(out / "run_manifest.json")
    assert manifest is not None
    return manifest


@pytest.mark.parametrize("gone", [ORDERS, "events/kind=click/flavour=validation"])
def test_a_listed_file_gone_before_the_end_leaves_the_run_failed(tmp_path: Path, gone: str) -> None:
    import shutil

    out = tmp_path / "out"

    def remove(result: RunResult) -> None:
        path = out / gone
        shutil.rmtree(path) if path.is_dir() else path.unlink()

    with pytest.raises(integrity.IncompleteRun, match=f"complete: {gone} is missing"):
        generate(out, remove)
    manifest = loaded(out)
    assert manifest.status == "failed" and manifest.files == {}
    assert manifest.error is not None and f"{gone} is missing" in manifest.error


def test_a_complete_run_records_every_listed_file_and_then_is_whole(tmp_path: Path) -> None:
    out = tmp_path / "out"
    generate(out)
    manifest, folder = loaded(out), RunFolder(out)
    assert manifest.status == "complete"
    assert set(integrity.expected(folder, manifest)) <= set(manifest.files)
    assert manifest.event_log is not None
    kinds = sum(1 for rows in manifest.event_log.values() for n in rows.values() if n)
    assert len(manifest.files) == len(SELECTIONS["all"]) + 1 + kinds  # tables, anomalies, log
    assert integrity.problems(folder, manifest) == []
    assert integrity.damage(folder, manifest) is None


def test_a_listed_file_that_was_not_recorded_is_damage(tmp_path: Path) -> None:
    out = tmp_path / "out"
    generate(out)
    manifest, folder = loaded(out), RunFolder(out)
    del manifest.files[ORDERS]
    del manifest.files["events/kind=session/flavour=training"]
    assert integrity.problems(folder, manifest) == [
        f"{ORDERS} was not recorded",
        "events/kind=session/flavour=training was not recorded",
    ]
    line = integrity.damage(folder, manifest)
    assert line is not None and line.startswith(f"{out} is damaged: {ORDERS} was not recorded")
    assert "(and 1 more)" in line
