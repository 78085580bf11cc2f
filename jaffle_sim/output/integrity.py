"""Whether the files a complete run's manifest lists are there and whole.

A run records, as it completes, the size and SHA-256 of every table and of `anomalies.json`, and
per kind and flavour of the event log the number of Parquet parts and their total size. Readers
of a complete run (`profile`, `score`, `report`, `query`, `--resume`) check them: a missing,
truncated or changed file makes the run damaged, and `--resume` rewrites it. A run is recorded
complete only once every file it lists is there and on disk, so the manifest never says
`complete` before its last file is whole."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from jaffle_sim.output.contract import TABLES
from jaffle_sim.output.manifest import FileRecord, RunManifest
from jaffle_sim.output.run_folder import RunFolder


class IncompleteRun(Exception):
    """A file the manifest lists is not there when the run is to be marked complete."""


def record(folder: RunFolder, manifest: RunManifest) -> None:
    """Record the files `manifest` lists as they are now in `folder` (`manifest.files`), once
    they are on disk (one `sync`: an fsync per event-log part costs seconds on a long run).
    Raises IncompleteRun when one of them is missing."""
    os.sync()
    files: dict[str, FileRecord] = {}
    for path in _listed(folder, manifest):
        if path.is_file():
            files[_rel(folder, path)] = FileRecord(path.stat().st_size, _sha256(path))
    if manifest.event_log is not None:
        files.update(_event_parts(folder))
    manifest.files = files
    missing = [rel for rel in expected(folder, manifest) if rel not in files]
    if missing:
        raise IncompleteRun(f"cannot mark {folder.root} complete: {missing[0]} is missing")


def expected(folder: RunFolder, manifest: RunManifest) -> list[str]:
    """What the manifest says the run wrote: its tables, and the event log's folder of each kind
    and flavour it counts rows of."""
    tables = [folder.table_relpath(name) for name in manifest.tables if name in TABLES]
    log = manifest.event_log or {}
    kinds = [
        _rel(folder, folder.event_kind(kind, flavour))
        for flavour, rows in log.items()
        for kind, n in rows.items()
        if n > 0
    ]
    return [*tables, *kinds]


def refresh(folder: RunFolder, manifest: RunManifest, path: Path) -> None:
    """Record `path` again after a command rewrote it (when the run records its files)."""
    if manifest.files:
        manifest.files[_rel(folder, path)] = FileRecord(path.stat().st_size, _sha256(path))


def problems(folder: RunFolder, manifest: RunManifest) -> list[str]:
    """What is wrong with the recorded files (empty when every one is there and whole)."""
    found = [
        f"{rel} was not recorded" for rel in expected(folder, manifest) if rel not in manifest.files
    ]
    parts = (
        _event_parts(folder) if any(r.parts is not None for r in manifest.files.values()) else {}
    )
    for rel, want in manifest.files.items():
        if want.parts is not None:
            have = parts.get(rel)
            if have is None:
                found.append(f"the event log's {rel}/ is missing")
            elif (have.parts, have.bytes) != (want.parts, want.bytes):
                found.append(
                    f"the event log's {rel}/ has {have.parts} parts of {have.bytes} bytes, "
                    f"the run wrote {want.parts} of {want.bytes}"
                )
            continue
        path = folder.root / rel
        if not folder.inside(path) or not path.is_file():
            found.append(f"{rel} is missing")
        elif path.stat().st_size != want.bytes:
            found.append(f"{rel} has {path.stat().st_size} bytes, the run wrote {want.bytes}")
        elif want.sha256 is not None and _sha256(path) != want.sha256:
            found.append(f"{rel} has changed since the run wrote it")
    return found


def damage(folder: RunFolder, manifest: RunManifest) -> str | None:
    """One line on a complete run whose files are not whole (None when they are, or the run
    is not complete)."""
    if manifest.status != "complete":
        return None
    found = problems(folder, manifest)
    if not found:
        return None
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    return (
        f"{folder.root} is damaged: {found[0]}{more}; `jaffle-sim {manifest.command or 'run'} "
        "--resume` with the run's options writes it again"
    )


def _listed(folder: RunFolder, manifest: RunManifest) -> list[Path]:
    tables = [folder.table(name) for name in manifest.tables if name in TABLES]
    return [*tables, folder.anomalies]


def _event_parts(folder: RunFolder) -> dict[str, FileRecord]:
    out: dict[str, FileRecord] = {}
    root = len(str(folder.root)) + 1
    for part in folder.event_part_entries():
        if not part.name.endswith(".parquet"):
            continue
        rel = os.path.dirname(os.path.dirname(part.path))[root:]  # events/kind=../flavour=..
        seen = out.setdefault(rel, FileRecord(0, None, 0))
        seen.bytes += part.stat().st_size
        seen.parts = (seen.parts or 0) + 1
    return out


def _rel(folder: RunFolder, path: Path) -> str:
    return path.relative_to(folder.root).as_posix()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
