"""The command line: good runs, and bad input that exits 2 with one line and writes nothing."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from jaffle_sim import open_run
from jaffle_sim.cli import main

GOOD = ["--end-date", "2026-03-15", "--quiet", "--workers", "1"]  # one process: quick to start


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "args, problem",
    [
        (["generate", "all", "--days", "0"], "--days"),
        (["generate", "all", "--days", "-3"], "--days"),
        (["generate", "all", "--days", "abc"], "--days"),
        (["generate", "all", "--end-date", "2026-02-30"], "--end-date"),
        (["generate", "all", "--end-date", "yesterday"], "--end-date"),
        (["generate", "sales"], "unknown table set 'sales'"),
        (["generate", "all", "--seed", "-1"], "--seed"),
        (["generate", "all", "--config", "missing.toml"], "no such file"),
        (["run", "--no-dbt", "--days", "0"], "--days"),
        (
            ["generate", "all", "--set", "journey.return_probability=2"],
            "journey.return_probability",
        ),
        (["generate", "all", "--set", "journey.bogus=1"], "journey.bogus: unknown key"),
        (["generate", "all", "--set", "novalue"], "key=value"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, args, problem):
    out = tmp_path / "out"
    code, stdout, err = run_cli(capsys, *args, "--out", str(out), "--quiet")
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and problem in lines[0], err
    assert "Traceback" not in err and stdout == ""
    assert not out.exists()


@pytest.mark.parametrize(
    "toml, problem",
    [
        (
            "[journey]\nreturn_probability = 1.5\n",
            "journey.return_probability: must be a probability",
        ),
        ("[shop]\nfoo = 1\n", "shop.foo: unknown key"),
        ("[traffic\n", "not valid TOML"),
        (
            "[shop.payment_methods]\ncredit_card = 0.9\n",
            "shop.payment_methods: shares must sum to 1",
        ),
        ('[shop.ship_hours]\nkind = "uniform"\nlow = -2\nhigh = 5\n', "cannot be negative"),
    ],
)
def test_bad_config_names_the_key(tmp_path, capsys, toml, problem):
    config = tmp_path / "s.toml"
    config.write_text(toml)
    out = tmp_path / "out"
    code, _, err = run_cli(
        capsys, "generate", "all", "--config", str(config), "--out", str(out), *GOOD
    )
    assert code == 2 and problem in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_config_overlay_changes_the_run(tmp_path, capsys):
    config = tmp_path / "s.toml"
    config.write_text("[traffic]\norganic_visitors_per_day = 2000\n")
    assert main(["generate", "marketing", "--days", "2", "--out", str(tmp_path / "a"), *GOOD]) == 0
    assert (
        main(
            [
                "generate",
                "marketing",
                "--days",
                "2",
                "--out",
                str(tmp_path / "b"),
                "--config",
                str(config),
                *GOOD,
            ]
        )
        == 0
    )
    manifest = json.loads((tmp_path / "b" / "run_manifest.json").read_text())
    assert manifest["scenario"]["traffic"]["organic_visitors_per_day"] == 2000
    rows_a = json.loads((tmp_path / "a" / "run_manifest.json").read_text())["tables"]
    rows_b = manifest["tables"]
    organic_extra = (
        rows_b["stg_app_sessions"]["rows"]
        + rows_b["stg_website_sessions"]["rows"]
        - rows_a["stg_app_sessions"]["rows"]
        - rows_a["stg_website_sessions"]["rows"]
    )
    assert organic_extra > 2 * 1500


def test_existing_output_is_never_replaced_without_overwrite(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["generate", "all", "--days", "2", "--out", str(out), *GOOD]) == 0
    keep = out / "my_notes.txt"
    keep.write_text("mine")
    before = (out / "seeds/training/raw_orders_training.csv").read_bytes()
    code, _, err = run_cli(capsys, "generate", "all", "--days", "3", "--out", str(out), *GOOD)
    assert code == 2 and "--overwrite" in err
    assert (out / "seeds/training/raw_orders_training.csv").read_bytes() == before
    assert main(["generate", "all", "--days", "3", "--out", str(out), "--overwrite", *GOOD]) == 0
    assert json.loads((out / "run_manifest.json").read_text())["days"] == 3
    assert keep.read_text() == "mine"


def test_manifest_records_the_run(tmp_path):
    out = tmp_path / "out"
    assert main(["generate", "all", "--days", "3", "--seed", "5", "--out", str(out), *GOOD]) == 0
    m = json.loads((out / "run_manifest.json").read_text())
    assert m["status"] == "complete" and m["seed"] == 5 and m["days"] == 3
    assert m["end_date"] == "2026-03-15" and m["start_date"] == "2026-03-13"
    assert m["versions"]["jaffle-sim"] and m["versions"]["simpy"]
    assert len(m["daily"]) == 3
    for name, entry in m["tables"].items():
        lines = (out / entry["path"]).read_text().count("\n")
        assert lines == entry["rows"] + 1, name
    events = m["event_log"]["rows"]
    # every order reaches the orders table but the late ones still on their way at the end
    (on_their_way,) = (
        open_run(out)
        .execute(
            "select count(*) from order_placed where flavour = 'training' and ordered_at"
            " + to_seconds(delivery_delay_seconds) >= timestamptz '2026-03-16 00:00:00+00'"
        )
        .fetchone()
    )
    orders = m["tables"]["raw_orders_training"]["rows"]
    assert events["training"]["order_placed"] == orders + on_their_way
    assert events["validation"]["order_placed"] > 0


def test_scenario_show_prints_toml_that_loads_back(tmp_path, capsys):
    code, out, _ = run_cli(capsys, "scenario", "show")
    assert code == 0 and "[journey]" in out
    config = tmp_path / "full.toml"
    config.write_text(out)
    assert (
        main(
            [
                "generate",
                "ads",
                "--days",
                "1",
                "--config",
                str(config),
                "--out",
                str(tmp_path / "o"),
                *GOOD,
            ]
        )
        == 0
    )


def test_summary_and_progress_lines(tmp_path, capsys):
    code, out, err = run_cli(
        capsys,
        "generate",
        "all",
        "--days",
        "2",
        "--out",
        str(tmp_path / "o"),
        "--end-date",
        "2026-03-15",
    )
    assert code == 0
    assert "raw_orders_training" in out and "seed 42" in out
    assert "day 2/2 2026-03-15" in err


def test_python_dash_m_runs_the_cli(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "jaffle_sim", "generate", "sales"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 2 and result.stderr.startswith("error: unknown table set")
    assert result.stdout == "" and not list(Path(tmp_path).iterdir())


def test_score_explains_what_it_needs(tmp_path, capsys):
    code, _, err = run_cli(capsys, "score", str(tmp_path / "nothing"))
    assert code == 2 and "no run" in err
    out = tmp_path / "o"
    assert main(["generate", "training", "--days", "2", "--out", str(out), *GOOD]) == 0
    code, _, err = run_cli(capsys, "score", str(out))
    assert code == 2 and "no anomalies.json" in err and len(err.strip().splitlines()) == 1
    assert main(["generate", "validation", "--days", "2", "--out", str(out), *GOOD]) == 0
    code, _, err = run_cli(capsys, "score", str(out))
    assert code == 2 and "no dbt results" in err
    code, _, err = run_cli(capsys, "score", str(out), "--format", "xml")
    assert code == 2 and "--format" in err


@pytest.mark.parametrize("where", ["relative", "absolute"])
def test_overwrite_never_follows_paths_read_from_the_folder(tmp_path, capsys, where):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "precious.txt").write_text("precious")
    out = tmp_path / "out"
    out.mkdir()
    path = "../victim/precious.txt" if where == "relative" else str(victim)
    crafted = {"seed": 1, "tables": {"t": {"path": path}}}
    (out / "run_manifest.json").write_text(json.dumps(crafted))
    args = ["run", "--no-dbt", "--days", "2", "--out", str(out), "--overwrite", *GOOD]
    assert main([*args, "--no-report"]) == 0
    # a manifest that reads well, listing paths outside the folder under real table names
    manifest = json.loads((out / "run_manifest.json").read_text())
    manifest["seed"] = 99
    for table in manifest["tables"].values():
        table["path"] = path
    (out / "run_manifest.json").write_text(json.dumps(manifest))
    assert main([*args, "--no-report"]) == 0
    assert (victim / "precious.txt").read_text() == "precious"


def test_overwrite_keeps_a_users_files_in_every_folder(tmp_path, capsys):
    out = tmp_path / "out"
    args = ["generate", "all", "--out", str(out), "--workers", "1", "--quiet"]
    assert main([*args, "--days", "2", "--end-date", "2026-03-15"]) == 0
    folders = sorted({p.parent for p in out.rglob("*") if p.is_file()} | {out})
    assert len(folders) > 20  # seeds/*, events/*/*/*, report/
    for folder in folders:
        (folder / "my_notes.txt").write_text("mine")
    assert main([*args, "--days", "3", "--end-date", "2026-03-10", "--overwrite"]) == 0
    for folder in folders:
        assert (folder / "my_notes.txt").read_text() == "mine", folder
    manifest = json.loads((out / "run_manifest.json").read_text())
    assert manifest["days"] == 3 and manifest["status"] == "complete"
    days = {"date=2026-03-08", "date=2026-03-09", "date=2026-03-10"}
    assert {p.parent.name for p in out.glob("events/kind=order_placed/*/*/part-*")} == days
    dates = {p.parent.name for p in out.rglob("part-*.parquet")}  # and the history before them
    assert max(dates) == "date=2026-03-10" and min(dates) < "date=2026-03-08"
