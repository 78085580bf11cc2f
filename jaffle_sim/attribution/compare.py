"""Truth against the attribution models, per channel: `jaffle-sim score OUT --attribution`.

Two views, per channel:

- orders, as the warehouse sees them: revenue (order amounts in cents, gross of returns) and
  acquisitions (first orders). Truth: each customer acquired in the run brings its orders'
  revenue, and the touches of its journey share it by their truth credit (`touch_credited`,
  `agents.effects`); revenue of customers who existed before the run is caused by no channel
  (`none`). A model: each order's revenue is shared by the model's weights over the order's
  touches (the warehouse's `attribution_touches` mart, or the same computed from the event log
  when the run has no warehouse); an order without a touch in the conversion window: `none`.
  Per paid platform: revenue credited, its share, ROAS (revenue / spend), CPA (spend /
  acquisitions credited).
- journeys: every sign-up of the run shared over all the touches of its journey, by the truth
  credit or by the model's weights. No conversion window cuts the journey short, so this shows
  how well each rule recovers the truth when it sees everything.

Models are ranked by their error on the paid platforms: sum over platforms of |model - truth| /
sum of truth, on revenue credited (`ranking`) and on sign-ups credited (`journey_ranking`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from jaffle_sim.attribution.models import (
    MODELS,
    credit_per_channel,
    order_touches,
    touch_counts_sql,
    weights,
)
from jaffle_sim.attribution.sources import AttributionError, clock_seconds, warehouse_credit
from jaffle_sim.events import CHANNELS, ORGANIC, PLATFORMS
from jaffle_sim.output.run_folder import RunFolder

if TYPE_CHECKING:
    from jaffle_sim.report.run_data import RunData

NONE = "none"  # revenue no channel is credited with
ROWS = (*CHANNELS, NONE)
TRUTH = "truth"


@dataclass(frozen=True)
class Credit:
    """Revenue (cents) and acquisitions (first orders) credited to each channel (and to
    `none`), and sign-ups credited over whole journeys."""

    revenue_cents: Mapping[str, float]
    acquisitions: Mapping[str, float]
    signups: Mapping[str, float]

    def share(self, channel: str) -> float:
        """The channel's share of the revenue credited to channels (`none` left out)."""
        total = sum(self.revenue_cents[c] for c in CHANNELS)
        return self.revenue_cents[channel] / total if total else 0.0


@dataclass(frozen=True)
class AttributionScore:
    """Truth and the five models on one run."""

    source: str
    spend_cents: Mapping[str, int]
    truth: Credit
    models: Mapping[str, Credit]

    def error(self, model: str) -> float:
        """Sum over the platforms of |revenue credited - truth|, over the truth's sum."""
        return _error(self.models[model].revenue_cents, self.truth.revenue_cents)

    def journey_error(self, model: str) -> float:
        """The same on sign-ups credited over whole journeys."""
        return _error(self.models[model].signups, self.truth.signups)

    def share_error(self, model: str) -> float:
        """Half the sum over channels of |share - true share| (0 = the same split)."""
        return 0.5 * sum(abs(self.models[model].share(c) - self.truth.share(c)) for c in CHANNELS)

    @property
    def ranking(self) -> list[tuple[str, float]]:
        """Models from the smallest error on revenue credited to the largest."""
        return sorted(((m, self.error(m)) for m in self.models), key=lambda x: x[1])

    @property
    def journey_ranking(self) -> list[tuple[str, float]]:
        """Models from the smallest error on sign-ups credited over journeys to the largest."""
        return sorted(((m, self.journey_error(m)) for m in self.models), key=lambda x: x[1])

    def roas(self, credit: Credit, platform: str) -> float | None:
        spend = self.spend_cents.get(platform, 0)
        return credit.revenue_cents[platform] / spend if spend else None

    def cpa_cents(self, credit: Credit, platform: str) -> float | None:
        acquisitions = credit.acquisitions[platform]
        return self.spend_cents.get(platform, 0) / acquisitions if acquisitions > 0 else None

    def _credits(self) -> dict[str, Credit]:
        return {TRUTH: self.truth, **self.models}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"source": self.source, "spend_cents": dict(self.spend_cents)}
        for name, credit in self._credits().items():
            out[name] = {
                "revenue_cents": dict(credit.revenue_cents),
                "acquisitions": dict(credit.acquisitions),
                "signups": dict(credit.signups),
                "share": {c: credit.share(c) for c in CHANNELS},
                "roas": {p: self.roas(credit, p) for p in PLATFORMS},
                "cpa_cents": {p: self.cpa_cents(credit, p) for p in PLATFORMS},
            }
            if name != TRUTH:
                out[name]["error"] = self.error(name)
                out[name]["share_error"] = self.share_error(name)
                out[name]["journey_error"] = self.journey_error(name)
        out["ranking"] = [m for m, _ in self.ranking]
        out["journey_ranking"] = [m for m, _ in self.journey_ranking]
        return out

    def text(self) -> str:
        """The comparison as a plain-text table."""
        names = list(self._credits())
        width = max(len(n) for n in names) + 2
        head = f"{'':<22}" + "".join(f"{n:>{width}}" for n in names)

        def line(label: str, values: list[str]) -> str:
            return f"{label:<22}" + "".join(f"{v:>{width}}" for v in values)

        credits = list(self._credits().values())
        lines = [f"attribution: truth against the models ({self.source})", "", head]
        lines.append("revenue credited ($)")
        for c in ROWS:
            lines.append(line(f"  {c}", [f"{cr.revenue_cents[c] / 100:,.0f}" for cr in credits]))
        lines.append("share of credited revenue")
        for c in CHANNELS:
            lines.append(line(f"  {c}", [f"{cr.share(c):.1%}" for cr in credits]))
        lines.append("ROAS (revenue / spend)")
        for p in PLATFORMS:
            lines.append(line(f"  {p}", [_ratio(self.roas(cr, p)) for cr in credits]))
        lines.append("CPA ($ per acquisition)")
        for p in PLATFORMS:
            lines.append(line(f"  {p}", [_money(self.cpa_cents(cr, p)) for cr in credits]))
        lines.append(
            line("error (platforms)", ["", *(f"{self.error(m):.3f}" for m in self.models)])
        )
        total = sum(self.truth.signups.values())
        lines.append(f"sign-ups credited over whole journeys (share of {total:,.0f})")
        for c in CHANNELS:
            lines.append(line(f"  {c}", [f"{cr.signups[c] / total:.1%}" for cr in credits]))
        errors = [f"{self.journey_error(m):.3f}" for m in self.models]
        lines.append(line("error (platforms)", ["", *errors]))
        spend = ", ".join(f"{p} ${self.spend_cents.get(p, 0) / 100:,.0f}" for p in PLATFORMS)
        lines += ["", f"spend: {spend}", "ranking on revenue credited (smallest error first):"]
        for rank, (m, e) in enumerate(self.ranking, start=1):
            lines.append(f"  {rank}. {m}  error {e:.3f}, share error {self.share_error(m):.3f}")
        lines.append("ranking on sign-ups credited over whole journeys:")
        for rank, (m, e) in enumerate(self.journey_ranking, start=1):
            lines.append(f"  {rank}. {m}  error {e:.3f}")
        return "\n".join(lines) + "\n"


