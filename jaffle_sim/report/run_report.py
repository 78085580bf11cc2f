"""The run report: `OUT/report/index.html` with PNG charts beside it, from the files of any run
folder (with or without dbt): the daily funnel, spend and attributed revenue with ROAS, the
credit per platform of the five attribution models against the truth, the conversion delay and
order hours against the scenario, the fidelity profile and, when the run planted anomalies, the
validation flavour's daily orders with each anomaly marked.

The page holds no timestamps and the charts fixed sizes and settings, so the same run gives the
same files.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from jaffle_sim.attribution.chart import credit_chart
from jaffle_sim.attribution.compare import AttributionScore, score_attribution
from jaffle_sim.attribution.sources import AttributionError
from jaffle_sim.output.manifest import RunManifest
from jaffle_sim.output.run_folder import RunFolder, atomic_file
from jaffle_sim.report import charts
from jaffle_sim.report.anomaly_chart import PlantedAnomaly, anomaly_chart, read_anomalies
from jaffle_sim.report.profile import profile
from jaffle_sim.report.run_data import RunData, read_manifest

ATTRIBUTION_PNG = "attribution.png"
CSS = """
body { font-family: system-ui, sans-serif; max-width: 960px; margin: 2em auto; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 1em 0; }
th, td { padding: 2px 8px; border-bottom: 1px solid #ddd; text-align: left; }
td:nth-child(n+3) { text-align: right; }
tr.section th { background: #f3f3f3; }
tr.off td { color: #b00; font-weight: bold; } tr.info td { color: #777; }
tr.detected td:last-child { color: #2a2; } tr.missed td:last-child { color: #b00; }
img { max-width: 100%; }
caption { text-align: left; font-weight: bold; padding-bottom: 4px; }
"""


def write_report(out_dir: Path) -> Path:
    """Write the report of the run in `out_dir` and return the path of its index.html."""
    out_dir = Path(out_dir)
    run = RunFolder(out_dir)
    manifest = read_manifest(run)
    data = RunData.from_folder(out_dir, "training", manifest)
    try:
        return _write(out_dir, run, manifest, data)
    finally:
        data.close()


def _write(out_dir: Path, run: RunFolder, manifest: RunManifest, data: RunData) -> Path:
    folder = run.report
    anomalies = read_anomalies(out_dir)
    score = _attribution_score(out_dir, data)
    figures: list[tuple[str, str, Callable[[], Figure]]] = [
        ("funnel.png", "Daily funnel", lambda: charts.funnel_chart(data)),
        ("revenue.png", "Spend, revenue and ROAS", lambda: charts.revenue_chart(data)),
    ]
    if score is not None:
        figures.append(
            (
                ATTRIBUTION_PNG,
                "Credit per platform: the attribution models against the truth",
                lambda: _credit_chart(score),
            )
        )
    figures += [
        (
            "conversion_delay.png",
            "Conversion delay",
            lambda: charts.conversion_delay_chart(data),
        ),
        ("order_hours.png", "Order hours", lambda: charts.order_hours_chart(data)),
    ]
    if anomalies is not None:
        figures.append(
            (
                "anomalies.png",
                "Validation flavour and planted anomalies",
                lambda: anomaly_chart(data, anomalies),
            )
        )
    for stale, drawn in (("anomalies.png", anomalies), (ATTRIBUTION_PNG, score)):
        if drawn is None and (folder / stale).exists():
            (folder / stale).unlink()
    sections = [_summary(manifest, data)]
    for name, title, draw in figures:
        charts.save_png(draw(), folder / name)
        sections.append(f'<h2>{html.escape(title)}</h2>\n<img src="{name}" alt="{title}">')
        if name == "revenue.png":
            sections.append(_attribution_table(data))
        if name == ATTRIBUTION_PNG and score is not None:
            sections.append(_ranking_table(score))
        if name == "anomalies.png" and anomalies is not None:
            sections.append(_anomaly_table(anomalies))
    sections.append("<h2>Fidelity profile</h2>\n" + profile(data).to_html())
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>jaffle-sim report: {html.escape(out_dir.name)}</title>\n"
        f"<style>{CSS}</style>\n</head>\n<body>\n" + "\n".join(sections) + "\n</body>\n</html>\n"
    )
    index = run.report_index
    with atomic_file(index) as fh:
        fh.write(page.encode())
    return index


def _attribution_score(out_dir: Path, data: RunData) -> AttributionScore | None:
    """Truth against the models (`score_attribution`: the warehouse's mart, or the event log
    when the run has no warehouse or it cannot be read), or None when the run cannot be scored
    (no orders in the event log)."""
    try:
        return score_attribution(out_dir, data=data)
    except AttributionError:
        return None


def _credit_chart(score: AttributionScore) -> Figure:
    with charts.style():  # the report's fixed settings, as its other charts
        return credit_chart(score)


def _ranking_table(score: AttributionScore) -> str:
    rows = "".join(
        f"<tr><td>{rank}</td><td>{html.escape(m.replace('_', ' '))}</td><td>{e:.3f}</td>"
        f"<td>{score.journey_error(m):.3f}</td></tr>"
        for rank, (m, e) in enumerate(score.ranking, start=1)
    )
    return (
        "<table><caption>Models ranked by their error on the paid platforms: sum of "
        "|credited - true| over the true total "
        "(<code>jaffle-sim score OUT --attribution</code>)</caption>"
        "<thead><tr><th>rank</th><th>model</th><th>revenue credited</th>"
        f"<th>sign-ups over whole journeys</th></tr></thead><tbody>{rows}</tbody></table>"
        f"<p>{html.escape(score.source)}</p>"
    )


def _summary(manifest: RunManifest, data: RunData) -> str:
    table = charts.attribution(data)
    spend, revenue = table.spend.sum(), table.revenue.sum()
    (sessions,) = data.one("select count(*) from ev.session")
    (signups,) = data.one("select count(*) from ev.signed_up where session_id is not null")
    (orders,) = data.one("select count(*) from ev.order_placed")
    facts = [
        ("seed", str(manifest.seed)),
        ("days", f"{data.days} ({data.start_date} to {data.dates[-1].date()})"),
        ("command", manifest.command or "-"),
        ("status", _status(manifest)),
        ("sessions", f"{sessions:,}"),
        ("sign-ups in the period", f"{signups:,}"),
        ("orders", f"{orders:,}"),
        ("revenue", f"${revenue:,.2f}"),
        ("ad spend", f"${spend:,.2f}"),
    ]
    rows = "".join(f"<tr><th>{k}</th><td>{html.escape(v)}</td></tr>" for k, v in facts)
    return f"<h1>jaffle-sim run report</h1>\n<table>{rows}</table>"


def _status(manifest: RunManifest) -> str:
    """A run writes its report as its last step, every day done, just before it is complete."""
    done = manifest.status == "running" and len(manifest.daily) >= manifest.days
    return "complete" if done else manifest.status


def _attribution_table(data: RunData) -> str:
    table = charts.attribution(data)
    rows = "".join(
        f"<tr><td>{ch}</td><td>${r.spend:,.2f}</td><td>${r.revenue:,.2f}</td>"
        f"<td>{'-' if np.isnan(r.roas) else f'{r.roas:.2f}'}</td></tr>"
        for ch, r in table.iterrows()
    )
    return (
        "<table><caption>Revenue by the utm_source of each order's converting session"
        "</caption><thead><tr><th>channel</th><th>spend</th><th>revenue</th><th>ROAS</th>"
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )


def _anomaly_table(anomalies: list[PlantedAnomaly]) -> str:
    rows = []
    for a in anomalies:
        cells = [
            a.id,
            a.kind,
            a.table,
            ", ".join(d.isoformat() for d in a.dates),
            f"{a.rows:,}",
            ", ".join(a.expected_tests),
            "-" if a.status == "not scored" else ", ".join(a.detected_by),
            a.status,
        ]
        tds = "".join(f"<td>{html.escape(c)}</td>" for c in cells)
        rows.append(f'<tr class="{a.status.replace(" ", "-")}">{tds}</tr>')
    head = "".join(
        f"<th>{h}</th>"
        for h in ("id", "kind", "table", "dates", "rows", "expected tests", "detected by", "")
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
