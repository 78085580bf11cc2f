"""Dask executor: one actor per shard task on an existing Dask cluster (`dask.distributed`).
The workers write their spill files and event-log parts straight into the run folder, so it must
be a path every worker can reach (a shared file system); the client merges and publishes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jaffle_sim.executors import ShardFailed, by_day
from jaffle_sim.executors.tasks import ShardTask, TaskDay, TaskSpec


class DaskExecutor:
    def __init__(self, scheduler: str):
        try:
            from distributed import Client
        except ImportError:
            raise ShardFailed(
                "the dask executor needs dask.distributed: pip install 'jaffle-sim[dask]'"
            ) from None
        try:
            # the default client: actors need one
            self.client = Client(scheduler, timeout=10)  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError) as exc:
            raise ShardFailed(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        self._actors: list[Any] = []
        self._specs: list[TaskSpec] = []

    def start(self, specs: Sequence[TaskSpec]) -> None:
        self._specs = list(specs)
        futures = [
            self.client.submit(ShardTask, spec, actor=True, pure=False, key=f"jaffle-sim-{i}")
            for i, spec in enumerate(self._specs)
        ]
        self._actors = self._results(futures)

    def steps(self, first: int, count: int) -> list[list[TaskDay]]:
        return by_day(self._results([actor.steps(first, count) for actor in self._actors]))

    def end(self) -> list[dict[str, int]]:
        return self._results([actor.end() for actor in self._actors])

    def close(self) -> None:
        self._actors = []
        self.client.close()  # type: ignore[no-untyped-call]

    def _results(self, futures: list[Any]) -> list[Any]:
        out = []
        for spec, future in zip(self._specs, futures):
            try:
                out.append(future.result())
            except Exception as exc:
                raise ShardFailed(f"{spec.name} failed: {type(exc).__name__}: {exc}") from None
        return out
