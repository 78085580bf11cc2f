"""Elementary mode (`run --elementary`): the package copy it needs, what it stages and the window
vars it passes every simulated day.

A real run with the real Elementary package needs a copy of the packages, which are neither on
PyPI nor reachable by `dbt deps` offline: it is measured by hand with
`benchmarks/elementary_score.py --packages DIR` (README, "Elementary mode").
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jaffle_sim.cli import main
from jaffle_sim.events import STATUSES
from jaffle_sim.validation.elementary_monitors import ELEMENTARY_TESTS, PREFIX
from jaffle_sim.validation.kinds import KINDS
from jaffle_sim.warehouse import elementary
from jaffle_sim.warehouse.dbt_project import bundled_project_dir, stage_project

END = ["--end-date", "2026-03-15"]


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
    assert not (project / "macros" / elementary.MONITORS).exists()
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
    assert (project / "macros" / "elementary" / "edr_views.sql").is_file()
    assert not (project / "models" / "elementary" / "macros").exists()
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
    assert config["vars"]["order_statuses"] == list(STATUSES)


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
