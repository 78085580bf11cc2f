"""Customers' own random numbers: every draw a customer makes after its journey comes from a
stream keyed by the customer's origin (common random numbers across runs).

The key is the arrival key of the journey that made the visitor a customer
(`touches.arrival_key`), or the customer's number for one who existed on day 0. A customer's
numbers are a counter-based hash of the run's seed, its key and (column, block, call, row), as
the visitors' `KeyedUniforms` are, so nothing one customer does moves another's numbers: a run
without one platform leaves the whole life of every customer it did not bring as it was.

A column is a kind of draw a customer makes again and again (one row per order, per purchase
need, ...), drawn in blocks of rows by a function `(generator, n) -> array` (a distribution's
`sample`, or several stacked). The function is handed `KeyedSource`, which stands in for a
numpy generator: each call of `random`, `uniform`, `gamma` or `beta` gets the next call's
uniforms of every customer, through the inverse CDF for the last two. The first blocks of the
customers who sign up together are drawn in one call per column; a column whose function needs
any other generator method gets a numpy generator per customer and block (from the run's
`SeedSequence`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from jaffle_sim.agents.touches import GOLDEN, mix

Draw = Callable[[Any, int], np.ndarray]  # (generator, n) -> n rows


@dataclass(frozen=True)
class Column:
    """One kind of repeated draw: its function and the rows of the first and later blocks."""

    draw: Draw
    first: int
    then: int


_CALLS = 16  # generator calls whose uniforms are made together


class _NeedsGenerator(Exception):
    """The column's function asked for a generator method `KeyedSource` does not have."""


class KeyedSource:
    """Stands in for a numpy generator for `n` rows of each of `keys` (each with its own
    `streams` entry): call `c` of size `len(keys) * n` gets, row-major, the uniforms of (key,
    stream, c, row). With one key a shorter call (for a subset of rows) takes the first of that
    call's uniforms."""

    def __init__(self, seed: int, keys: np.ndarray, streams: np.ndarray, n: int):
        k = np.asarray(keys, dtype=np.int64).astype(np.uint64)
        per_key = mix(k * GOLDEN ^ np.full(len(k), seed, dtype=np.uint64))
        self._base = mix(per_key + np.asarray(streams, dtype=np.uint64) * GOLDEN)[:, None, None]
        self._n = n
        self._calls = 0
        self._chunk = np.empty((len(k), 0, n))

    def _u(self, size: Any) -> np.ndarray:
        m = len(self._base)
        size = int(size)
        if size != m * self._n and not (m == 1 and size <= self._n):
            raise _NeedsGenerator
        call = self._calls % _CALLS
        if call == 0:  # the uniforms of the next _CALLS calls, in one go
            calls = np.arange(self._calls, self._calls + _CALLS, dtype=np.uint64)
            rows = (calls[:, None] << np.uint64(20)) | np.arange(self._n, dtype=np.uint64)
            bits = mix(mix(self._base + rows[None] * GOLDEN))
            self._chunk = (bits >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))
        self._calls += 1
        return self._chunk[:, call, : size // m].reshape(-1)

    def random(self, size: Any) -> np.ndarray:
        return self._u(size)

    def uniform(self, low: Any = 0.0, high: Any = 1.0, size: Any = None) -> np.ndarray:
        return low + (high - low) * self._u(size)

    def gamma(self, shape: float, scale: float = 1.0, size: Any = None) -> np.ndarray:
        from scipy import special

        return np.asarray(special.gammaincinv(shape, self._u(size)) * scale)

    def beta(self, a: float, b: float, size: Any = None) -> np.ndarray:
        from scipy import special

        return np.asarray(special.betaincinv(a, b, self._u(size)))

    def __getattr__(self, name: str) -> Any:
        raise _NeedsGenerator(name)


class OwnDraws:
    """The columns of a run's customers; `start(keys)` gives each customer its `Draws`.

    A customer's next block of a column is drawn when half of its current block is used up,
    together with those of every other customer in that state, at the next `start` (or alone,
    when the block runs out first): which numbers a customer gets never depends on when."""

    def __init__(self, seed: int, columns: dict[str, Column]):
        self.seed = seed
        self.names = tuple(columns)
        self.index = {name: i for i, name in enumerate(columns)}
        self.columns = tuple(columns.values())
        self.low: list[list[Draws]] = [[] for _ in columns]  # per column: running low

    def start(self, keys: Sequence[int]) -> list[Draws]:
        """The draws of customers keyed `keys`, their first blocks drawn together (and the next
        blocks of the customers running low)."""
        for c, low in enumerate(self.low):
            if low:
                self.low[c] = []
                # once each: a customer that ran out alone since may have run low again
                low = list(dict.fromkeys(low))
                for draws, rows in zip(
                    low, self.block([d.key for d in low], c, [d.blocks[c] + 1 for d in low])
                ):
                    draws.extend(c, rows)
        zero = [0] * len(keys)
        firsts = [self.block(keys, c, zero) for c in range(len(self.columns))]
        return [Draws(self, key, [rows[i].copy() for rows in firsts]) for i, key in enumerate(keys)]

    def block(self, keys: Sequence[int], column: int, blocks: Sequence[int]) -> np.ndarray:
        """Rows of block `blocks[i]` of `column` for each key: shape (len(keys), rows, ...); the
        blocks are all first ones or all later ones."""
        c = self.columns[column]
        n = c.then if blocks and blocks[0] else c.first
        streams = (column << 16) | np.asarray(blocks, dtype=np.int64)
        k = np.asarray(keys, dtype=np.int64)
        try:
            rows = np.asarray(c.draw(KeyedSource(self.seed, k, streams, n), len(k) * n))
            return rows.reshape(len(k), n, *rows.shape[1:])
        except _NeedsGenerator:
            pass
        if len(k) > 1:
            return np.stack(
                [self.block([key], column, [b])[0] for key, b in zip(k.tolist(), blocks)]
            )
        seq = np.random.SeedSequence(self.seed, spawn_key=(int(k[0]), int(streams[0])))
        return np.asarray(c.draw(np.random.default_rng(seq), n))[None]


class Draws:
    """One customer's draws: `draws(name)` is the next row of column `name` (a float, or a
    list of floats)."""

    __slots__ = ("_index", "_low", "_next", "_own", "_rows", "blocks", "key")

    def __init__(self, own: OwnDraws, key: int, rows: list[np.ndarray]):
        self._own = own
        self.key = key
        self._index = own.index
        self._rows = rows
        self._next = [0] * len(rows)
        # Rows used when the next block is asked for (-1: never, for a column drawn once).
        self._low = [len(r) // 2 if len(r) > 1 else -1 for r in rows]
        self.blocks = [0] * len(rows)

    def extend(self, column: int, rows: np.ndarray) -> None:
        """Append the next block of `column`."""
        self._rows[column] = np.concatenate([self._rows[column][self._next[column] :], rows])
        self._next[column] = 0
        self._low[column] = len(self._rows[column]) - len(rows) // 2
        self.blocks[column] += 1

    def __call__(self, name: str) -> Any:
        c = self._index[name]
        i = self._next[c]
        rows = self._rows[c]
        if i == self._low[c]:
            self._own.low[c].append(self)
        elif i == len(rows):
            self.extend(c, self._own.block([self.key], c, [self.blocks[c] + 1])[0])
            rows, i = self._rows[c], 0
        self._next[c] = i + 1
        return rows[i].tolist()
