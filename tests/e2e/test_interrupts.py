"""Runs that are stopped or cannot go on: a second run on a locked folder, Ctrl-C and SIGTERM,
a full disk. Each ends in one line (after the day lines) with its exit status, and the manifest
says how the run ended."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from jaffle_sim.cli import main
from jaffle_sim.output.manifest import RunManifest
from jaffle_sim.output.run_folder import RunFolder

END = ["--end-date", "2026-03-15"]


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "jaffle_sim", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "1000"},  # a progress line per day, never wrapped
    )


def wait_for(condition: object, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


def status(out: Path) -> str:
    return str(json.loads((out / "run_manifest.json").read_text())["status"])


def other_lines(stderr: str) -> list[str]:
    """stderr without the progress lines (`day N/M ...`)."""
    return [line for line in stderr.splitlines() if not line.startswith("day ")]


def interrupt_after_first_day(tmp_path: Path, sig: int, *args: str) -> tuple[int, str, Path]:
    out = tmp_path / "out"
    proc = start("run", "--days", "60", "--out", str(out), "--workers", "1", *END, *args)
    assert proc.stderr is not None
    first = proc.stderr.readline()
    assert first.startswith("day 1/60"), first + proc.stderr.read()
    proc.send_signal(sig)
    rest = proc.stderr.read()
    return proc.wait(timeout=120), first + rest, out


@pytest.mark.slow
def test_a_second_run_on_a_locked_folder_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    first = start(
        "run", "--no-dbt", "--days", "30", "--out", str(out), "--quiet", "--workers", "1", *END
    )
    wait_for(lambda: RunFolder(out).lock.exists() or first.poll() is not None)
    assert first.poll() is None, "the first run ended before the second started"
    for extra in ([], ["--overwrite"]):
        code = main(["generate", "all", "--days", "2", "--out", str(out), "--quiet", *END, *extra])
        _, err = capsys.readouterr()
        assert code == 2 and len(err.splitlines()) == 1, err
        assert f"in use by another run (pid {first.pid}: jaffle-sim run --no-dbt" in err
    assert first.wait(timeout=120) == 0, first.stderr.read() if first.stderr else ""
    assert status(out) == "complete"
    manifest = json.loads((out / "run_manifest.json").read_text())
    assert manifest["days"] == 30 and len(manifest["daily"]) == 30
    for name, table in manifest["tables"].items():
        rows = (out / table["path"]).read_text().count("\n") - 1
        assert rows == table["rows"], name
    assert not RunFolder(out).lock.exists()


@pytest.mark.slow
@pytest.mark.parametrize(
    "sig, code, line",
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "interrupted (SIGTERM)")],
)
def test_an_interrupted_run_says_so_in_one_line(
    tmp_path: Path, sig: int, code: int, line: str
) -> None:
    returncode, stderr, out = interrupt_after_first_day(tmp_path, sig, "--no-dbt")
    assert returncode == code, stderr
    assert other_lines(stderr) == [line], stderr
    manifest = json.loads((out / "run_manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    assert manifest["error"] == f"interrupted by {signal.Signals(sig).name}"
    assert not RunFolder(out).lock.exists()


@pytest.mark.slow
def test_ctrl_c_during_dbt_prints_no_traceback(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = start("run", "--days", "8", "--out", str(out), "--workers", "1", "--no-report", *END)
    assert proc.stderr is not None
    first = proc.stderr.readline()
    assert first.startswith("day 1/8"), first + proc.stderr.read()
    time.sleep(1.5)  # the second day's dbt seed, run and test take longer than that
    proc.send_signal(signal.SIGINT)
    rest = proc.stderr.read()
    assert proc.wait(timeout=120) == 130, first + rest
    assert other_lines(rest) == ["interrupted"], rest
    assert status(out) == "interrupted"


@contextlib.contextmanager
def small_disk(where: Path, size: str) -> Iterator[bool]:
    """A tmpfs of `size` at `where` (True), or False when mounting is not permitted (not root)."""
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True
    )
    assert done.returncode == 0 or os.geteuid() != 0, done.stderr  # root: always a real disk
    try:
        yield done.returncode == 0
    finally:
        if done.returncode == 0:
            subprocess.run(["umount", str(where)], check=True)


FULL_DISKS = {
    "generate": ("2m", ["generate", "all", "--days", "60", "--no-report"]),
    "run without dbt": ("2m", ["run", "--no-dbt", "--days", "60"]),
    "run with dbt": ("4m", ["run", "--days", "3", "--scale", "0.3", "--no-report"]),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(FULL_DISKS))
def test_a_full_disk_fails_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    size, command = FULL_DISKS[name]
    disk = tmp_path / "disk"
    with small_disk(disk, size) as real:
        if not real:  # no tmpfs: every event-log part finds the disk full
            import pyarrow.parquet as pq

            def full(*args: object, **kwargs: object) -> None:
                raise OSError(errno.ENOSPC, "No space left on device")

            monkeypatch.setattr(pq, "write_table", full)
        out = disk / "out"
        args = [*command, "--out", str(out), "--quiet", "--workers", "1", *END]
        if real:  # a process of its own: the disk is unmounted after it
            done = subprocess.run([sys.executable, "-m", "jaffle_sim", *args], capture_output=True)
            code, err = done.returncode, done.stderr.decode()
        else:
            code, err = main(args), capsys.readouterr().err
        assert code == 1, err
        assert len(err.splitlines()) == 1 and "No space left on device" in err, err
        assert "Traceback" not in err and "Logging error" not in err
        manifest = json.loads((out / "run_manifest.json").read_text())
        assert manifest["status"] == "failed", manifest.get("error")
        assert "No space left on device" in manifest["error"], manifest["error"]
        assert "\n" not in manifest["error"]
        assert len(manifest["daily"]) < manifest["days"]
        assert not RunFolder(out).lock.exists()
        if real:  # and when not even a copy of the manifest fits: status and error in place
            path = out / "run_manifest.json"
            size = path.stat().st_size
            fill(disk)
            ended = RunManifest.load(path)
            assert ended is not None
            ended.status, ended.error = "interrupted", f"OSError: {err.strip()} " + "x" * 300
            ended.dump_at_the_end(path)
            again = json.loads(path.read_text())
            assert again["status"] == "interrupted" and path.stat().st_size == size
            assert again["error"].startswith(f"OSError: {err.strip()} xxx"), again["error"]
            assert again["error"].endswith("x...") and len(again["error"]) < 240


def fill(disk: Path) -> None:
    """Take every byte left on `disk`; asserts that not one more can be written."""
    with open(disk / "filler", "wb", buffering=0) as fh:
        for size in (1 << 16, 1):
            with contextlib.suppress(OSError):
                while True:
                    fh.write(b"\0" * size)
    with pytest.raises(OSError, match="No space left"), open(disk / "one-more", "wb") as fh:
        fh.write(b"\0" * 4096)
        fh.flush()
        os.fsync(fh.fileno())


def test_debug_shows_the_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from jaffle_sim.settings import BadInput

    args = ["generate", "all", "--days", "0", "--out", str(tmp_path / "o")]
    assert main(args) == 2 and len(capsys.readouterr().err.splitlines()) == 1
    with pytest.raises(BadInput, match="--days"):  # Python prints its traceback
        main([*args, "--debug"])
    monkeypatch.setenv("JAFFLE_SIM_DEBUG", "1")
    with pytest.raises(BadInput, match="--days"):
        main(args)


def test_an_unexpected_error_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import jaffle_sim.pipeline as pipeline

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(pipeline, "simulate_to_folder", broken)
    code = main(["generate", "all", "--days", "1", "--out", str(tmp_path / "o"), "--quiet"])
    _, err = capsys.readouterr()
    assert code == 1 and err.splitlines() == [
        "error: ZeroDivisionError: division by zero (--debug shows the traceback)"
    ]
