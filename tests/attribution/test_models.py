"""The five attribution models in Python: the mart's weights, and its touches from the event log."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from jaffle_sim.attribution.models import MODELS, order_touches, weights
from jaffle_sim.clock import DAY, HOUR


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, {m: [1.0] for m in MODELS}),
        (
            3,
            {
                "first_touch": [1, 0, 0],
                "last_touch": [0, 0, 1],
                "linear": [1 / 3] * 3,
                "position_based": [0.4, 0.2, 0.4],
                "time_decay": np.array([0.49, 0.7, 1.0]) / 2.19,
            },
        ),
        (2, {"position_based": [0.5, 0.5], "time_decay": [0.7 / 1.7, 1 / 1.7]}),
        (4, {"position_based": [0.4, 0.1, 0.1, 0.4]}),
    ],
)
def test_the_weights_are_the_marts(n: int, expected: dict[str, Any]) -> None:
    k = np.arange(1, n + 1)
    for model, w in expected.items():
        assert weights(model, k, np.full(n, n)) == pytest.approx(w, abs=1e-9)
    for model in MODELS:
        assert weights(model, k, np.full(n, n)).sum() == pytest.approx(1.0, abs=1e-9)


def test_an_orders_touches_are_its_customers_sessions_in_the_window() -> None:
    sessions = pd.DataFrame(
        {
            "session_id": ["w1", "a1", "w2", "w3", "w3"],
            "visitor_id": [9, 9, 9, 8, 8],
            "customer_id": pd.array([None, None, 1, 2, 2], dtype="Int64"),
            "started_at": [0, 20 * HOUR, 30 * HOUR, 30 * HOUR, 30 * HOUR],
            "utm_source": ["facebook", None, "google", None, None],
            "is_duplicate": [False, False, False, False, True],
        }
    )
    signups = pd.DataFrame({"visitor_id": [9, 8], "customer_id": [1, 2]})
    orders = pd.DataFrame(
        {
            "order_id": [10, 11],
            "customer_id": [1, 2],
            "ordered_at": [31 * HOUR, 31 * HOUR],
            "total_cents": [1000, 500],
            "is_first_order": [True, True],
        }
    )
    t = order_touches(sessions, signups, orders, window_days=1)
    first = t[t.order_id == 10]
    # w1 (31 h before) is outside the 1-day window; the stitched a1 and w2 are in it.
    assert first.session_id.tolist() == ["a1", "w2"]
    assert first.channel.tolist() == ["organic", "google"]
    assert first.last_touch_weight.tolist() == [0, 1]
    assert t[t.order_id == 11].session_id.tolist() == ["w3"]  # the duplicate delivery dropped
    wide = order_touches(sessions, signups, orders, window_days=2)
    assert wide[wide.order_id == 10].first_touch_weight.tolist() == [1, 0, 0]
    assert 2 * DAY > 31 * HOUR
