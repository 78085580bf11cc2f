"""Same seed, same scenario, same end date: byte-identical files."""

import hashlib
from pathlib import Path

from jaffle_sim.cli import main
from tests.conftest import generate

# The manifest holds timings and the report page names its folder: all else is compared.
NOT_COMPARED = ("run_manifest.json", "index.html")


def digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name not in NOT_COMPARED
    }


def test_same_seed_gives_byte_identical_files(tmp_path):
    assert generate(tmp_path / "a", "--days", "5", "--seed", "11") == 0
    assert generate(tmp_path / "b", "--days", "5", "--seed", "11") == 0
    a, b = digests(tmp_path / "a"), digests(tmp_path / "b")
    assert len(a) > 20 and a == b


def test_different_seed_gives_different_data(tmp_path):
    assert generate(tmp_path / "a", "--days", "5", "--seed", "11") == 0
    assert generate(tmp_path / "b", "--days", "5", "--seed", "12") == 0
    a, b = digests(tmp_path / "a"), digests(tmp_path / "b")
    # the same files, but for the event log's partitions of history, dated by each seed's events
    assert {k for k in a if not k.startswith("events/")} == {
        k for k in b if not k.startswith("events/")
    }
    assert all(a[k] != b[k] for k in a if k.endswith(".csv"))


def test_run_loop_writes_the_same_tables_as_generate(tmp_path):
    assert generate(tmp_path / "gen", "--days", "4", "--seed", "3") == 0
    assert (
        main(
            [
                "run",
                "--no-dbt",
                "--days",
                "4",
                "--seed",
                "3",
                "--end-date",
                "2026-03-15",
                "--out",
                str(tmp_path / "run"),
                "--quiet",
                "--no-report",
            ]
        )
        == 0
    )
    assert digests(tmp_path / "gen") == digests(tmp_path / "run")


def test_subsets_of_one_run_agree_with_the_whole(tmp_path):
    assert generate(tmp_path / "all", "--days", "4", "--seed", "3") == 0
    base = [
        "--out",
        str(tmp_path / "parts"),
        "--days",
        "4",
        "--seed",
        "3",
        "--end-date",
        "2026-03-15",
        "--quiet",
    ]
    assert main(["generate", "ads", *base]) == 0
    assert main(["generate", "training", *base]) == 0
    whole, parts = digests(tmp_path / "all"), digests(tmp_path / "parts")
    assert parts and all(whole[k] == v for k, v in parts.items())
    assert not any(k.startswith("seeds/sessions") for k in parts)
