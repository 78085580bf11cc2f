"""Random streams: one seed per run, spawned into an independent generator per concern.

`SeedSequence(entropy, spawn_key=(flavour, concern, *sub))` is exactly what `SeedSequence.spawn`
hands out, addressed by position, so adding a concern at the end never changes the others and the
training and validation flavours never share a stream. A run of K > 1 shards gives every shard
its own entropy `(seed, K, shard)`; a run of one shard uses the seed itself. Visitors and
customers draw from counter-based numbers keyed by their origin, seeded from a child stream
(`agents.touches`, `agents.own_draws`); the `shop` stream is no longer drawn from.
"""

from __future__ import annotations

import numpy as np

from jaffle_sim.events import FLAVOURS

CONCERNS = ("demand", "ads", "visitors", "customers", "shop", "names", "anomalies", "quality")


class Streams:
    """The random generators of one simulated flavour (and shard) of a run."""

    def __init__(self, seed: int, flavour: str = "training", shard: int = 0, shards: int = 1):
        if flavour not in FLAVOURS:
            raise ValueError(f"unknown flavour {flavour!r}; expected one of {FLAVOURS}")
        if not 0 <= shard < shards:
            raise ValueError(f"shard {shard} is not one of the run's {shards} shards")
        self.seed = seed
        self.flavour = flavour
        self.entropy: int | list[int] = seed if shards == 1 else [seed, shards, shard]

    def generator(self, concern: str, *sub: int) -> np.random.Generator:
        key = (FLAVOURS.index(self.flavour), CONCERNS.index(concern), *sub)
        return np.random.default_rng(np.random.SeedSequence(self.entropy, spawn_key=key))

    def integer_seed(self, concern: str) -> int:
        """A plain integer seed for a library that wants one (Faker)."""
        return int(self.generator(concern).integers(0, 2**31 - 1))
