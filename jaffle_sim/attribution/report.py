"""Plain-text tables of the attribution results (the CLI prints them)."""

from __future__ import annotations

from jaffle_sim.attribution.incrementality import Estimate, Incrementality


def _estimate(e: Estimate, scale: float = 1.0, money: bool = False) -> str:
    fmt = "{:,.0f}"
    mean = fmt.format(e.mean * scale)
    if e.low is None or e.high is None:
        return mean
    return f"{mean} [{fmt.format(e.low * scale)}, {fmt.format(e.high * scale)}]"


def incrementality_text(result: Incrementality) -> str:
    """Per platform: spend, sign-ups, orders and revenue caused (95% intervals over the
    replications), cost per incremental acquisition and incremental ROAS."""
    n = len(result.seeds)
    worlds = result.worlds
    signups = sum(w.signups for w in worlds) / n
    orders = sum(w.orders for w in worlds) / n
    revenue = sum(w.revenue_cents for w in worlds) / n / 100
    lines = [
        f"incrementality: {result.days} days, seed {result.seeds[0]}, {n} replication(s), "
        f"{result.runs} worlds simulated in {result.seconds:.1f} s",
        f"the world as it is: {signups:,.0f} sign-ups, {orders:,.0f} orders, "
        f"${revenue:,.0f} revenue" + (" (mean over replications)" if n > 1 else ""),
        "caused by each platform: the world minus the same world without it"
        + (" (mean [95% interval])" if n > 1 else ""),
        "",
    ]
    header = (
        f"{'platform':<10} {'spend ($)':>10} {'sign-ups':>16} {'orders':>18} "
        f"{'revenue ($)':>26} {'CPA ($)':>9} {'iROAS':>6}"
    )
    lines.append(header)
    for p in result.platforms:
        cpa = p.cost_per_acquisition_cents
        roas = p.roas
        lines.append(
            f"{p.platform:<10} {p.spend_cents.mean / 100:>10,.0f} {_estimate(p.signups):>16} "
            f"{_estimate(p.orders):>18} {_estimate(p.revenue_cents, 0.01):>26} "
            f"{'-' if cpa is None else f'{cpa / 100:,.2f}':>9} "
            f"{'-' if roas is None else f'{roas:.2f}':>6}"
        )
    lines += [
        "",
        "CPA: spend per sign-up caused; iROAS: revenue caused per dollar of spend. Orders and "
        "revenue: within the simulated period, of the customers the platform brought (or cost).",
    ]
    return "\n".join(lines) + "\n"
