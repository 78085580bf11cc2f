"""`--resume` after kill -9 at random moments (during the days, the report or dbt) gives the
bytes of an uninterrupted run; a run is `complete` only when its last step is done and the files
its manifest lists are whole."""

from __future__ import annotations

import hashlib
import json
import random
import signal
import time
from pathlib import Path

import pytest

from jaffle_sim.cli import main
from tests.e2e.test_interrupts import start, wait_for
from tests.e2e.test_run_warehouse import marts

RUN = ["--days", "6", "--seed", "3", "--end-date", "2026-03-15", "--scale", "0.3"]
RUN += ["--no-report", "--workers", "1"]


def digests(root: Path) -> dict[str, str]:
    """The data files of a run (not dbt's own files under dbt_project/)."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
        and (p.suffix in (".csv", ".parquet") or p.name == "anomalies.json")
        and p.relative_to(root).parts[0] != "dbt_project"
    }


@pytest.fixture(scope="module")
def whole(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("whole") / "out"
    assert main(["run", "--no-dbt", *RUN, "--out", str(out), "--quiet"]) == 0
    return digests(out)


def manifest(out: Path) -> dict[str, object]:
    return dict(json.loads((out / "run_manifest.json").read_text()))


def resume(out: Path, *extra: str) -> int:
    return main(["run", *extra, *RUN, "--out", str(out), "--quiet", "--resume"])


KILLS = 4  # kill moments drawn from one seeded generator


@pytest.mark.slow
@pytest.mark.parametrize("case", range(KILLS))
def test_kill_then_resume_gives_the_same_bytes(
    whole: dict[str, str], tmp_path: Path, case: int
) -> None:
    out = tmp_path / "out"
    moments = random.Random(12)
    kill_after, delay = [(moments.randint(1, 5), moments.uniform(0, 0.05)) for _ in range(KILLS)][
        case
    ]  # day lines seen, then seconds into the next day (a day takes ~50 ms)
    proc = start("run", "--no-dbt", *RUN, "--out", str(out))
    assert proc.stderr is not None
    for _ in range(kill_after):
        assert proc.stderr.readline().startswith("day ")
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert manifest(out)["status"] == "running"
    assert len(manifest(out)["daily"]) >= kill_after  # type: ignore[arg-type]
    assert resume(out, "--no-dbt") == 0
    assert digests(out) == whole
    assert manifest(out)["status"] == "complete"


@pytest.mark.slow
def test_a_run_killed_during_its_report_is_not_complete_and_resumes(
    whole: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    args = [a for a in RUN if a != "--no-report"]
    proc = start("run", "--no-dbt", *args, "--out", str(out))
    wait_for(lambda: (out / "report").exists() or proc.poll() is not None)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL, "the run ended before its report was written"
    assert not (out / "report" / "index.html").exists()
    m = manifest(out)
    assert m["status"] == "running" and len(m["daily"]) == 6  # type: ignore[arg-type]
    assert main(["run", "--no-dbt", *args, "--out", str(out), "--quiet", "--resume"]) == 0
    assert digests(out) == whole
    assert manifest(out)["status"] == "complete" and (out / "report" / "index.html").is_file()


@pytest.mark.slow
def test_ctrl_c_during_the_report_leaves_the_run_interrupted(
    whole: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    args = [a for a in RUN if a != "--no-report"]
    proc = start("run", "--no-dbt", *args, "--out", str(out))
    wait_for(lambda: (out / "report").exists() or proc.poll() is not None)
    proc.send_signal(signal.SIGINT)
    assert proc.stderr is not None
    lines = [line for line in proc.stderr.read().splitlines() if not line.startswith("day ")]
    assert proc.wait() == 130 and lines == ["interrupted"], lines
    assert manifest(out)["status"] == "interrupted"
    assert main(["run", "--no-dbt", *args, "--out", str(out), "--quiet", "--resume"]) == 0
    assert digests(out) == whole and manifest(out)["status"] == "complete"


@pytest.mark.slow
def test_a_failing_report_leaves_the_run_failed_until_resumed(
    whole: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import jaffle_sim.report.run_report as run_report

    out = tmp_path / "out"
    args = ["run", "--no-dbt", *[a for a in RUN if a != "--no-report"], "--out", str(out)]
    real = run_report.write_report

    def broken(out_dir: Path) -> Path:
        raise RuntimeError("the charts cannot be drawn")

    monkeypatch.setattr(run_report, "write_report", broken)
    assert main([*args, "--quiet"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "error: RuntimeError: the charts cannot be drawn (--debug shows the traceback)"
    ]
    assert manifest(out)["status"] == "failed"
    monkeypatch.setattr(run_report, "write_report", real)
    assert main([*args, "--quiet", "--resume"]) == 0
    assert digests(out) == whole and manifest(out)["status"] == "complete"


DAMAGE = {
    "a truncated table": lambda out: (out / "seeds/training/raw_orders_training.csv").write_text(
        "id,user_id\n"
    ),
    "a deleted event-log part": lambda out: next(out.glob("events/kind=session/*/*/*")).unlink(),
    "a changed anomalies.json": lambda out: (out / "anomalies.json").write_text(
        (out / "anomalies.json").read_text().replace("volume_spike", "volume_spika")
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(DAMAGE))
def test_a_damaged_complete_run_is_refused_then_resumed(
    whole: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    out = tmp_path / "out"
    assert main(["run", "--no-dbt", *RUN, "--out", str(out), "--quiet"]) == 0
    DAMAGE[name](out)
    capsys.readouterr()
    assert main(["profile", str(out)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and f"{out} is damaged" in err[0] and "--resume" in err[0], err
    assert resume(out, "--no-dbt") == 0
    assert digests(out) == whole and manifest(out)["status"] == "complete"
    assert main(["profile", str(out)]) == 0


DBT_RUN = ["--days", "3", "--seed", "3", "--end-date", "2026-03-15", "--scale", "0.3"]
DBT_RUN += ["--no-report", "--workers", "1"]


@pytest.mark.slow
def test_resume_with_dbt_gives_the_same_files_and_marts(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    whole = tmp_path_factory.mktemp("whole-dbt") / "out"
    assert main(["run", *DBT_RUN, "--out", str(whole), "--quiet"]) == 0
    out = tmp_path_factory.mktemp("killed-dbt") / "out"
    proc = start("run", *DBT_RUN, "--out", str(out))
    assert proc.stderr is not None
    assert proc.stderr.readline().startswith("day 1/3")
    time.sleep(1.0)  # into the second day's dbt build (several seconds)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    m = manifest(out)
    assert m["status"] == "running" and len(m["daily"]) == 1, m["daily"]  # type: ignore[arg-type]
    assert main(["run", *DBT_RUN, "--out", str(out), "--quiet", "--resume"]) == 0
    assert digests(out) == digests(whole)
    done, expected = manifest(out), manifest(whole)
    assert done["status"] == "complete" and done["dbt_ok"] is True
    assert [d["date"] for d in done["daily"]] == [d["date"] for d in expected["daily"]]  # type: ignore[attr-defined]
    assert done["score"] == expected["score"]
    got, want = marts(out), marts(whole)
    assert {k: v[0] for k, v in got.items()} == {k: v[0] for k, v in want.items()}  # rows
    assert got == want  # and the rows themselves
    assert main(["score", str(out), "--format", "json"]) == 0  # rewrites anomalies.json
    assert main(["profile", str(out)]) == 0  # which the manifest records again


def test_resume_refuses_what_it_cannot_continue(
    whole: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["run", "--no-dbt", *RUN, "--out", str(out), "--resume", "--quiet"]) == 2
    assert "no run to resume" in capsys.readouterr().err
    assert main(["run", "--no-dbt", *RUN, "--out", str(out), "--quiet"]) == 0
    assert main(["run", "--no-dbt", *RUN, "--out", str(out), "--resume", "--quiet"]) == 2
    assert "complete" in capsys.readouterr().err
    other = [*RUN[:3], "4", *RUN[4:]]  # another seed
    assert main(["run", "--no-dbt", *other, "--out", str(out), "--resume", "--quiet"]) == 2
    assert "another run" in capsys.readouterr().err
    both = ["--resume", "--overwrite", "--quiet"]
    assert main(["run", "--no-dbt", *RUN, "--out", str(out), *both]) == 2


GENERATE = ["generate", "all", "--days", "3", "--seed", "5", "--end-date", "2026-03-15"]
GENERATE += ["--scale", "0.3", "--no-report", "--workers", "1", "--quiet"]
BROKEN = {
    "a deleted table": lambda out: (out / "seeds/sessions/stg_app_sessions.csv").unlink(),
    "a truncated event-log part": lambda out: next(out.glob("events/kind=click/*/*/*")).write_bytes(
        b"PAR1"
    ),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_resume_rewrites_a_damaged_complete_generate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    out = tmp_path / "out"
    assert main([*GENERATE, "--out", str(out)]) == 0
    before = digests(out)
    BROKEN[name](out)
    capsys.readouterr()
    assert main(["query", str(out), "select 1"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and f"{out} is damaged" in err[0], err
    assert "`jaffle-sim generate all --resume`" in err[0], err
    assert main([*GENERATE, "--out", str(out), "--resume"]) == 0
    assert digests(out) == before and manifest(out)["status"] == "complete"
    assert main(["query", str(out), "select 1"]) == 0
