"""Executors: where the shard tasks of a run are simulated. Every executor runs the same tasks
and returns their days in the order of the specs, so the output never depends on which executor
ran it, how many workers it had or in which order they finished.

- `local`: this process (`workers=1`) or N local processes;
- `dask`: an existing Dask cluster (`dask.distributed`, the optional extra `jaffle-sim[dask]`),
  one actor per task; the run folder must be reachable by every worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from jaffle_sim.executors.tasks import TaskDay, TaskSpec

EXECUTORS = ("local", "dask")


class ShardFailed(RuntimeError):
    """A shard task raised: the message names the shard and the cause."""


class Executor(Protocol):
    def start(self, specs: Sequence[TaskSpec]) -> None: ...

    def step(self, index: int) -> list[TaskDay]: ...

    def end(self) -> list[dict[str, int]]: ...

    def close(self) -> None: ...


def make_executor(kind: str, workers: int, scheduler: str | None = None) -> Executor:
    if kind == "dask":
        from jaffle_sim.executors.dask import DaskExecutor

        if scheduler is None:
            raise ValueError("the dask executor needs a scheduler address")
        return DaskExecutor(scheduler)
    from jaffle_sim.executors.local import LocalExecutor

    return LocalExecutor(workers)
