"""Log-linear trends of daily figures, for the growth checks of the fidelity profile: the slope
per day of log values (with a level per weekday where asked), its standard error, and the slope
shown as the change per 30 days."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from jaffle_sim.report import measures as m


def per_30(slope: float) -> float:
    """A log-linear slope per day as the relative change over 30 days."""
    return math.expm1(30.0 * slope)


def trend(
    days: np.ndarray, values: np.ndarray, weekdays: np.ndarray | None = None
) -> tuple[float, float, float]:
    """Least-squares trend of log `values` on `days` (with a level per weekday if `weekdays` is
    given): the slope per day, its standard error from the residuals, and the residual
    variance."""
    y = np.log(np.asarray(values, dtype=float))
    t = np.asarray(days, dtype=float)
    if weekdays is None:
        x = np.stack([np.ones_like(t), t], axis=1)
    else:
        x = np.zeros((len(t), 8))
        x[np.arange(len(t)), weekdays] = 1.0
        x[:, 7] = t
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ coef
    dof = max(len(t) - x.shape[1], 1)
    sigma2 = float(resid @ resid) / dof
    cov = np.linalg.pinv(x.T @ x)
    return float(coef[-1]), math.sqrt(sigma2 * cov[-1, -1]), sigma2


def trend_of_sums(
    n: int, sx: object, sxx: object, sy: object, sxy: object, syy: object
) -> tuple[float, float, float]:
    """`trend` without weekdays from the exact sums of x, x^2, y, xy and y^2 over n points."""
    x, x2, y, xy, y2 = (m.exact(v) for v in (sx, sxx, sy, sxy, syy))
    cxx, cxy, cyy = x2 - x * x / n, xy - x * y / n, y2 - y * y / n
    slope = cxy / cxx if cxx else Fraction(0)
    sigma2 = max(cyy - slope * cxy, Fraction(0)) / max(n - 2, 1)
    se = math.sqrt(float(sigma2 / cxx)) if cxx else math.inf
    return float(slope), se, float(sigma2)


def slope_weights(n: int) -> np.ndarray:
    """Weights a with slope = a @ y for a least-squares line through n equally spaced days."""
    t = np.arange(n, dtype=float)
    t -= t.mean()
    return t / float(t @ t)
