"""One line of a fidelity profile, and the statistics that decide whether it passes.

A `Check` compares what a run *measured* with what the scenario makes us *expect* for that measure
(usually the configured value itself; for measures that the model shapes, such as the conversion
delay or an exposure-weighted purchase rate, the value the model implies). It passes when the two
differ by at most its tolerance, which is the larger of a fixed floor (room for known, small model
effects) and `Z` standard errors of the measure (room for chance in a finite run).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

# Standard errors of room for chance: a correctly wired measure fails about once in 16,000 runs.
Z = 4.0


@dataclass(frozen=True)
class Check:
    """A measured value against the scenario. `configured` is the knob as the scenario holds it
    (text), `expected` what the measure should come to, `n` the sample size behind `measured`;
    `tolerance` is absolute, in the measure's `unit`. Without `expected` the line is information
    only."""

    section: str
    parameter: str
    configured: str
    expected: float | None
    measured: float | None
    tolerance: float | None = None
    n: int = 0
    unit: str = ""
    note: str = ""

    @property
    def status(self) -> str:
        """`ok`, `off` (outside the tolerance), `info` (nothing to compare) or `no data`."""
        if self.measured is None or not math.isfinite(self.measured):
            return "no data"
        if self.expected is None or self.tolerance is None:
            return "info"
        return "ok" if abs(self.measured - self.expected) <= self.tolerance else "off"

    @property
    def ok(self) -> bool:
        return self.status != "off"


def info(section: str, parameter: str, measured: float | None, n: int, **kw: str) -> Check:
    """A measured figure without an expectation."""
    return Check(section, parameter, kw.pop("configured", "-"), None, measured, None, n, **kw)


def proportion(
    section: str,
    parameter: str,
    configured: str,
    expected: float,
    hits: int,
    n: int,
    floor: float = 0.01,
    **kw: str,
) -> Check:
    """A share `hits / n` against a probability: binomial standard error at the expected share,
    plus 1/n for the steps of a small count."""
    if n == 0:
        return Check(section, parameter, configured, expected, None, None, 0, **kw)
    p = min(max(expected, 0.0), 1.0)
    se = math.sqrt(max(p * (1 - p), 1.0 / n) / n)
    tol = max(floor, Z * se + 1.0 / n)
    return Check(section, parameter, configured, expected, hits / n, tol, n, **kw)


def mean(
    section: str,
    parameter: str,
    configured: str,
    expected: float,
    values: np.ndarray,
    rel_floor: float = 0.02,
    sd: float = 0.0,
    **kw: str,
) -> Check:
    """A sample mean against an expected mean (see `mean_of`)."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    spread = float(values.std(ddof=1)) if n > 1 else 0.0
    average = float(values.mean()) if n else math.nan
    return mean_of(
        section, parameter, configured, expected, n, average, spread, rel_floor, sd, **kw
    )


def mean_of(
    section: str,
    parameter: str,
    configured: str,
    expected: float,
    n: int,
    average: float,
    spread: float,
    rel_floor: float = 0.02,
    sd: float = 0.0,
    **kw: str,
) -> Check:
    """The mean `average` of `n` values of sample standard deviation `spread` against an
    expected mean; standard error from the sample's spread, or from `sd` (the spread the model
    implies for one value) when that is larger, as it can be in a small sample."""
    if n < 2:
        return Check(section, parameter, configured, expected, None, None, n, **kw)
    se = max(spread, sd) / math.sqrt(n)
    tol = max(rel_floor * abs(expected), Z * se)
    return Check(section, parameter, configured, expected, average, tol, n, **kw)


