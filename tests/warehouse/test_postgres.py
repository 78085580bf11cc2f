"""The bundled dbt project on a real PostgreSQL server (conftest's `postgres` fixture) through the
command line, against the embedded DuckDB run of the same seed: every model builds, every
training-day test passes, the validation flavour scores the same. A warehouse that cannot be used
is one line and exit status 2 before anything is written, and no credential reaches the run
folder or the terminal."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from jaffle_sim.cli import main
from jaffle_sim.warehouse.dbt_runner import DbtRunner
from jaffle_sim.warehouse.results import DbtResult, NodeResult

from .conftest import PostgresServer

pytestmark = pytest.mark.slow

RUN = ["run", "--days", "3", "--seed", "3", "--end-date", "2026-03-15", "--quiet", "--no-report"]


def manifest(out: Path) -> dict[str, Any]:
    return json.loads((out / "run_manifest.json").read_text())


def nodes(out: Path, key: str = "dbt") -> list[dict[str, Any]]:
    return [
        node
        for day in manifest(out)["daily"]
        if day.get(key)
        for phase in day[key]["phases"]
        for node in phase["nodes"]
    ]


def untimed(node: NodeResult) -> NodeResult:
    return replace(node, execution_time=0.0)


def files_containing(root: Path, secret: str) -> list[str]:
    needle = secret.encode()
    return [
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and needle in p.read_bytes()
    ]


@pytest.fixture(scope="module")
def runs(postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The same three days on PostgreSQL and on the embedded DuckDB."""
    root = tmp_path_factory.mktemp("pg")
    profiles = root / "profiles"
    postgres.write_profiles(profiles, postgres.new_database("jaffle_run"))
    pg, duck = root / "pg", root / "duck"
    assert main([*RUN, "--out", str(pg), "--profiles-dir", str(profiles), "--target", "pg"]) == 0
    assert main([*RUN, "--out", str(duck)]) == 0
    return pg, duck


def test_every_model_builds_on_postgres(runs: tuple[Path, Path]) -> None:
    pg, duck = runs
    built = {n["name"] for n in nodes(pg) if n["type"] == "model" and n["status"] == "success"}
    expected = {n["name"] for n in nodes(duck) if n["type"] == "model"}
    assert expected and built == expected
    assert not (pg / "warehouse.duckdb").exists()


def test_every_training_day_test_passes_on_postgres(runs: tuple[Path, Path]) -> None:
    pg, duck = runs
    tests = [n for n in nodes(pg) if n["type"] in ("test", "unit_test")]
    assert len(tests) > 3 * 100
    assert {n["status"] for n in tests} == {"pass"}, [
        (n["name"], n.get("message")) for n in tests if n["status"] != "pass"
    ]
    assert manifest(pg)["dbt_ok"] is True
    assert len(tests) == len([n for n in nodes(duck) if n["type"] in ("test", "unit_test")])


def test_the_validation_score_equals_duckdbs(runs: tuple[Path, Path]) -> None:
    pg, duck = runs
    score, expected = manifest(pg)["score"], manifest(duck)["score"]
    assert score["planted"] > 0
    assert score == expected
    failing = {n["name"] for n in nodes(pg, "dbt_validation") if n["status"] in ("fail", "error")}
    assert failing == {
        n["name"] for n in nodes(duck, "dbt_validation") if n["status"] in ("fail", "error")
    }


def test_no_credential_reaches_the_run_folder(
    runs: tuple[Path, Path], postgres: PostgresServer
) -> None:
    pg, _ = runs
    assert (pg / "dbt_project" / "logs").is_dir()  # dbt's log is there, and clean
    assert files_containing(pg, postgres.password) == []


def run_against(
    postgres: PostgresServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], **profile: Any
) -> tuple[int, str, Path]:
    extra = profile.pop("args", [])
    profiles = tmp_path / "profiles"
    postgres.write_profiles(profiles, "jaffle_run", **profile)
    out = tmp_path / "out"
    code = main([*RUN, "--out", str(out), "--profiles-dir", str(profiles), *extra])
    return code, capsys.readouterr().err, out


