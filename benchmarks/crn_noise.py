"""Noise of the counterfactual difference: common random numbers against independent seeds.

For each replication seed the world runs with all platforms and without one (`--platform`),
once with the same seed (common random numbers: every visitor and customer the platform did not
bring lives the same life in both runs) and once with the next seed for the world without it
(two independent runs). Prints, for sign-ups, orders and revenue caused, the mean and standard
deviation over replications of both differences and the ratio of the standard deviations.

    python benchmarks/crn_noise.py                               # 60 days, 8 replications
    python benchmarks/crn_noise.py --days 30 --scale 0.3 --replications 5 --workers 2
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from jaffle_sim.attribution.incrementality import (
    effect,
    replication_seeds,
    run_world,
    switched_off,
)
from jaffle_sim.clock import Calendar
from jaffle_sim.simulation.scenario import Scenario

END = dt.date(2026, 3, 15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--platform", default="google")
    parser.add_argument("--replications", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()

    scenario = Scenario.default().scaled(args.scale)
    off = switched_off(scenario, args.platform)
    calendar = Calendar(END, args.days)
    seeds = replication_seeds(args.seed, args.replications)
    tasks = [(s, calendar, seed) for seed in seeds for s in (scenario, off)]
    tasks += [(off, calendar, seed + 1) for seed in seeds]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        worlds = list(pool.map(run_world, *zip(*tasks)))
    r = len(seeds)
    crn = [effect(worlds[2 * i], worlds[2 * i + 1], args.platform) for i in range(r)]
    independent = [effect(worlds[2 * i], worlds[2 * r + i], args.platform) for i in range(r)]

    print(
        f"{args.platform} switched off: {args.days} days at scale {args.scale}, "
        f"{r} replications, {len(tasks)} runs in {time.perf_counter() - t0:.0f} s"
    )
    print(f"{'caused':<10} {'CRN mean':>12} {'CRN sd':>10} {'indep. mean':>12} {'indep. sd':>10}")
    for name, scale in (("signups", 1), ("orders", 1), ("revenue_cents", 100)):
        a = np.array([getattr(e, name) for e in crn]) / scale
        b = np.array([getattr(e, name) for e in independent]) / scale
        label = "revenue $" if name == "revenue_cents" else name
        print(
            f"{label:<10} {a.mean():>12,.1f} {a.std(ddof=1):>10,.1f} {b.mean():>12,.1f} "
            f"{b.std(ddof=1):>10,.1f}   sd ratio CRN / independent "
            f"{a.std(ddof=1) / b.std(ddof=1):.3f}"
        )


if __name__ == "__main__":
    main()
