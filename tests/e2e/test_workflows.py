"""The GitHub workflows and .ci/run run what the README documents, and the nightly keeps the
promises that would otherwise break silently: schedule, inputs, seed, conversion window, failing on
a training-day dbt test failure, artifacts, and a job summary that survives a failed run."""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import typer
import yaml

from jaffle_sim.cli import app

ROOT = Path(__file__).resolve().parents[2]
GITHUB = ROOT / ".github"
SHA_PIN = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


# -- reading the README, the workflows and .ci/run -------------------------------------------------
def readme_commands() -> tuple[list[str], list[str]]:
    """The README's first two fenced bash commands (install + run, install + test), split at &&."""
    blocks = re.findall(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    assert len(blocks) >= 2, "the README starts with two bash commands"
    first, second = ([p.strip() for p in b.strip().split("&&")] for b in blocks[:2])
    return first, second


def piece(command: list[str], prefix: str) -> str:
    found = [p for p in command if p.startswith(prefix)]
    assert len(found) == 1, f"one `{prefix}...` in the README command {command}"
    return found[0]


INSTALL_RUN, INSTALL_TEST = readme_commands()
README_INSTALL = piece(INSTALL_RUN, "pip install")
README_RUN = piece(INSTALL_RUN, "jaffle-sim run")
README_TEST_INSTALL = piece(INSTALL_TEST, "pip install")
README_TEST = INSTALL_TEST[-1]


def workflow(name: str) -> dict[str, Any]:
    data = yaml.safe_load((GITHUB / "workflows" / name).read_text())
    # YAML 1.1 reads the key `on` as True.
    if True in data:
        data["on"] = data.pop(True)
    return data


NIGHTLY = workflow("nightly.yml")
CI = workflow("ci.yml")
(NIGHTLY_JOB,) = NIGHTLY["jobs"].values()


def lines(script: str) -> list[str]:
    """The commands of a `run:` script: one per line, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", script)
    return [" ".join(line.split()) for line in joined.splitlines() if line.strip()]


def commands(job: dict[str, Any]) -> list[str]:
    return [c for step in job["steps"] if "run" in step for c in lines(step["run"])]


def step(job: dict[str, Any], key: str) -> dict[str, Any]:
    """The step with id or name `key`, or the one whose `run:` starts with `key`."""
    for s in job["steps"]:
        if key in (s.get("id"), s.get("name")) or any(
            c.startswith(key) for c in lines(s.get("run", ""))
        ):
            return s
    raise AssertionError(f"no step {key!r}")


def command(job: dict[str, Any], prefix: str) -> list[str]:
    found = [c for c in commands(job) if c.startswith(prefix)]
    assert len(found) == 1, f"one `{prefix}...` command, found {found}"
    return shlex.split(found[0].split("|")[0])


def option(tokens: list[str], name: str) -> str:
    assert name in tokens, f"{name} in {tokens}"
    return tokens[tokens.index(name) + 1]


def ci_run_lines() -> list[str]:
    return lines((ROOT / ".ci" / "run").read_text())


def cli_options(name: str) -> set[str] | None:
    """The option names of `jaffle-sim NAME`, or None when the CLI has no such command."""
    group = typer.main.get_command(app)
    sub = group.commands.get(name)
    if sub is None:
        return None
    return {o for p in sub.params for o in (*p.opts, *p.secondary_opts)}


# -- the README's commands -------------------------------------------------------------------------
def test_nightly_installs_with_the_readmes_install_command():
    assert README_INSTALL == "pip install ."
    cmds = commands(NIGHTLY_JOB)
    assert README_INSTALL in cmds
    run_at = next(i for i, c in enumerate(cmds) if c.startswith("jaffle-sim run"))
    assert cmds.index(README_INSTALL) < run_at


def test_nightly_runs_the_readmes_run_command_with_the_ci_conversion_window():
    documented = shlex.split(README_RUN)
    tokens = command(NIGHTLY_JOB, "jaffle-sim run")
    assert tokens[:2] == documented[:2] == ["jaffle-sim", "run"]
    # Every option the README gives is given, and the README's value is the default.
    for name, value in zip(documented[2::2], documented[3::2]):
        assert name in tokens
        if name == "--days":
            assert option(tokens, "--days") == "$DAYS"
            dispatch = NIGHTLY["on"]["workflow_dispatch"]["inputs"]["days"]
            assert str(dispatch["default"]) == value
            # a scheduled run has no inputs: the script's fallback applies
            assert f"${{INPUT_DAYS:-{value}}}" in step(NIGHTLY_JOB, "params")["run"]
    # The description: 1 day locally (the CLI default), 7 in CI and production.
    assert option(tokens, "--conversion-window-days") == "7"
    assert "--warn-on-test-failure" not in tokens
    assert option(tokens, "--seed") == "$SEED"
    # Every option exists in the CLI.
    known = cli_options("run")
    assert known is not None
    assert {t for t in tokens if t.startswith("--")} <= known


@pytest.mark.parametrize("name", ["score", "report"])
def test_nightly_uses_existing_commands_and_options(name):
    tokens = command(NIGHTLY_JOB, f"jaffle-sim {name}")
    out = option(command(NIGHTLY_JOB, "jaffle-sim run"), "--out")
    assert tokens[2] == out
    known = cli_options(name)
    assert known is not None, f"`jaffle-sim {name}` is not a command"
    assert {t for t in tokens if t.startswith("--")} <= known
    if name == "score":
        assert option(tokens, "--format") == "markdown"


def test_ci_installs_and_tests_with_the_readmes_test_command():
    assert README_TEST_INSTALL == 'pip install -e ".[test]"'
    assert README_TEST == "pytest"
    cmds = commands(CI["jobs"]["test"])
    assert cmds == [README_TEST_INSTALL, README_TEST]
    lint = commands(CI["jobs"]["lint"])
    assert lint[0] == README_TEST_INSTALL
    for gate in ("ruff check .", "ruff format --check .", "mypy"):
        assert gate in lint


def test_ci_run_uses_the_readmes_test_command_after_the_gates():
    got = ci_run_lines()
    assert "python3 -m venv .venv" in got
    order = [
        README_TEST_INSTALL,
        "ruff check .",
        "ruff format --check .",
        "mypy",
        "check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml",
        "zizmor --offline .github",
        README_TEST,
    ]
    positions = [got.index(c) for c in order]
    assert positions == sorted(positions)


def test_workflow_checks_are_the_same_in_ci_and_ci_run():
    checks = [
        c for c in commands(CI["jobs"]["lint"]) if c.split()[0] in ("check-jsonschema", "zizmor")
    ]
    assert checks
    assert all(c in ci_run_lines() for c in checks)


def test_ci_tests_every_python_version_the_package_declares():
    pyproject = (ROOT / "pyproject.toml").read_text()
    declared = re.findall(r'"Programming Language :: Python :: (3\.\d+)"', pyproject)
    matrix = CI["jobs"]["test"]["strategy"]["matrix"]["python-version"]
    assert sorted(matrix) == sorted(declared)
    assert {"3.10", "3.11", "3.12"} <= set(matrix)
    lowest = re.search(r'requires-python = ">=(3\.\d+)"', pyproject)
    assert lowest is not None and lowest.group(1) == min(declared, key=lambda v: int(v[2:]))


# -- the nightly's promises ------------------------------------------------------------------------
def test_nightly_runs_at_0320_utc_and_on_demand():
    on = NIGHTLY["on"]
    assert on["schedule"] == [{"cron": "20 3 * * *"}]
    inputs = on["workflow_dispatch"]["inputs"]
    assert inputs["days"]["default"] == 8
    assert inputs["seed"]["default"] == ""
    assert not inputs["days"].get("required") and not inputs["seed"].get("required")
    assert inputs["end_date"]["default"] == ""


def run_params(tmp_path: Path, **inputs: str) -> tuple[int, dict[str, str]]:
    """Run the nightly's parameter step with bash, as the runner would."""
    output = tmp_path / "github_output"
    output.write_text("")
    env = {k: "" for k in step(NIGHTLY_JOB, "params")["env"]}
    env.update({f"INPUT_{k.upper()}": v for k, v in inputs.items()})
    proc = subprocess.run(
        ["bash", "-eo", "pipefail", "-c", step(NIGHTLY_JOB, "params")["run"]],
        env={**os.environ, **env, "GITHUB_OUTPUT": str(output)},
        capture_output=True,
        text=True,
    )
    values = dict(line.split("=", 1) for line in output.read_text().splitlines())
    return proc.returncode, values


def test_nightly_seed_is_the_date_unless_given(tmp_path):
    code, values = run_params(tmp_path)
    assert code == 0
    today = dt.datetime.now(dt.timezone.utc).date()
    assert values["days"] == "8"
    assert values["end_date"] in {today.isoformat(), (today - dt.timedelta(days=1)).isoformat()}
    assert values["seed"] == values["end_date"].replace("-", "")
    # Replaying a night: its end date alone gives back its seed.
    assert run_params(tmp_path, end_date="2025-03-01")[1]["seed"] == "20250301"
    code, values = run_params(tmp_path, days="3", seed="17", end_date="2025-03-01")
    assert (code, values) == (0, {"days": "3", "seed": "17", "end_date": "2025-03-01"})


@pytest.mark.parametrize(
    "bad", [{"seed": "1; echo x"}, {"days": "$(id)"}, {"end_date": "tomorrow"}, {"seed": "-1"}]
)
def test_nightly_rejects_bad_inputs(tmp_path, bad):
    assert run_params(tmp_path, **bad)[0] != 0


def test_nightly_fails_when_the_run_fails_but_still_reports_and_uploads():
    simulate = step(NIGHTLY_JOB, "jaffle-sim run")
    assert "continue-on-error" not in simulate
    assert "||" not in simulate["run"]
    after = NIGHTLY_JOB["steps"][NIGHTLY_JOB["steps"].index(simulate) + 1 :]
    assert after
    for s in after:
        condition = s.get("if", "")
        assert "always()" in condition or "!cancelled()" in condition, s.get("name")


def test_nightly_uploads_seeds_events_manifest_anomalies_and_report():
    out = option(command(NIGHTLY_JOB, "jaffle-sim run"), "--out")
    uploads = [s for s in NIGHTLY_JOB["steps"] if s.get("uses", "").startswith("actions/upload")]
    paths = {p for s in uploads for p in s["with"]["path"].split()}
    expected = {"seeds", "events", "run_manifest.json", "anomalies.json", "report"}
    assert paths == {f"{out}/{name}" for name in expected}
    assert all(int(s["with"]["retention-days"]) > 0 for s in uploads)
    assert len({s["with"]["name"] for s in uploads}) == len(uploads)


def test_nightly_writes_a_job_summary():
    summary = [c for c in commands(NIGHTLY_JOB) if "GITHUB_STEP_SUMMARY" in c]
    assert len(summary) == 1
    assert ".github/scripts/nightly_summary.py" in summary[0]


# -- hardening (zizmor checks these too; these fail with a plain message) --------------------------
@pytest.mark.parametrize("name", ["ci.yml", "nightly.yml"])
def test_workflow_is_hardened(name):
    wf = workflow(name)
    assert wf["permissions"] == {"contents": "read"}
    assert "group" in wf["concurrency"]
    for job_name, job in wf["jobs"].items():
        assert "permissions" not in job, job_name
        assert 0 < job["timeout-minutes"] <= 60, job_name
        for s in job["steps"]:
            if "uses" in s:
                assert SHA_PIN.match(s["uses"]), s["uses"]
            if s.get("uses", "").startswith("actions/checkout@"):
                assert s["with"]["persist-credentials"] is False
            # No expression is expanded into a script: values reach it through env.
            assert not EXPRESSION.search(s.get("run", "")), s.get("name")


# -- the job summary script ------------------------------------------------------------------------
def summary_module() -> ModuleType:
    path = GITHUB / "scripts" / "nightly_summary.py"
    spec = importlib.util.spec_from_file_location("nightly_summary", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fake_manifest(out: Path) -> None:
    """A two-day manifest written by the typed writer: a test fails on the second day."""
    from jaffle_sim.output.manifest import DayRecord, RunIdentity, RunManifest
    from jaffle_sim.warehouse.results import DayResults, DbtResult, NodeResult

    def node(status: str, n: int) -> list[NodeResult]:
        return [NodeResult(f"t{i}", f"test_{i}", "test", status, 0.0, 0, None) for i in range(n)]

    failing = NodeResult("t", "unique_orders_order_id", "test", "fail", 0.0, 1, "1 row")
    daily = []
    for date, ok in (("2025-03-01", True), ("2025-03-02", False)):
        tests = node("pass", 152) + ([] if ok else [failing])
        seeds = [
            NodeResult(f"s{i}", f"seed_{i}", "seed", "success", 0.0, None, None) for i in range(9)
        ]
        phases = [
            DbtResult("seed", True, 1.0, tuple(seeds), False),
            DbtResult("test", ok, 1.0, tuple(tests), True),
        ]
        daily.append(DayRecord(date, {}, DayResults(date, "training", phases)))
    manifest = RunManifest("run", RunIdentity(20250302, "2025-03-02", 2, {}), "2025-03-01")
    manifest.status = "complete"
    manifest.set_rows(
        {"raw_orders_training": 1234, "stg_google_ads": 88},
        {"raw_orders_training": "seeds/a.csv", "stg_google_ads": "seeds/b.csv"},
    )
    manifest.daily = daily
    manifest.score = {"planted": 4, "detected": 3, "recall": 0.75, "precision": 1.0}
    out.mkdir()
    manifest.dump(out / "run_manifest.json")


def test_summary_shows_rows_dbt_results_score_and_replay(tmp_path):
    fake_manifest(tmp_path / "out")
    score = tmp_path / "score.md"
    score.write_text("**Detection**: 3/4 anomalies caught\n")
    text = summary_module().summary(tmp_path / "out", score, {"simulate": "failure"})
    assert "| raw_orders_training | 1,234 |" in text
    assert "training: 1/2 days ok; tests: fail 1, pass 304" in text
    assert "`training test unique_orders_order_id`: 1" in text
    assert "**Detection**: 3/4 anomalies caught" in text
    assert "simulate ❌ failure" in text
    assert "--days 2 --seed 20250302 --end-date 2025-03-02 --conversion-window-days 7" in text
    # without the markdown, the score recorded in the manifest
    text = summary_module().summary(tmp_path / "out", tmp_path / "missing.md", {})
    assert "3/4 anomalies detected, recall 0.75" in text


@pytest.mark.parametrize("content", [None, "", "{not json", "[]"])
def test_summary_survives_a_missing_or_broken_run_folder(tmp_path, content, capsys):
    out = tmp_path / "out"
    if content is not None:
        out.mkdir()
        (out / "run_manifest.json").write_text(content)
    args = [str(out), "--score", str(tmp_path / "none.md"), "--step", "simulate=failure"]
    assert summary_module().main(args) == 0
    text = capsys.readouterr().out
    assert "No `run_manifest.json`" in text
    assert "No score." in text


# -- the nightly's steps, run for real on a short simulation ---------------------------------------
def run_step(name: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return subprocess.run(
        ["bash", "-eo", "pipefail", "-c", step(NIGHTLY_JOB, name)["run"]],
        cwd=cwd,
        env={**os.environ, **env, "PATH": path},
        capture_output=True,
        text=True,
    )


@pytest.mark.slow
def test_nightly_steps_on_a_one_day_run(tmp_path):
    """The params, simulate, score, report and summary scripts of nightly.yml, as written, on a
    one-day run: the files the upload steps expect exist and the summary shows the run."""
    (tmp_path / ".github").symlink_to(GITHUB)
    runner_temp = tmp_path / "runner_temp"
    runner_temp.mkdir()
    summary = tmp_path / "step_summary.md"
    code, params = run_params(tmp_path, days="1", end_date="2025-03-02")
    assert code == 0
    env = {
        "DAYS": params["days"],
        "SEED": params["seed"],
        "END_DATE": params["end_date"],
        "RUNNER_TEMP": str(runner_temp),
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    simulate = run_step("simulate", tmp_path, env)
    assert simulate.returncode == 0, simulate.stderr[-2000:]
    outcomes = {"SIMULATE": "success"}
    score = run_step("score", tmp_path, env)
    assert score.returncode == 0, score.stderr[-2000:]
    outcomes["SCORE"] = "success"
    if cli_options("report") is not None:
        report = run_step("report", tmp_path, env)
        assert report.returncode == 0, report.stderr[-2000:]
        outcomes["REPORT"] = "success"
    assert run_step("Job summary", tmp_path, {**env, **outcomes}).returncode == 0

    out = tmp_path / "out"
    for name in ("seeds", "events", "run_manifest.json", "anomalies.json"):
        assert (out / name).exists(), name
    if "REPORT" in outcomes:
        assert (out / "report" / "index.html").is_file()
    text = summary.read_text()
    assert "Seed **20250302**, 1 day up to 2025-03-02, run status **complete**" in text
    assert "| raw_orders_training |" in text
    assert "training: 1/1 days ok" in text
    assert "anomalies" in text.split("### Detection score")[1]
