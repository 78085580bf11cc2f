"""What the kinds of anomaly share: the registry they are declared in (`anomaly_kind`), the
type of their parameters and `pick_rows`, a random share of rows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from jaffle_sim.validation.registry import KindRegistry

registry = KindRegistry()
anomaly_kind = registry.kind

Params = Mapping[str, Any]


def pick_rows(
    rng: np.random.Generator, mask: pd.Series, share: float, at_least: int | bool
) -> pd.Series:
    """A random `share` of the rows in `mask`, and at least `at_least` rows when any exist."""
    idx = np.flatnonzero(mask.to_numpy())
    n = round(share * len(idx))
    if share > 0:
        n = max(n, int(at_least))
    chosen = np.zeros(len(mask), dtype=bool)
    chosen[rng.choice(idx, size=min(n, len(idx)), replace=False)] = True
    return pd.Series(chosen, index=mask.index)
