"""Bad input, one case per kind: exit status 2, exactly one line on stderr, and nothing changed on
disk (the whole test folder hashed before and after). Then property tests: random scenario
overlays either validate or are refused with one line."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jaffle_sim.cli import main
from jaffle_sim.settings import BadInput, run_settings
from jaffle_sim.simulation.scenario import Scenario

END = ["--end-date", "2026-03-15"]


def digest(root: Path) -> str:
    """Names, kinds and contents of everything under `root`."""
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        h.update(path.relative_to(root).as_posix().encode())
        if path.is_symlink():
            h.update(b"link" + str(path.readlink()).encode())
        elif path.is_file():
            h.update(path.read_bytes())
        else:
            h.update(b"dir")
    return h.hexdigest()


def write(path: Path, content: str | bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return str(path)


@pytest.fixture(scope="module")
def made_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small finished run (event log, tables, ground truth) to damage in copies."""
    out = tmp_path_factory.mktemp("made") / "run"
    args = ["generate", "all", "--days", "3", "--out", str(out), "--quiet", "--no-report"]
    assert main([*args, "--workers", "1", *END]) == 0
    return out


def run_copy(made: Path, tmp: Path) -> Path:
    out = tmp / "run"
    shutil.copytree(made, out)
    return out


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def change(path: Path) -> None:
    """One byte of `path` changed, its size kept."""
    data = bytearray(path.read_bytes())
    data[-2] = ord("9") if data[-2] != ord("9") else ord("8")
    path.write_bytes(bytes(data))


def linked_out(tmp: Path, inside: str) -> str:
    """An output folder whose `inside` is a symbolic link to a folder outside it."""
    write(tmp / "victim" / "precious.txt", "precious")
    link = tmp / "out" / inside
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(tmp / "victim", target_is_directory=True)
    return str(tmp / "out")


def anomalies(tmp: Path, body: str | bytes) -> str:
    return write(tmp / "anomalies.toml", body)


def profiles(tmp: Path, body: str) -> str:
    write(tmp / "profiles" / "profiles.yml", body)
    return str(tmp / "profiles")


DUCKDB_PROFILE = (
    "jaffle_sim:\n  target: dev\n  outputs:\n    dev:\n      type: {type}\n      path: x\n"
)