def ratio(
    section: str,
    parameter: str,
    configured: str,
    expected: float,
    numerators: np.ndarray,
    denominators: np.ndarray,
    rel_floor: float = 0.03,
    spread: float = 0.0,
    counts: bool = False,
    **kw: str,
) -> Check:
    """`sum(numerators) / sum(denominators)` over clusters (ads, customers) against an expected
    ratio. The standard error is the larger of the cluster (linearised) one, which covers chance
    within and spread between clusters, and the one the model implies: clusters whose own ratio
    varies with standard deviation `spread` (ads that each drew a CTR, customers each a purchase
    rate) plus, with `counts` (numerators count events), Poisson chance. The model's figure
    matters in small samples, where a few clusters or no events make the cluster one unreliable."""
    x = np.asarray(numerators, dtype=float)
    y = np.asarray(denominators, dtype=float)
    k, total = len(x), float(y.sum())
    if k < 2 or total <= 0:
        return Check(section, parameter, configured, expected, None, None, k, **kw)
    r = float(x.sum()) / total
    se = math.sqrt(float(((x - r * y) ** 2).sum()) * k / (k - 1)) / total
    model = spread**2 * float((y**2).sum()) / total**2
    if counts:
        model += max(expected, 0.0) / total
    tol = max(rel_floor * abs(expected), Z * max(se, math.sqrt(model)))
    return Check(section, parameter, configured, expected, r, tol, k, **kw)


def poisson(
    section: str,
    parameter: str,
    configured: str,
    expected: float,
    events: int,
    exposure: float,
    rel_floor: float = 0.03,
    **kw: str,
) -> Check:
    """A rate `events / exposure` (e.g. launches per day) against an expected Poisson rate."""
    if exposure <= 0:
        return Check(section, parameter, configured, expected, None, None, 0, **kw)
    se = math.sqrt(max(expected, 0.0) / exposure)
    tol = max(rel_floor * abs(expected), Z * se)
    return Check(section, parameter, configured, expected, events / exposure, tol, events, **kw)


def mix(
    section: str,
    key: str,
    shares: dict[str, float],
    labels: Iterable[str],
    floor: float = 0.01,
) -> list[Check]:
    """One proportion check per category of a mix, over `labels` (one label per draw)."""
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    return mix_counts(section, key, shares, counts, floor)


def mix_counts(
    section: str,
    key: str,
    shares: Mapping[str, float],
    counts: Mapping[str, int],
    floor: float = 0.01,
) -> list[Check]:
    """One proportion check per category of a mix, over `counts` (draws per label); a label
    the mix does not hold is expected at share 0."""
    n = int(sum(counts.values()))
    expected = dict(shares) | {label: 0.0 for label in counts if label not in shares}
    return [
        proportion(
            section, f"{key}.{label}", f"{share:g}", share, int(counts.get(label, 0)), n, floor
        )
        for label, share in expected.items()
    ]


def quantile(
    section: str,
    parameter: str,
    configured: str,
    reference: np.ndarray,
    values: np.ndarray,
    q: float,
    **kw: str,
) -> Check:
    """The `q` quantile of `values` against that of `reference` (a large sample of the model).
    The tolerance is a distribution-free band around the measured quantile: the sample's
    quantiles at q -+ d, d = `Z` binomial standard errors sqrt(q(1-q)/n) plus 1/n, on the side
    of the expected value; it passes when the expected quantile lies within the band, i.e. when
    the share of values below it is within d of q."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    if n < 2 or len(reference) == 0:
        return Check(section, parameter, configured, None, None, None, n, **kw)
    expected = float(np.quantile(reference, q))
    d = Z * math.sqrt(q * (1 - q) / n) + 1.0 / n
    measured = float(np.quantile(values, q))
    if measured >= expected:
        tol = measured - float(np.quantile(values, max(q - d, 0.0)))
    else:
        tol = float(np.quantile(values, min(q + d, 1.0))) - measured
    return Check(section, parameter, configured, expected, measured, tol, n, **kw)


def distance(
    section: str,
    parameter: str,
    configured: str,
    observed: np.ndarray,
    reference: np.ndarray,
    floor: float = 0.02,
    **kw: str,
) -> Check:
    """Total variation distance between the histogram `observed` (counts) and the shares
    `reference`; 0 is a perfect match. The tolerance allows 2.5 times the distance chance alone
    gives a sample of that size (about sum(sqrt(2 p (1 - p) / (pi n))) / 2)."""
    counts = np.asarray(observed, dtype=float)
    n = int(counts.sum())
    p = np.asarray(reference, dtype=float) / float(np.sum(reference))
    if n == 0:
        return Check(section, parameter, configured, 0.0, None, None, 0, **kw)
    tv = 0.5 * float(np.abs(counts / n - p).sum())
    noise = 0.5 * float(np.sqrt(2 * p * (1 - p) / (math.pi * n)).sum())
    return Check(section, parameter, configured, 0.0, tv, max(floor, 2.5 * noise), n, **kw)
