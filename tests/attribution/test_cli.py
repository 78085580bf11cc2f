"""`jaffle-sim incrementality` and `jaffle-sim score OUT --attribution`."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from jaffle_sim.attribution.compare import score_attribution
from jaffle_sim.attribution.models import order_touches
from jaffle_sim.attribution.sources import clock_seconds, read_events
from jaffle_sim.cli import main
from jaffle_sim.output.run_folder import RunFolder
from tests.conftest import END_DATE, generate


def test_incrementality_prints_what_each_platform_caused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["incrementality", "--days", "6", "--scale", "0.2", "--seed", "3", "--workers", "1"]
    args += ["--end-date", END_DATE.isoformat(), "--platforms", "google,instagram", "--quiet"]
    assert main([*args, "--replications", "2"]) == 0
    text = capsys.readouterr().out
    assert "google" in text and "instagram" in text and "facebook" not in text.split("platform")[1]
    assert main([*args, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [p["platform"] for p in data["platforms"]] == ["google", "instagram"]
    assert data["runs"] == 3 and data["seeds"] == [3]


@pytest.mark.parametrize(
    ("option", "problem"),
    [
        (["--platforms", "google,tiktok"], "--platforms"),
        (["--replications", "0"], "--replications"),
        (["--set", "journey.channel_effects.google.lift_later=-1"], "lift_later"),
    ],
)
def test_incrementality_rejects_bad_input(
    option: list[str], problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["incrementality", "--days", "3", *option]) == 2
    assert problem in capsys.readouterr().err


def test_score_attribution_ranks_the_models_against_the_truth(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert generate(out, "--days", "10", "--seed", "2", "--scale", "0.3") == 0
    assert main(["score", str(out), "--attribution"]) == 0
    text = capsys.readouterr().out
    assert "ranking on revenue credited" in text and "conversion window 1 day" in text
    assert main(["score", str(out), "--attribution", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert sorted(data["ranking"]) == sorted(
        ["first_touch", "last_touch", "linear", "position_based", "time_decay"]
    )
    truth = data["truth"]["signups"]
    assert sum(truth.values()) == pytest.approx(
        sum(data["last_touch"]["signups"].values()), rel=1e-6
    )
    assert main(["score", str(tmp_path / "nowhere"), "--attribution"]) == 2


def test_the_warehouse_mart_and_the_event_log_give_the_same_score(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert generate(out, "--days", "6", "--seed", "5", "--scale", "0.2") == 0
    from_events = score_attribution(out)
    folder = RunFolder(out)
    ev = {k: read_events(folder, k, "training") for k in ("session", "signed_up", "order_placed")}
    rows = order_touches(
        clock_seconds(ev["session"]), ev["signed_up"], clock_seconds(ev["order_placed"])
    )
    # The mart's shape: dollars, the source (null for organic), the order's first-order flag.
    mart = rows.assign(
        order_amount=rows.total_cents / 100,
        utm_source=rows.channel.where(rows.channel != "organic", None),
    ).drop(columns=["total_cents", "channel", "is_first_order"])
    orders = ev["order_placed"][["order_id", "is_first_order"]].astype({"order_id": "int64"})
    with duckdb.connect(str(folder.warehouse)) as con:
        con.register("mart", mart)
        con.register("o", orders)
        con.execute("create table attribution_touches as select * from mart")
        con.execute("create table orders as select * from o")
    from_mart = score_attribution(out)
    assert "warehouse" in from_mart.source
    assert from_mart.ranking == from_events.ranking
    for model in from_events.models:
        a, b = from_mart.models[model].revenue_cents, from_events.models[model].revenue_cents
        assert a == pytest.approx(b)


def test_the_credit_chart_draws_truth_and_models(tmp_path: Path) -> None:
    from jaffle_sim.attribution.chart import credit_chart

    out = tmp_path / "out"
    assert generate(out, "--days", "5", "--seed", "6", "--scale", "0.2") == 0
    fig = credit_chart(score_attribution(out))
    assert len(fig.axes) == 2
    assert len(fig.axes[0].patches) == 6 * 4 and len(fig.axes[1].patches) == 6 * 3
    fig.savefig(tmp_path / "credit.png", format="png", metadata={"Software": None})
    assert (tmp_path / "credit.png").stat().st_size > 5_000
