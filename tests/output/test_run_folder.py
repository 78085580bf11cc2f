"""The run folder's claim and lock: only what this tool writes is removed, never through a link
leading outside; one command at a time holds a folder."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from jaffle_sim.output import lock
from jaffle_sim.output.run_folder import OutputExists, RunFolder

PROJECT_FILES = {"dbt_project.yml", "models/staging/stg_orders.sql"}


def tree(root: Path) -> dict[str, str]:
    """Every file and folder under `root` (links as their targets), with file contents."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            out[rel] = f"-> {path.readlink()}"
        elif path.is_dir():
            out[rel] = "/"
        else:
            out[rel] = path.read_text(errors="replace")
    return out


def write(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def full_run(folder: RunFolder) -> list[Path]:
    """Every kind of file a run writes (with leftovers of an interrupted one)."""
    written = [
        folder.table("raw_orders_training"),
        folder.table("stg_google_ads"),
        folder.table("raw_orders_validation"),
        folder.manifest,
        folder.anomalies,
        *folder.warehouse_files,
        folder.event_part("session", "training", "2026-03-14", 0),
        folder.event_part("session", "training", "2026-03-14", 1),
        folder.event_part("order_placed", "validation", "2026-03-15", 0),
        folder.event_kind("click", "training") / "date=2026-03-15" / ".part-0.parquet.partial",
        folder.report_index,
        folder.report / "funnel.png",
        folder.dbt_project / "dbt_project.yml",
        folder.dbt_project / "models/staging/stg_orders.sql",
        folder.dbt_project / "profiles.yml",
        folder.dbt_project / "target/run/x.sql",
        folder.dbt_project / "logs/dbt.log",
        folder.staging / "training-0" / "orders.spill",
    ]
    for path in written:
        write(path, "ours")
    return written


def user_files(folder: RunFolder) -> list[Path]:
    """A user's own file in every folder of a run (and one beside each of ours)."""
    places = [
        folder.root,
        folder.seeds,
        folder.seed_group("training"),
        folder.seed_group("ads"),
        folder.events,
        folder.event_kind("session"),
        folder.event_kind("session", "training"),
        folder.event_kind("session", "training") / "date=2026-03-14",
        folder.report,
        folder.dbt_project,
        folder.dbt_project / "models",
        folder.dbt_project / "models/staging",
    ]
    mine = [write(place / "my_notes.txt", "precious") for place in places]
    mine.append(write(folder.seed_group("training") / "raw_orders_training.csv.bak", "precious"))
    mine.append(write(folder.events / "my_kind/flavour=training/date=2026-03-14/part-0.parquet"))
    mine.append(write(folder.dbt_project / "models/my_model.sql", "precious"))
    return mine


def test_overwrite_removes_only_what_the_tool_writes(tmp_path: Path) -> None:
    folder = RunFolder(tmp_path / "out")
    ours = full_run(folder)
    mine = user_files(folder)
    folder.claim(folder.outputs(), overwrite=True, project_files=PROJECT_FILES)
    for path in ours:
        assert not path.exists(), path
    for path in mine:
        assert path.read_text() in ("precious", "x"), path
    assert not folder.staging.exists()
    assert not (folder.event_kind("order_placed")).exists()  # emptied folders are removed
    assert not (folder.dbt_project / "target").exists()
    assert folder.event_kind("session", "training").is_dir()  # still holds a user's file


def test_without_overwrite_nothing_changes(tmp_path: Path) -> None:
    folder = RunFolder(tmp_path / "out")
    full_run(folder)
    user_files(folder)
    before = tree(folder.root)
    with pytest.raises(OutputExists, match="--overwrite"):
        folder.claim([folder.events, folder.report], overwrite=False)
    assert tree(folder.root) == before


def test_a_folder_of_only_user_files_is_not_an_output(tmp_path: Path) -> None:
    folder = RunFolder(tmp_path / "out")
    write(folder.report / "my_notes.txt")
    write(folder.events / "README")
    folder.claim([folder.report, folder.events], overwrite=False)  # nothing of ours: no refusal
    assert (folder.report / "my_notes.txt").exists() and (folder.events / "README").exists()


@pytest.mark.parametrize(
    "link",
    [
        "events",
        "report",
        "seeds/training",
        "dbt_project",
        "events/kind=session",
        "events/kind=session/flavour=training/date=2026-03-14",
        "run_manifest.json",
        ".jaffle-sim-staging",
    ],
)
def test_links_leading_outside_are_refused(tmp_path: Path, link: str) -> None:
    victim = tmp_path / "victim"
    write(victim / "precious.txt", "precious")
    write(victim / "part-0.parquet", "precious")
    folder = RunFolder(tmp_path / "out")
    full_run(folder)
    target = folder.root / link
    if target.is_dir():
        for path in sorted(target.rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        target.rmdir()
    elif target.exists():
        target.unlink()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.symlink_to(victim, target_is_directory=True)
    before, victim_before = tree(folder.root), tree(victim)
    paths = [*folder.outputs(), folder.table("raw_orders_training")]
    with pytest.raises(OutputExists, match="outside"):
        folder.claim(paths, overwrite=True, project_files=PROJECT_FILES)
    assert tree(victim) == victim_before
    assert tree(folder.root) == before


def test_a_link_inside_the_folder_is_removed_as_a_link(tmp_path: Path) -> None:
    folder = RunFolder(tmp_path / "out")
    keep = write(folder.root / "mine" / "data.csv", "precious")
    folder.seed_group("training").mkdir(parents=True)
    folder.table("raw_orders_training").symlink_to(keep)
    folder.claim([folder.table("raw_orders_training")], overwrite=True)
    assert not folder.table("raw_orders_training").is_symlink()
    assert keep.read_text() == "precious"


HOLD_DUCKDB = textwrap.dedent(
    """
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])
    con.execute("create table t as select 1 as a")
    print("open", flush=True)
    time.sleep(60)
    """
)


def test_overwrite_never_removes_a_warehouse_another_process_holds(tmp_path: Path) -> None:
    folder = RunFolder(tmp_path / "out")
    full_run(folder)
    folder.warehouse.unlink()
    folder.warehouse_files[1].unlink()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_DUCKDB, str(folder.warehouse)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        before = tree(folder.root)
        with pytest.raises(OutputExists, match=rf"open in another process \(process {holder.pid}"):
            folder.claim(folder.outputs(), overwrite=True, project_files=PROJECT_FILES)
        assert tree(folder.root) == before
    finally:
        holder.kill()
        holder.wait()
    folder.claim(folder.outputs(), overwrite=True, project_files=PROJECT_FILES)
    assert not folder.warehouse.exists()


HOLD_LOCK = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from jaffle_sim.output import lock
    from jaffle_sim.output.run_folder import RunFolder
    with lock.command_scope("jaffle-sim run --days 30"):
        lock.hold(RunFolder(Path(sys.argv[1])))
        print("locked", flush=True)
        time.sleep(60)
    """
)


def test_one_process_at_a_time_holds_a_folder(tmp_path: Path) -> None:
    folder = RunFolder(tmp_path / "out")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(folder.root)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        before = tree(folder.root)
        with (
            lock.command_scope("second"),
            pytest.raises(lock.FolderLocked, match=rf"pid {holder.pid}: jaffle-sim run --days 30"),
        ):
            lock.hold(folder)
        assert tree(folder.root) == before
    finally:
        holder.kill()
        holder.wait()
    with lock.command_scope("third"):  # the kernel dropped the dead holder's lock
        assert lock.hold(folder) is True
        assert lock.hold(folder) is False  # this process holds it already
        assert folder.lock.read_text().startswith(f"pid {__import__('os').getpid()}: third")
    assert not folder.lock.exists()


def test_a_lock_that_made_the_folder_removes_it_when_released_empty(tmp_path: Path) -> None:
    folder = RunFolder(tmp_path / "a" / "b")
    with lock.command_scope("test"):
        lock.hold(folder)
        assert folder.lock.exists()
    assert not (tmp_path / "a").exists()


def test_an_unwritable_folder_is_said_so(tmp_path: Path) -> None:
    blocker = write(tmp_path / "file")
    with lock.command_scope("test"), pytest.raises(lock.FolderNotWritable, match="cannot create"):
        lock.hold(RunFolder(blocker / "out"))
