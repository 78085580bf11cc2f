"""Random streams: one seed per run, spawned into an independent generator per concern.

`SeedSequence(seed, spawn_key=(flavour, concern, *sub))` is exactly what `SeedSequence(seed).spawn`
hands out, addressed by position, so adding a concern at the end never changes the others and the
training and validation flavours never share a stream.
"""

from __future__ import annotations

import numpy as np

from jaffle_sim.events import FLAVOURS

CONCERNS = ("demand", "ads", "visitors", "customers", "shop", "names", "anomalies")


class Streams:
    """The random generators of one simulated flavour of a run."""

    def __init__(self, seed: int, flavour: str = "training"):
        if flavour not in FLAVOURS:
            raise ValueError(f"unknown flavour {flavour!r}; expected one of {FLAVOURS}")
        self.seed = seed
        self.flavour = flavour

    def generator(self, concern: str, *sub: int) -> np.random.Generator:
        key = (FLAVOURS.index(self.flavour), CONCERNS.index(concern), *sub)
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=key))

    def integer_seed(self, concern: str) -> int:
        """A plain integer seed for a library that wants one (Faker)."""
        return int(self.generator(concern).integers(0, 2**31 - 1))