def _error(model: Mapping[str, float], truth: Mapping[str, float]) -> float:
    total = sum(truth[p] for p in PLATFORMS)
    return sum(abs(model[p] - truth[p]) for p in PLATFORMS) / total if total else float("nan")


def _ratio(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def _money(cents: float | None) -> str:
    return "-" if cents is None else f"{cents / 100:,.2f}"


# -- truth and models from events -----------------------------------------------------------------


def truth_credit(touches: pd.DataFrame, orders: pd.DataFrame) -> Credit:
    """Revenue and acquisitions by channel under the truth credit (`touch_credited` events)."""
    per_customer = orders.groupby("customer_id").agg(
        revenue=("total_cents", "sum"), first=("is_first_order", "any")
    )
    t = touches.assign(channel=touches["utm_source"].fillna(ORGANIC))
    t = t.join(per_customer, on="customer_id")
    credit = t["credit"].astype(float)
    revenue = (credit * t["revenue"].astype(float).fillna(0)).groupby(t["channel"]).sum()
    first = t["first"].astype("boolean").fillna(False).astype(float)
    acquired = (credit * first).groupby(t["channel"]).sum()
    signups = credit.groupby(t["channel"]).sum()
    return _credit(revenue, acquired, signups, float(orders["total_cents"].sum()))


def model_credit(
    rows: pd.DataFrame, touches: pd.DataFrame, orders: pd.DataFrame, model: str
) -> Credit:
    """Revenue and acquisitions by channel under one model (`rows` as `order_touches` gives),
    and sign-ups over the journeys of `touches` (`touch_credited` events)."""
    w = rows[f"{model}_weight"].astype(float)
    revenue = (w * rows["total_cents"].astype(float)).groupby(rows["channel"]).sum()
    acquired = (w * rows["is_first_order"].astype(float)).groupby(rows["channel"]).sum()
    count = touches.groupby("customer_id")["touch"].transform("size").to_numpy()
    on_journeys = pd.Series(weights(model, touches["touch"].to_numpy(), count))
    channel = touches["utm_source"].fillna(ORGANIC).to_numpy()
    signups = on_journeys.groupby(channel).sum()
    return _credit(revenue, acquired, signups, float(orders["total_cents"].sum()))


def _credit(
    revenue: pd.Series, acquired: pd.Series, signups: pd.Series, total_revenue: float
) -> Credit:
    rev = {c: float(revenue.get(c, 0.0)) for c in CHANNELS}
    acq = {c: float(acquired.get(c, 0.0)) for c in CHANNELS}
    rev[NONE] = total_revenue - sum(rev.values())
    acq[NONE] = 0.0
    return Credit(rev, acq, {c: float(signups.get(c, 0.0)) for c in CHANNELS})


def score_attribution(
    out: Path, window_days: float = 1.0, flavour: str = "training", data: RunData | None = None
) -> AttributionScore:
    """Truth against the models for the run in `out` (read through `data` when given): the
    warehouse's mart when the run has a warehouse that can be read, otherwise (no warehouse, or
    one that is locked or lacks the mart) the models computed from the event log (conversion
    window `window_days`). DuckDB sums the event log up; only a few rows per channel come back."""
    from jaffle_sim.report.run_data import RunData, RunDataError

    own = data is None
    try:
        data = data or RunData.from_folder(Path(out), flavour)
        (orders,) = data.one("select count(*) from ev.order_placed")
        if not orders:
            raise AttributionError(
                f"{out}: no orders in the event log (run `generate all` or `run`)"
            )
        return _score_run(data, RunFolder(Path(out)), window_days)
    except RunDataError as exc:
        raise AttributionError(str(exc)) from None
    finally:
        if own and data is not None:
            data.close()


TRUTH_SQL = f"""
    with per_customer as (
        select customer_id, sum(total_cents) as revenue, bool_or(is_first_order) as first
        from ev.order_placed group by 1),
    t as (select *, cast(credit as decimal(38, 10)) as c from ev.touch_credited)
    select coalesce(t.utm_source, '{ORGANIC}') as channel,
           sum(t.c * coalesce(p.revenue, 0)) as revenue,
           sum(t.c * coalesce(p.first, false)::int) as acquired, sum(t.c) as signups
    from t left join per_customer as p on p.customer_id = t.customer_id
    group by 1 order by 1"""
# Every sign-up's journey (`touch_credited`), per channel and touch position.
JOURNEY_SQL = f"""
    with sizes as (select customer_id, count(*) as touch_count from ev.touch_credited group by 1)
    select coalesce(t.utm_source, '{ORGANIC}') as channel, t.touch as touch_number,
           z.touch_count, count(*) as n
    from ev.touch_credited as t join sizes as z on z.customer_id = t.customer_id
    group by all order by all"""
# (A window count over a partition is not used here: DuckDB 2.0.1 rewrites it into a join
# whose other side loses the view's flavour filter, and counts both flavours.)


def _score_run(data: RunData, folder: RunFolder, window_days: float) -> AttributionScore:
    spend = data.sql("select platform, sum(cost_cents) as c from ev.ad_day group by 1")
    spent = {p: int(spend.set_index("platform").c.get(p, 0)) for p in PLATFORMS}
    (total,) = data.one("select coalesce(sum(total_cents), 0) from ev.order_placed")
    truth = data.sql(TRUTH_SQL).set_index("channel").astype(float)
    journeys = data.sql(JOURNEY_SQL)
    signups = {m: credit_per_channel(journeys, m, "n") for m in MODELS}
    source = f"models from the event log, conversion window {window_days:g} day(s)"
    if folder.warehouse.exists():
        try:
            mart = warehouse_credit(folder.warehouse)
        except AttributionError as exc:
            source += f" (the warehouse could not be read: {_first_line(str(exc))})"
        else:
            models = {
                m: _credit(mart[f"{m}_cents"], mart[f"{m}_firsts"], signups[m], float(total))
                for m in MODELS
            }
            source = f"warehouse mart attribution_touches ({folder.root})"
            return AttributionScore(source, spent, _truth(truth, total), models)
    counts = data.sql(touch_counts_sql(window_days))
    models = {
        m: _credit(
            credit_per_channel(counts, m, "cents"),
            credit_per_channel(counts, m, "firsts"),
            signups[m],
            float(total),
        )
        for m in MODELS
    }
    return AttributionScore(source, spent, _truth(truth, total), models)


def _truth(frame: pd.DataFrame, total: object) -> Credit:
    return _credit(frame.revenue, frame.acquired, frame.signups, float(total))  # type: ignore[arg-type]


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), text)


def score_events(
    events: Mapping[str, pd.DataFrame],
    rows: pd.DataFrame | None = None,
    source: str = "",
    window_days: float = 1.0,
) -> AttributionScore:
    """Truth against the models from one flavour's events (`touch_credited`, `order_placed`,
    `ad_day`, and `session` and `signed_up` unless the mart's `rows` are given), e.g.
    `score_events(simulate(...).events)`."""
    touches, orders, ads = events["touch_credited"], events["order_placed"], events["ad_day"]
    spend = {p: int(ads.loc[ads.platform == p, "cost_cents"].sum()) for p in PLATFORMS}
    if rows is None:
        rows = order_touches(
            clock_seconds(events["session"]),
            events["signed_up"],
            clock_seconds(orders),
            window_days,
        )
        source = f"models from the event log, conversion window {window_days:g} day(s)"
    models = {m: model_credit(rows, touches, orders, m) for m in MODELS}
    return AttributionScore(source, spend, truth_credit(touches, orders), models)
