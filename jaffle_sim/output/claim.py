"""Claiming a run folder before the first write: its lock, the run it already holds (the same
run may gain tables or be resumed; another is replaced only with --overwrite) and every path
this command will write."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from jaffle_sim.output.manifest import ManifestError, RunIdentity, RunManifest
from jaffle_sim.output.run_folder import OutputExists, RunFolder
from jaffle_sim.settings import BadInput, RunSettings


def identity(settings: RunSettings, shards: int = 1) -> RunIdentity:
    cal = settings.calendar
    return RunIdentity(
        settings.seed,
        cal.end_date.isoformat(),
        cal.days,
        settings.scenario.to_dict(),
        shards,
        settings.compat,
    )


def claim_outputs(
    settings: RunSettings,
    folder: RunFolder,
    tables: Sequence[str],
    paths: Sequence[str],
    shards: int = 1,
    resume: bool = False,
) -> RunManifest | None:
    """Check the output folder before writing: take its lock (held to the end of the command, so
    no other run writes there meanwhile), then refuse to replace anything without --overwrite.
    A folder that holds the same run (same seed, calendar, scenario) may gain more tables (the
    manifest of that run is returned); one that holds another run (or an unreadable manifest) is
    replaced as a whole with --overwrite: every output this tool writes (`RunFolder.outputs`),
    never a path read from the folder. On any refusal nothing in the folder has changed."""
    from jaffle_sim.output import lock

    try:
        newly_locked = lock.hold(folder)
    except (lock.FolderLocked, lock.FolderNotWritable) as exc:
        raise BadInput(f"--out {exc}") from None
    try:
        try:
            old = RunManifest.load(folder.manifest)
            replace = old is not None and old.identity != identity(settings, shards)
        except ManifestError as exc:
            if not settings.overwrite:
                raise BadInput(
                    f"{exc}; pass --overwrite to replace it or choose another --out"
                ) from None
            old, replace = None, True
        if resume:
            return resumable(folder, old, replace)
        claimed = [folder.table(t) for t in tables] + [folder.root / p for p in paths]
        if old is not None and replace and not settings.overwrite:
            raise BadInput(
                f"{folder.root} holds another run (seed {old.seed}, end date {old.end_date}, "
                f"{old.days} days); pass --overwrite to replace it or choose another --out"
            )
        if replace:
            claimed += folder.outputs()
        if folder.warehouse in claimed:
            claimed += folder.warehouse_files
        project_files: set[str] = set()
        if folder.dbt_project in claimed and folder.dbt_project.is_dir():
            from jaffle_sim.warehouse.dbt_project import bundled_project_dir

            with contextlib.suppress(FileNotFoundError):
                src = bundled_project_dir()
                project_files = {f.relative_to(src).as_posix() for f in src.rglob("*")}
        try:
            folder.claim(claimed, settings.overwrite, project_files)
        except OutputExists as exc:
            raise BadInput(str(exc)) from None
    except BaseException:
        if newly_locked:
            lock.release(folder.root)
        raise
    return None if old is None or replace else old


def resumable(folder: RunFolder, old: RunManifest | None, other_run: bool) -> RunManifest:
    """The manifest of the interrupted run `--resume` continues: the same run, not complete (or
    complete with a file it lists missing or damaged)."""
    if old is None:
        raise BadInput(f"--resume: {folder.root} holds no run to resume")
    if other_run:
        raise BadInput(
            f"--resume: {folder.root} holds another run (seed {old.seed}, end date "
            f"{old.end_date}, {old.days} days); give the options of the run to resume"
        )
    if old.status == "complete":
        from jaffle_sim.output import integrity

        if not integrity.problems(folder, old):
            raise BadInput(f"--resume: the run in {folder.root} is complete; nothing to resume")
    return old
