"""`--resume` after kill -9 at random moments gives the bytes of an uninterrupted run."""

from __future__ import annotations

import hashlib
import json
import random
import signal
from pathlib import Path

import pytest

from jaffle_sim.cli import main
from tests.e2e.test_interrupts import start

RUN = ["--days", "6", "--seed", "3", "--end-date", "2026-03-15", "--scale", "0.3"]
RUN += ["--no-report", "--workers", "1"]


def digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and (p.suffix in (".csv", ".parquet") or p.name == "anomalies.json")
    }


@pytest.fixture(scope="module")
def whole(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("whole") / "out"
    assert main(["run", "--no-dbt", *RUN, "--out", str(out), "--quiet"]) == 0
    return digests(out)


@pytest.mark.slow
@pytest.mark.parametrize("case", range(3))
def test_kill_then_resume_gives_the_same_bytes(
    whole: dict[str, str], tmp_path: Path, case: int
) -> None:
    out = tmp_path / "out"
    kill_after = random.Random(case).randint(1, 5)  # day lines seen before kill -9
    proc = start("run", "--no-dbt", *RUN, "--out", str(out))
    assert proc.stderr is not None
    for _ in range(kill_after):
        assert proc.stderr.readline().startswith("day ")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    manifest = json.loads((out / "run_manifest.json").read_text())
    assert manifest["status"] == "running" and len(manifest["daily"]) >= kill_after
    assert main(["run", "--no-dbt", *RUN, "--out", str(out), "--quiet", "--resume"]) == 0
    assert digests(out) == whole
    assert json.loads((out / "run_manifest.json").read_text())["status"] == "complete"


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