Case = Callable[[Path], list[str]]
CASES: dict[str, tuple[Case, str]] = {
    # days
    "days zero": (lambda t: ["generate", "all", "--days", "0"], "--days"),
    "days not a number": (lambda t: ["generate", "all", "--days", "abc"], "--days"),
    "days huge": (lambda t: ["generate", "all", "--days", "99999999999999999999"], "--max-days"),
    "days over the maximum": (lambda t: ["run", "--no-dbt", "--days", "3651"], "--max-days"),
    "max-days zero": (lambda t: ["generate", "all", "--max-days", "0"], "--max-days"),
    "sweep days zero": (lambda t: ["sweep", "--out", str(t / "sweep"), "--days", "0"], "--days"),
    # end date
    "end date year 1": (lambda t: ["generate", "all", "--end-date", "0001-01-01"], "--end-date"),
    "end date year 9999": (lambda t: ["generate", "all", "--end-date", "9999-12-31"], "--end-date"),
    "end date not a date": (
        lambda t: ["generate", "all", "--end-date", "2026-02-30"],
        "--end-date",
    ),
    "start before 1900": (
        lambda t: ["generate", "all", "--days", "50000", "--max-days", "99999", *END],
        "before 1900-01-01",
    ),
    "history before 1900": (
        lambda t: ["generate", "all", "--days", "2", "--end-date", "1900-02-01"],
        "existing_history_days",
    ),
    # seed
    "seed negative": (lambda t: ["generate", "all", "--seed", "-1"], "--seed"),
    "seed too large": (lambda t: ["generate", "all", "--seed", str(2**63)], "--seed"),
    # scale and volume
    "scale infinite": (lambda t: ["generate", "all", "--scale", "inf"], "--scale"),
    "scale nan": (lambda t: ["generate", "all", "--scale", "nan"], "--scale"),
    "scale zero": (lambda t: ["generate", "all", "--scale", "0"], "--scale"),
    "scale a billion": (lambda t: ["generate", "all", "--scale", "1e9"], "--max-events"),
    "ten years of growth": (
        lambda t: ["run", "--no-dbt", "--days", "3650", *END],
        "--max-events",
    ),
    "max-events zero": (lambda t: ["generate", "all", "--max-events", "0"], "--max-events"),
    # the output folder
    "out empty": (lambda t: ["generate", "all", "--out", ""], "--out"),
    "out is a file": (lambda t: ["generate", "all", "--out", write(t / "f", "x")], "--out"),
    "out under a file": (
        lambda t: ["generate", "all", "--out", write(t / "f", "x") + "/sub"],
        "is a file",
    ),
    "out in /proc": (lambda t: ["generate", "all", "--out", "/proc/jaffle"], "/proc"),
    "out is /proc/self": (lambda t: ["generate", "all", "--out", "/proc/self"], "/proc"),
    "out in /sys": (lambda t: ["generate", "all", "--out", "/sys/kernel/x"], "/sys"),
    "out holds a link leading outside": (
        lambda t: ["generate", "all", "--out", linked_out(t, "events")],
        "symbolic link",
    ),
    "overwrite through a link leading outside": (
        lambda t: ["run", "--no-dbt", "--overwrite", "--out", linked_out(t, "seeds/training")],
        "symbolic link",
    ),
    # scenario values
    "config value out of range": (
        lambda t: [
            "generate",
            "all",
            "--config",
            write(t / "c.toml", "[journey]\nmax_sessions = 0\n"),
        ],
        "journey.max_sessions",
    ),
    "config not UTF-8": (
        lambda t: ["generate", "all", "--config", write(t / "c.toml", b"\xff\xfe[shop]\n")],
        "UTF-8",
    ),
    "set overflowing visitors": (
        lambda t: ["generate", "all", "--set", "traffic.organic_visitors_per_day=1e308"],
        "--max-events",
    ),
    "set overflowing growth": (
        lambda t: ["generate", "all", "--set", "demand.growth_per_30_days=1e308"],
        "--max-events",
    ),
    "set customers past 64 bits": (
        lambda t: ["generate", "all", "--set", "customers.existing_customers=99999999999999999999"],
        "--max-events",
    ),
    "set history of ages": (
        lambda t: ["generate", "all", "--set", "customers.existing_history_days=99999999999"],
        "existing_history_days",
    ),
    "set a string for a number": (
        lambda t: ["generate", "all", "--set", "journey.return_probability=high"],
        "journey.return_probability",
    ),
    # anomaly files
    "anomalies not UTF-8": (
        lambda t: ["generate", "all", "--anomalies", anomalies(t, b"\xff\xfe\x00[")],
        "UTF-8",
    ),
    "anomalies not a table": (
        lambda t: ["generate", "all", "--anomalies", anomalies(t, "anomaly = 3\n")],
        "[[anomaly]]",
    ),
    "anomalies day a string": (
        lambda t: [
            "generate",
            "all",
            "--anomalies",
            anomalies(t, '[[anomaly]]\nkind = "volume_spike"\nday = "-2"\n'),
        ],
        "anomaly 1 (volume_spike): day",
    ),
    "anomalies factor a string": (
        lambda t: [
            "generate",
            "all",
            "--anomalies",
            anomalies(t, '[[anomaly]]\nkind = "volume_spike"\nday = -2\nfactor = "5"\n'),
        ],
        "factor must be a number",
    ),
    "anomalies day outside the run": (
        lambda t: [
            "generate",
            "all",
            "--days",
            "5",
            "--anomalies",
            anomalies(t, '[[anomaly]]\nkind = "volume_spike"\nday = -6\n'),
        ],
        "not a day of the run",
    ),
    "anomalies date outside the run": (
        lambda t: [
            "run",
            "--no-dbt",
            "--anomalies",
            anomalies(t, '[[anomaly]]\nkind = "volume_spike"\nday = 2020-01-01\n'),
        ],
        "not a day of the run",
    ),
    "anomalies fractional day": (
        lambda t: [
            "generate",
            "all",
            "--anomalies",
            anomalies(t, '[[anomaly]]\nkind = "volume_spike"\nday = -2.5\n'),
        ],
        "whole number",
    ),
    "anomalies without validation tables": (
        lambda t: ["generate", "ads", "--anomalies", anomalies(t, "")],
        "writes no validation tables",
    ),
    # options that exclude each other
    "generate resume and overwrite": (
        lambda t: ["generate", "all", "--resume", "--overwrite"],
        "--resume continues a run; --overwrite replaces it",
    ),
    "run resume and overwrite": (
        lambda t: ["run", "--no-dbt", "--resume", "--overwrite"],
        "--resume continues a run; --overwrite replaces it",
    ),
    # dbt profiles
    "profiles not YAML": (
        lambda t: ["run", "--profiles-dir", profiles(t, "jaffle_sim: [unclosed\n")],
        "not valid YAML",
    ),
    "profiles without our profile": (
        lambda t: ["run", "--profiles-dir", profiles(t, "other:\n  outputs: {}\n")],
        "no profile 'jaffle_sim'",
    ),
    "profiles without the target": (
        lambda t: [
            "run",
            "--profiles-dir",
            profiles(t, DUCKDB_PROFILE.format(type="duckdb")),
            "--target",
            "prod",
        ],
        "no target 'prod'",
    ),
    "profiles with an unknown adapter": (
        lambda t: ["run", "--profiles-dir", profiles(t, DUCKDB_PROFILE.format(type="nosuchdb"))],
        "dbt.adapters.nosuchdb",
    ),
    # reading a run
    "score min-recall nan": (lambda t: ["score", str(t), "--min-recall", "nan"], "--min-recall"),
    "profile json into a missing folder": (
        lambda t: ["profile", str(t), "--json", str(t / "no" / "x.json")],
        "--json",
    ),
    "profile json onto a folder": (lambda t: ["profile", str(t), "--json", str(t)], "--json"),
    "unknown option": (lambda t: ["generate", "all", "--dayz", "3"], "--dayz"),
}