def test_bad_credentials_are_one_line_and_exit_2(
    postgres: PostgresServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = "not-the-password-" + postgres.password[::-1]
    code, err, out = run_against(postgres, tmp_path, capsys, password=wrong)
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "profile 'jaffle_sim', target 'pg' (postgres)" in err
    assert "password authentication failed" in err
    assert wrong not in err and postgres.password not in err
    assert not out.exists()


def test_an_unreachable_server_is_one_line_and_exit_2(
    postgres: PostgresServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from .conftest import free_port

    code, err, out = run_against(postgres, tmp_path, capsys, port=free_port())
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "target 'pg' (postgres): cannot connect:" in err and "Connection refused" in err
    assert postgres.password not in err
    assert not out.exists()


def test_a_missing_adapter_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "profiles.yml").write_text(
        "jaffle_sim:\n  target: wh\n  outputs:\n    wh:\n      type: snowflake\n"
        "      account: x\n      password: hunter2-secret\n"
    )
    code = main([*RUN, "--out", str(tmp_path / "out"), "--profiles-dir", str(profiles)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "'snowflake'" in err and "target 'wh'" in err and "hunter2-secret" not in err
    assert not (tmp_path / "out").exists()


def test_parquet_loading_needs_duckdb(
    postgres: PostgresServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err, out = run_against(postgres, tmp_path, capsys, args=["--load", "parquet"])
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "target 'pg' is postgres: --load parquet needs a DuckDB warehouse" in err
    assert not out.exists()


def test_a_failing_merged_check_is_reported_per_check_as_on_duckdb(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    from .test_column_checks import CASES, build_probe, outcome

    profiles = tmp_path / "profiles"
    postgres.write_profiles(profiles, postgres.new_database("jaffle_checks"))
    on_pg = build_probe(tmp_path / "pg", profiles_dir=profiles, target="pg")
    on_duck = build_probe(tmp_path / "duck")
    every_row, since = on_pg
    for pg, duck in zip(on_pg, on_duck, strict=True):
        for i in range(len(CASES)):
            merged, own = pg.node(f"merged_{i}"), pg.node(f"own_{i}")
            assert (merged.status, merged.failures) == (own.status, own.failures), merged
            assert untimed(merged) == untimed(duck.node(f"merged_{i}"))
    # the failing rows were read back from PostgreSQL: one check fails among passing ones
    assert outcome(every_row, "merged_0") == ("fail", 2)
    assert every_row.node("merged_0").message == "Got 2 results, configured to fail if != 0"
    assert outcome(since, "merged_8") == ("pass", 0)
    assert every_row.invocations == 2
    assert not [n for n in every_row.nodes if n.name == "probe_column_checks"]


def broken_day(out: Path, **warehouse: Any) -> DbtResult:
    """The training build of the fixture day with a payment of a missing order and a duplicate
    order id: one check fails in each of two column_checks tests."""
    from .test_dbt_project import NOW, make_run_folder, training

    seeds = make_run_folder(out) / "seeds" / "training"
    with open(seeds / "raw_payments_training.csv", "a") as fh:
        fh.write('8,99,"credit_card",700\n')
    with open(seeds / "raw_orders_training.csv", "a") as fh:
        fh.write('5,2,"2024-01-04 11:00:00","completed"\n')
    with DbtRunner.for_run_folder(out, **warehouse) as runner:
        return runner.build(select=training(out), vars={"simulated_now": NOW})


def test_failing_checks_of_the_project_read_like_duckdbs(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    profiles = tmp_path / "profiles"
    postgres.write_profiles(profiles, postgres.new_database("jaffle_broken"))
    on_pg = broken_day(tmp_path / "pg", profiles_dir=profiles, target="pg")
    on_duck = broken_day(tmp_path / "duck")
    # every node ends the same way, and every test with the same message (a seed's or a
    # model's message is the warehouse's own answer, e.g. CREATE VIEW or OK)
    outcomes = [
        {
            n.unique_id: untimed(n if n.resource_type == "test" else replace(n, message=None))
            for n in r.nodes
        }
        for r in (on_pg, on_duck)
    ]
    assert outcomes[0] == outcomes[1]
    assert on_pg.node("stg_orders_order_id_unique").failures == 1
    assert on_pg.node("stg_payments_order_id_relationships").failures == 1
    assert on_pg.node("stg_orders_order_id_not_null").status == "pass"
    assert {n.status for n in on_pg.nodes if n.resource_type == "model"} == {"success"}
    assert on_pg.invocations == on_duck.invocations == 4
