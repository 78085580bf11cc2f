"""Elementary mode (`run --elementary`): the package copy it needs, what it stages, the window vars
it passes every simulated day, and a real run with the real Elementary package on a real DuckDB
file, scored per anomaly.

The dbt tests need a copy of the packages in the folder named by JAFFLE_SIM_ELEMENTARY_PACKAGES
(`elementary/` and `dbt_utils/`); without it they fail saying how to make one (see
:data:`MAKE_PACKAGES`). Nothing is fetched here.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from jaffle_sim.cli import main
from jaffle_sim.validation.elementary_monitors import ELEMENTARY_TESTS, PREFIX
from jaffle_sim.validation.kinds import KINDS
from jaffle_sim.warehouse import elementary
from jaffle_sim.warehouse.dbt_project import bundled_project_dir, stage_project

END = ["--end-date", "2026-03-15"]
ENV = "JAFFLE_SIM_ELEMENTARY_PACKAGES"
MAKE_PACKAGES = (
    f"set {ENV} to a folder holding elementary/ (elementary-data/dbt-data-reliability at tag "
    f"{elementary.ELEMENTARY_VERSION}) and dbt_utils/ (dbt-labs/dbt-utils at tag "
    f"{elementary.DBT_UTILS_VERSION}), e.g. DIR=/opt/elementary_packages; "
    "git clone -q --depth 1 --branch "
    f"{elementary.ELEMENTARY_VERSION} https://github.com/elementary-data/dbt-data-reliability "
    "$DIR/elementary; git clone -q --depth 1 --branch "
    f"{elementary.DBT_UTILS_VERSION} https://github.com/dbt-labs/dbt-utils $DIR/dbt_utils"
)


@pytest.fixture(scope="module")
def packages() -> Path:
    folder = os.environ.get(ENV)
    if not folder:
        pytest.fail(f"{ENV} is not set: {MAKE_PACKAGES}")
    try:
        return elementary.check_packages(Path(folder), ENV)
    except Exception as exc:
        pytest.fail(f"{exc}: {MAKE_PACKAGES}")


def one_line_exit_2(capsys: pytest.CaptureFixture[str], code: int, problem: str) -> None:
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("error: ") and problem in lines[0], err
    assert "Traceback" not in err + out


def fake_package(root: Path, name: str) -> None:
    (root / name).mkdir(parents=True)
    (root / name / "dbt_project.yml").write_text(f"name: {name}\nversion: '1.0'\n")


@pytest.mark.parametrize(
    ("present", "problem"),
    [
        ((), "lacks elementary/ (elementary-data/elementary 0.25.1) and dbt_utils/"),
        (("elementary",), "lacks dbt_utils/ (dbt-labs/dbt_utils 1.4.1)"),
        (("dbt_utils",), "lacks elementary/ (elementary-data/elementary 0.25.1)"),
        (None, "is not a folder"),
    ],
)
def test_missing_or_incomplete_packages_are_one_line_exit_2_and_nothing_written(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    present: tuple[str, ...] | None,
    problem: str,
) -> None:
    folder = tmp_path / "packages"
    if present is not None:
        folder.mkdir()
        for name in present:
            fake_package(folder, name)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    out = tmp_path / "out"
    edr = ["--elementary", "--elementary-packages", str(folder)]
    code = main(["run", "--days", "2", "--out", str(out), "--quiet", *END, *edr])
    one_line_exit_2(capsys, code, problem)
    assert not out.exists()
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_a_folder_whose_package_is_another_project_is_incomplete(tmp_path: Path) -> None:
    fake_package(tmp_path, "dbt_utils")
    (tmp_path / "elementary").mkdir()
    (tmp_path / "elementary" / "dbt_project.yml").write_text("name: something_else\n")
    with pytest.raises(Exception, match="lacks elementary/"):
        elementary.check_packages(tmp_path)


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["--elementary-packages", "x"], "--elementary-packages goes with --elementary"),
        (["--elementary", "--no-dbt"], "cannot go with --no-dbt"),
    ],
)
def test_elementary_options_that_do_not_fit_are_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], problem: str
) -> None:
    out = tmp_path / "out"
    code = main(["run", "--days", "2", "--out", str(out), "--quiet", *END, *args])
    one_line_exit_2(capsys, code, problem)
    assert not out.exists()


def test_the_default_staged_project_has_no_elementary(tmp_path: Path) -> None:
    project = stage_project(tmp_path)
    assert (bundled_project_dir() / elementary.MONITORS / "_elementary.yml").is_file()
    assert not (project / elementary.MONITORS).exists()
    assert not (project / "models" / elementary.MONITORS).exists()
    assert not (project / "packages.yml").exists()


def test_staging_adds_packages_monitors_and_settings(tmp_path: Path) -> None:
    packages = tmp_path / "packages"
    for name in ("elementary", "dbt_utils"):
        fake_package(packages, name)
    project = stage_project(tmp_path / "run")
    elementary.stage_elementary(project, packages, bundled_project_dir())
    for name in ("elementary", "dbt_utils"):
        assert (project / "dbt_packages" / name / "dbt_project.yml").is_file()
    assert (project / "models" / "elementary" / "_elementary.yml").is_file()
    pins = json.loads((project / "packages.yml").read_text().split("\n", 1)[1])
    assert {p["package"]: p["version"] for p in pins["packages"]} == {
        "elementary-data/elementary": "0.25.1",
        "dbt-labs/dbt_utils": "1.4.1",
    }
    config = json.loads((project / "dbt_project.yml").read_text().split("\n", 1)[1])
    assert config["models"]["elementary"] == {"+schema": "elementary"}
    flag = "require_explicit_package_overrides_for_builtin_materializations"
    assert config["flags"][flag] is False
    assert config["name"] == "jaffle_sim" and "jaffle_sim" in config["models"]


def test_window_vars_follow_simulated_time() -> None:
    first = elementary.window_vars("training", 0, "2026-03-02 00:00:00")
    assert first == {
        "custom_run_started_at": "2026-03-02T00:00:00",
        "days_back": 1,  # no history yet: a training set of one, which is not scored
        "backfill_days": 1,
    }
    assert elementary.window_vars("training", 7, "2026-03-09 00:00:00")["days_back"] == 8
    assert elementary.window_vars("training", 40, "2026-04-11 00:00:00")["days_back"] == 14
    last = elementary.window_vars("validation", 20, "2026-03-22 00:00:00")
    assert last["days_back"] == 21 and last["backfill_days"] == 7


def test_every_kind_has_its_elementary_tests_declared_in_the_monitors() -> None:
    declared = (bundled_project_dir() / elementary.MONITORS / "_elementary.yml").read_text()
    assert set(ELEMENTARY_TESTS) == set(KINDS)
    for names in ELEMENTARY_TESTS.values():
        for name in names:
            assert name.startswith(PREFIX)
            assert f"name: {name}\n" in declared, name
            training = "elementary_" + name.removeprefix(PREFIX)
            assert f"name: {training}\n" in declared, training


@pytest.mark.slow
def test_an_elementary_run_scores_its_tests_per_anomaly(
    tmp_path: Path, packages: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    small = ["--days", "10", "--seed", "1", "--scale", "0.3", "--no-report", "--quiet", *END]
    edr = ["--elementary", "--elementary-packages", str(packages)]
    code = main(["run", *small, "--out", str(out), *edr])
    assert code == 0, capsys.readouterr().err
    staged = out / "dbt_project"
    assert (staged / "dbt_packages" / "elementary" / "dbt_project.yml").is_file()
    manifest = json.loads((out / "run_manifest.json").read_text())
    ran: dict[str, set[str]] = {}
    for day in manifest["daily"]:
        for key in ("dbt", "dbt_validation"):
            for phase in (day.get(key) or {}).get("phases", []):
                for node in phase["nodes"]:
                    if node["name"].startswith("elementary_"):
                        ran.setdefault(key, set()).add(node["status"])
    assert ran["dbt"] == {"pass"}  # clean training days: Elementary raises nothing
    assert "fail" in ran["dbt_validation"]
    score = manifest["score"]
    assert score["training_false_alarms"] == []
    caught = {a["kind"]: a["elementary_detected_by"] for a in score["anomalies"]}
    assert score["elementary_detected"] == sum(1 for v in caught.values() if v) >= 5
    assert caught["volume_spike"] and caught["amount_shift"], caught
    capsys.readouterr()
    assert main(["score", str(out), "--format", "markdown"]) == 0
    text = capsys.readouterr().out
    assert "| Elementary |" in text and "Elementary's tests caught" in text
    shutil.rmtree(staged / "dbt_packages")  # the copy is the run's own: the source is untouched
    assert (packages / "elementary" / "dbt_project.yml").is_file()