ORDERS = "seeds/training/raw_orders_training.csv"
RUN = "<run>"  # where a command names the run folder (else it comes last)
RUN_CASES: dict[str, tuple[Callable[[Path], object], list[str], str]] = {
    # (damage to a copy of a finished run, command on it, text of the message)
    "score truncated manifest": (
        lambda run: truncate(run / "run_manifest.json"),
        ["score"],
        "run_manifest.json",
    ),
    "profile truncated manifest": (
        lambda run: truncate(run / "run_manifest.json"),
        ["profile"],
        "run_manifest.json",
    ),
    "report truncated parquet": (
        lambda run: [truncate(p) for p in (run / "events").rglob("part-0.parquet")],
        ["report"],
        "event log",
    ),
    "profile truncated parquet": (
        lambda run: [truncate(p) for p in (run / "events").rglob("part-0.parquet")],
        ["profile"],
        "event log",
    ),
    "score truncated anomalies.json": (
        lambda run: truncate(run / "anomalies.json"),
        ["score"],
        "anomalies.json",
    ),
    "profile truncated table": (
        lambda run: truncate(run / "seeds" / "training" / "raw_orders_training.csv"),
        ["profile"],
        "raw_orders_training.csv has",
    ),
    "score deleted table": (
        lambda run: (run / "seeds" / "sessions" / "stg_app_sessions.csv").unlink(),
        ["score"],
        "stg_app_sessions.csv is missing",
    ),
    "report deleted event-log part": (
        lambda run: next((run / "events").rglob("part-0.parquet")).unlink(),
        ["report"],
        "the event log's events/kind=",
    ),
    "report unreadable manifest": (
        lambda run: (run / "run_manifest.json").write_bytes(b"\xff\xfe\xfd"),
        ["report"],
        "run_manifest.json",
    ),
    "score truncated table": (
        lambda run: truncate(run / ORDERS),
        ["score"],
        "raw_orders_training.csv has",
    ),
    "score changed table": (lambda run: change(run / ORDERS), ["score"], "has changed since"),
    "profile deleted table": (
        lambda run: (run / ORDERS).unlink(),
        ["profile"],
        "raw_orders_training.csv is missing",
    ),
    "profile deleted event-log part": (
        lambda run: next((run / "events").rglob("part-0.parquet")).unlink(),
        ["profile"],
        "the event log's events/kind=",
    ),
    "report truncated table": (
        lambda run: truncate(run / ORDERS),
        ["report"],
        "raw_orders_training.csv has",
    ),
    "score attribution deleted event-log part": (
        lambda run: next((run / "events").glob("kind=session/*/*/part-0.parquet")).unlink(),
        ["score", RUN, "--attribution"],
        "the event log's events/kind=session",
    ),
    "score attribution truncated table": (
        lambda run: truncate(run / ORDERS),
        ["score", RUN, "--attribution"],
        "raw_orders_training.csv has",
    ),
    "query deleted table": (
        lambda run: (run / ORDERS).unlink(),
        ["query", RUN, "select 1"],
        "raw_orders_training.csv is missing",
    ),
    "query truncated table": (
        lambda run: truncate(run / ORDERS),
        ["query", RUN, "select 1"],
        "raw_orders_training.csv has",
    ),
    "query truncated event-log part": (
        lambda run: [truncate(p) for p in (run / "events").rglob("part-0.parquet")],
        ["query", RUN, "select count(*) from session"],
        "the event log's events/kind=",
    ),
    "query truncated manifest": (
        lambda run: truncate(run / "run_manifest.json"),
        ["query", RUN, "select 1"],
        "run_manifest.json",
    ),
    "resume truncated manifest": (
        lambda run: truncate(run / "run_manifest.json"),
        ["generate", "all", "--resume", "--out", RUN, "--days", "3", *END, "--quiet"],
        "run_manifest.json",
    ),
    "resume a complete run": (
        lambda run: None,
        ["generate", "all", "--resume", "--out", RUN, "--days", "3", *END, "--no-report"],
        "is complete; nothing to resume",
    ),
}


