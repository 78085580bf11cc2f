"""The typed run manifest: a round trip through the file, and clear errors on a damaged one."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from jaffle_sim.output.manifest import (
    DayRecord,
    FileRecord,
    ManifestError,
    RunIdentity,
    RunManifest,
)
from jaffle_sim.warehouse.results import DayResults, DbtResult, NodeResult


def manifest() -> RunManifest:
    m = RunManifest("run", RunIdentity(7, "2026-03-15", 2, {"a": {"b": 1}}), "2026-03-14")
    m.set_rows({"raw_orders_training": 12}, {"raw_orders_training": "seeds/x.csv"})
    node = NodeResult("test.x", "stg_orders_order_id_unique", "test", "fail", 0.1, 2, "bad")
    dbt = DayResults("2026-03-14", "training", [DbtResult("test", True, 1.5, (node,), False)])
    m.daily.append(DayRecord("2026-03-14", {"training": {"session": 3}}, dbt))
    m.event_log = {"training": {"session": 3}}
    m.status, m.dbt_ok = "complete", False
    return m


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "run_manifest.json"
    original = manifest()
    original.dump(path)
    loaded = RunManifest.load(path)
    assert loaded is not None
    assert loaded.to_dict() == original.to_dict()
    assert loaded.identity == original.identity
    day = loaded.daily[0]
    assert day.dbt is not None and day.dbt.failed_tests == ["stg_orders_order_id_unique"]
    assert day.events == {"training": {"session": 3}}


def test_absent_is_none(tmp_path: Path) -> None:
    assert RunManifest.load(tmp_path / "run_manifest.json") is None


@pytest.mark.parametrize(
    "text",
    ['{"seed": 1, "tables": {"t"', "[1, 2]", '{"seed": 1}', b"\xff\xfe".decode("latin-1")],
)
def test_damaged_files_name_the_file(tmp_path: Path, text: str) -> None:
    path = tmp_path / "run_manifest.json"
    path.write_text(text)
    with pytest.raises(ManifestError, match=r"run_manifest\.json"):
        RunManifest.load(path)


def test_unknown_status_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "run_manifest.json"
    data = manifest()
    data.status = "sideways"
    data.dump(path)
    with pytest.raises(ManifestError, match="status"):
        RunManifest.load(path)


def test_files_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "run_manifest.json"
    original = manifest()
    original.files = {
        "seeds/x.csv": FileRecord(120, "ab" * 32),
        "events/kind=session/flavour=training": FileRecord(4096, None, 3),
    }
    original.dump(path)
    loaded = RunManifest.load(path)
    assert loaded is not None and loaded.files == original.files


@pytest.mark.parametrize("status", ["failed", "interrupted", "running"])
def test_without_room_for_a_copy_the_status_changes_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, status: str
) -> None:
    path = tmp_path / "run_manifest.json"
    m = manifest()
    m.status = "running"
    m.dump(path)
    before = path.stat().st_size

    def full(self: RunManifest, where: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(RunManifest, "dump", full)
    m.status, m.error = status, "OSError: [Errno 28] No space left on device: '/x/.y.partial'"
    m.dump_at_the_end(path)  # raises nothing
    loaded = RunManifest.load(path)
    assert loaded is not None and loaded.status == status and loaded.error == m.error
    assert path.stat().st_size == before
    assert loaded.daily[0].to_dict() == m.daily[0].to_dict()


@pytest.mark.parametrize(
    ("error", "kept"),
    [
        ('a "quoted" \\ path\nand a second line', 'a "quoted" \\ path and a second line'),
        ("OSError: " + "é" * 400, "OSError: " + "é" * 37 + "..."),
        ("x" * 1000, "x" * 234 + "..."),
    ],
)
def test_an_error_in_place_is_one_line_cut_to_its_room(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: str, kept: str
) -> None:
    path = tmp_path / "run_manifest.json"
    m = manifest()
    m.status = "running"
    m.dump(path)
    text = path.read_bytes()

    def full(self: RunManifest, where: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(RunManifest, "dump", full)
    m.status, m.error = "failed", error
    m.dump_at_the_end(path)
    loaded = RunManifest.load(path)
    assert loaded is not None and (loaded.status, loaded.error) == ("failed", kept)
    changed = path.read_bytes()
    assert len(changed) == len(text) and changed[300:] == text[300:]  # the rest is untouched


def test_a_manifest_of_another_writer_is_not_changed_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "run_manifest.json"
    path.write_text('{"seed": 1, "status": "running"}\n')

    def full(self: RunManifest, where: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(RunManifest, "dump", full)
    m = manifest()
    m.status = "failed"
    m.dump_at_the_end(path)
    assert path.read_text() == '{"seed": 1, "status": "running"}\n'
