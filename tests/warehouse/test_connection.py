"""The warehouse check before a run: `--load` against the adapter, the secrets of a profile that
must never be shown, and the messages of a DuckDB target that cannot be opened."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from jaffle_sim.settings import BadInput
from jaffle_sim.warehouse.connection import (
    WarehouseUnavailable,
    check_warehouse,
    profile_secrets,
    scrub,
)
from jaffle_sim.warehouse.daily_refresh import WarehouseSettings
from jaffle_sim.warehouse.dbt_errors import WarehouseLockedError

PROFILE = """\
jaffle_sim:
  target: pg
  outputs:
    pg:
      type: postgres
      host: 127.0.0.1
      port: 1
      user: me
      password: 'plain-Secret-1'
      dbname: db
      schema: s
      connect_timeout: 2
      retries: 0
    env:
      type: postgres
      host: 127.0.0.1
      user: me
      password: "{{ env_var('JAFFLE_TEST_PG_PASSWORD') }}"
      dbname: db
      schema: s
    duck:
      type: duckdb
      path: '{path}'
"""


@pytest.fixture
def profiles(tmp_path: Path) -> Path:
    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "profiles.yml").write_text(PROFILE.replace("{path}", str(tmp_path / "w.duckdb")))
    return folder


def test_secrets_are_found_as_written_and_through_env_var(
    profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JAFFLE_TEST_PG_PASSWORD", "from-the-Environment")
    assert profile_secrets(profiles, "pg") == ["plain-Secret-1"]
    assert profile_secrets(profiles, "env") == ["from-the-Environment"]
    assert profile_secrets(profiles, "duck") == []
    assert scrub("a plain-Secret-1 b", ["plain-Secret-1"]) == "a *** b"


def test_an_unknown_load_is_bad_input() -> None:
    with pytest.raises(BadInput, match="--load must be seeds or parquet, got 'csv'"):
        check_warehouse(WarehouseSettings(load="csv"))
    check_warehouse(WarehouseSettings(load="parquet"))  # the embedded DuckDB: nothing to reach


@pytest.mark.slow
def test_parquet_needs_duckdb_and_an_unreachable_server_is_one_line(profiles: Path) -> None:
    with pytest.raises(WarehouseUnavailable, match="is postgres: --load parquet needs a DuckDB"):
        check_warehouse(WarehouseSettings(profiles_dir=profiles, load="parquet"))
    with pytest.raises(WarehouseUnavailable) as caught:
        check_warehouse(WarehouseSettings(profiles_dir=profiles))
    message = str(caught.value)
    assert "profile 'jaffle_sim', target 'pg' (postgres): cannot connect:" in message
    assert "\n" not in message and "plain-Secret-1" not in message
    assert isinstance(caught.value, BadInput)  # exit status 2


@pytest.mark.slow
def test_a_held_duckdb_target_names_the_file_and_the_process(
    profiles: Path, tmp_path: Path
) -> None:
    database = tmp_path / "w.duckdb"
    check_warehouse(WarehouseSettings(profiles_dir=profiles, target="duck", load="parquet"))
    code = textwrap.dedent(
        f"""
        import duckdb, sys
        con = duckdb.connect({str(database)!r})
        print("open", flush=True)
        sys.stdin.readline()
        """
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(WarehouseLockedError) as caught:
            check_warehouse(WarehouseSettings(profiles_dir=profiles, target="duck"))
    finally:
        holder.communicate("\n", timeout=30)
    assert f"{database} is locked by another process (process {holder.pid}" in str(caught.value)
    assert "target 'duck'" in str(caught.value)
    # released: the check passes again, and leaves the file free for the run
    check_warehouse(WarehouseSettings(profiles_dir=profiles, target="duck"))