def assert_one_line_exit_2(capsys: pytest.CaptureFixture[str], code: int, problem: str) -> None:
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("error: ") and problem in lines[0], err
    assert "Traceback" not in err + out


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_exits_2_in_one_line_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.chdir(tmp_path)
    args = CASES[name][0](tmp_path)
    if "--out" not in args and args[0] in ("generate", "run"):
        args += ["--out", str(tmp_path / "out")]
    before = digest(tmp_path)
    code = main([*args, "--quiet"] if args[0] in ("generate", "run") else args)
    assert_one_line_exit_2(capsys, code, CASES[name][1])
    assert digest(tmp_path) == before


@pytest.mark.parametrize("name", list(RUN_CASES))
def test_a_damaged_run_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], made_run: Path, name: str
) -> None:
    damage, command, problem = RUN_CASES[name]
    run = run_copy(made_run, tmp_path)
    damage(run)
    before = digest(tmp_path)
    code = main(
        [str(run) if a == RUN else a for a in command] + ([] if RUN in command else [str(run)])
    )
    assert_one_line_exit_2(capsys, code, problem)
    assert digest(tmp_path) == before


@contextlib.contextmanager
def mounted(where: Path, options: str) -> Iterator[None]:
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True
    )
    if done.returncode != 0:
        assert os.geteuid() != 0, done.stderr.decode()  # root can mount: never skipped there
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", str(where)], check=True)


def test_a_read_only_file_system_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ro = tmp_path / "ro"
    with mounted(ro, "ro,size=1m"):
        for out in (ro, ro / "sub"):
            code = main(["generate", "all", "--days", "1", "--out", str(out), "--quiet", *END])
            assert_one_line_exit_2(capsys, code, "Read-only file system")
        assert not list(ro.iterdir())


# -- random scenario overlays -------------------------------------------------------------------


def leaf_keys(plain: dict[str, object], prefix: str = "") -> list[str]:
    keys = []
    for key, value in plain.items():
        dotted = f"{prefix}{key}"
        keys += leaf_keys(value, dotted + ".") if isinstance(value, dict) else [dotted]
    return keys


FIXTURE = HealthCheck.function_scoped_fixture
KEYS = leaf_keys(Scenario.default().to_dict())
VALUES = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=0, max_value=2),
    st.integers(min_value=0, max_value=100),
    st.booleans(),
    st.text(max_size=5),
    st.lists(st.floats(min_value=-1, max_value=1e6), max_size=30),
    st.sampled_from(["none", "uniform", "lognormal", "gamma", "beta", "constant"]),
)


def toml_value(value: object) -> str:
    return tomli_w.dumps({"v": value}).partition("=")[2].strip()


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(st.sampled_from(KEYS), VALUES), min_size=1, max_size=3))
def test_random_overlays_validate_or_are_refused(
    tmp_path: Path, changes: list[tuple[str, object]]
) -> None:
    sets = [f"{key}={toml_value(value)}" for key, value in changes]
    try:
        run_settings(
            days=30, seed=1, end_date="2026-03-15", out=tmp_path / "o", config=None, sets=sets
        )
    except BadInput as exc:
        assert len(str(exc).splitlines()) == 1 and str(exc)
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(st.sampled_from(KEYS), VALUES), min_size=1, max_size=2))
def test_random_overlays_run_or_are_refused_in_one_line(
    tmp_path_factory: pytest.TempPathFactory, changes: list[tuple[str, object]]
) -> None:
    out = tmp_path_factory.mktemp("overlay") / "out"
    args = ["generate", "training", "--days", "2", "--out", str(out), "--quiet", *END]
    args += ["--max-events", "300000", "--workers", "1"]
    for key, value in changes:
        args += ["--set", f"{key}={toml_value(value)}"]
    done = subprocess.run(
        [sys.executable, "-m", "jaffle_sim", *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode in (0, 2), done.stderr
    if done.returncode == 2:
        assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith("error: ")
        assert not out.exists()
    else:
        assert done.stderr == ""
