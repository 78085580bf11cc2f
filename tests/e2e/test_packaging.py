"""The wheel carries the dbt project, and a run from an installed copy builds the warehouse
without writing into the installed package."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def snapshot(tree: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(tree)): (p.stat().st_size, p.stat().st_mtime_ns) for p in tree.rglob("*")
    }


def test_run_from_an_installed_wheel(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        check=True,
    )
    wheel = next((tmp_path / "dist").glob("jaffle_sim-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "jaffle_sim/dbt_project/dbt_project.yml" in names
    assert not any("/target/" in n or "/logs/" in n for n in names)
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    before = snapshot(site)
    script = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "import jaffle_sim, jaffle_sim.warehouse.dbt_project as dbt\n"
        "assert jaffle_sim.__file__.startswith(sys.argv[1]), jaffle_sim.__file__\n"
        "assert str(dbt.bundled_project_dir()).startswith(sys.argv[1])\n"
        "from jaffle_sim.cli import main\n"
        "sys.exit(main(['run', '--days', '1', '--scale', '0.1', '--out', 'out', '--quiet']))\n"
    )
    work = tmp_path / "work"
    work.mkdir()
    result = subprocess.run(
        [sys.executable, "-c", script, str(site)], cwd=work, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert (work / "out" / "warehouse.duckdb").is_file()
    assert (work / "out" / "dbt_project" / "target").is_dir()
    assert snapshot(site) == before or _only_bytecode(snapshot(site), before)


def _only_bytecode(after: dict, before: dict) -> bool:
    added = set(after) - set(before)
    return set(before) <= set(after) and all("__pycache__" in p for p in added)
