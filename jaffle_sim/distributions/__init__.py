"""Small, validated distribution objects: the vocabulary of behaviour in a scenario.

Every distribution has `sample(rng, n) -> np.ndarray`, a `mean`, a readable repr and `to_dict()`
(the TOML form, `{kind = "...", ...}`), and is rebuilt by `from_dict`. Units are those of the
parameter that holds the distribution (its name says which: `_hours`, `_minutes`, `_cents`, ...).
A scipy.stats frozen distribution can be used anywhere through `Scipy`.

scipy is imported only when it is needed: `scipy.special` by the log-normal, `scipy.stats` by
`Scipy`. Building a scenario without a scipy distribution never loads `scipy.stats`.

The base class, its error and checks, and `Buffered` are in `base`; the kinds in `numpy_kinds`
(constant, uniform, gamma, beta) and `scipy_kinds` (log-normal, scipy); this module names them
all and rebuilds any of them from its TOML form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from jaffle_sim.distributions.base import (
    Buffered,
    Distribution,
    DistributionError,
    finite,
    require,
)
from jaffle_sim.distributions.numpy_kinds import Beta, Constant, Gamma, Uniform
from jaffle_sim.distributions.scipy_kinds import LogNormal, Scipy

__all__ = [
    "DISTRIBUTIONS",
    "Beta",
    "Buffered",
    "Constant",
    "Distribution",
    "DistributionError",
    "Gamma",
    "LogNormal",
    "Scipy",
    "Uniform",
    "finite",
    "from_dict",
    "require",
]

DISTRIBUTIONS: dict[str, type[Distribution]] = {
    cls.kind: cls for cls in (Constant, Uniform, LogNormal, Gamma, Beta, Scipy)
}


def from_dict(spec: Any) -> Distribution:
    """Build a distribution from its TOML form; a plain number means `Constant`."""
    if isinstance(spec, Distribution):
        return spec
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        return Constant(float(spec))
    if hasattr(spec, "dist") and hasattr(spec, "rvs"):  # a scipy.stats frozen distribution
        return Scipy.wrap(spec)
    if not isinstance(spec, Mapping):
        raise DistributionError(
            f"expected a number or a table with a 'kind' key, got {type(spec).__name__}"
        )
    kind = spec.get("kind")
    if kind not in DISTRIBUTIONS:
        raise DistributionError(
            f"unknown distribution kind {kind!r}; expected one of {', '.join(DISTRIBUTIONS)}"
        )
    cls = DISTRIBUTIONS[kind]
    params = {k: v for k, v in spec.items() if k != "kind"}
    allowed = {f.name for f in fields(cls)}
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise DistributionError(
            f"{kind} takes {', '.join(sorted(allowed))}; unknown: {', '.join(unknown)}"
        )
    try:
        return cls(**params)
    except TypeError as exc:
        missing = sorted(allowed - set(params))
        raise DistributionError(f"{kind} needs {', '.join(missing)}") from exc
