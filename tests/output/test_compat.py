"""`--compat original`: the tables with the original demo's column names, the rows unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jaffle_sim.cli import main
from jaffle_sim.output.contract import AD_TABLES, TABLES, header
from tests.conftest import END_DATE

ARGS = ["--days", "3", "--seed", "5", "--end-date", END_DATE.isoformat(), "--quiet"]


def test_only_the_ads_headers_differ_and_every_row_is_the_same(tmp_path: Path):
    ours, original = tmp_path / "ours", tmp_path / "original"
    assert main(["generate", "all", "--out", str(ours), "--no-report", *ARGS]) == 0
    assert (
        main(
            [
                "generate",
                "all",
                "--out",
                str(original),
                "--no-report",
                "--compat",
                "original",
                *ARGS,
            ]
        )
        == 0
    )
    for name in TABLES:
        a = (ours / "seeds" / TABLES[name].group / f"{name}.csv").read_text().splitlines()
        b = (original / "seeds" / TABLES[name].group / f"{name}.csv").read_text().splitlines()
        assert a[1:] == b[1:] and len(a) > 1, name
        if name in AD_TABLES:
            assert b[0].split(",")[3] == '"utm_campain"' and a[0].split(",")[3] == '"utm_campaign"'
        else:
            assert a[0] == b[0], name
    manifest = json.loads((original / "run_manifest.json").read_text())
    assert manifest["compat"] == "original"


def test_the_original_header_keeps_the_column_order():
    assert header("stg_google_ads", "original")[:5] == (
        "ad_id",
        "date",
        "utm_medium",
        "utm_campain",
        "cost",
    )


def test_another_contract_is_another_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    out = tmp_path / "out"
    assert main(["generate", "ads", "--out", str(out), *ARGS]) == 0
    before = (out / "seeds" / "ads" / "stg_google_ads.csv").read_bytes()
    assert main(["generate", "ads", "--out", str(out), "--compat", "original", *ARGS]) == 2
    assert "holds another run" in capsys.readouterr().err
    assert (out / "seeds" / "ads" / "stg_google_ads.csv").read_bytes() == before


def test_the_bundled_dbt_project_needs_our_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    out = tmp_path / "out"
    assert main(["run", "--out", str(out), "--compat", "original", *ARGS]) == 2
    assert "--no-dbt" in capsys.readouterr().err and not out.exists()
    assert main(["run", "--out", str(out), "--compat", "original", "--no-dbt", *ARGS]) == 0
    assert '"utm_campain"' in (out / "seeds" / "ads" / "stg_facebook_ads.csv").read_text()
