"""A customer's own numbers do not depend on when the shop draws its next blocks."""

from __future__ import annotations

import pytest

from jaffle_sim.agents.own_draws import Column, OwnDraws


def sequence(starts_after: set[int], n: int = 24) -> list[float]:
    """Customer 7's first `n` numbers, other customers signing up after the draws in
    `starts_after` (each sign-up draws the next blocks of those running low)."""
    own = OwnDraws(11, {"u": Column(lambda g, k: g.random(k), 4, 4)})
    (draws,) = own.start([7])
    out = []
    for i in range(n):
        out.append(draws("u"))
        if i in starts_after:
            own.start([100 + i])
    return out


@pytest.mark.parametrize(
    "starts_after",
    [
        set(range(24)),  # always drawn together with others
        {9},  # ran low, ran out alone, ran low again, then drawn with others
        {1, 2, 9, 10, 17},
    ],
)
def test_a_customers_numbers_are_the_same_whenever_its_blocks_are_drawn(starts_after):
    alone = sequence(set())
    assert len(set(alone)) == len(alone)  # no block given twice
    assert sequence(starts_after) == alone
