"""Executors: where the shard tasks of a run are simulated. Every executor runs the same tasks
and returns their days in the order of the specs, so the output never depends on which executor
ran it, how many workers it had or in which order they finished. The client asks for days in
batches when it needs nothing between them (`steps`), so workers run on without waiting for
each other or for a round trip every simulated day.

- `local`: this process (`workers=1`) or N local processes;
- `dask`: an existing Dask cluster (`dask.distributed`, the optional extra `jaffle-sim[dask]`),
  one actor per task; the run folder must be reachable by every worker.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from jaffle_sim.executors.tasks import TaskDay, TaskSpec

EXECUTORS = ("local", "dask")

# Days the workers simulate per request when the client publishes and loads nothing between
# days (`generate` without the daily publish, a sweep): they run on without a round trip and a
# wait for the slowest task every day. Batching never changes a byte.
BATCH_DAYS = 7


class ShardFailed(RuntimeError):
    """A shard task raised: the message names the shard and the cause."""


class Executor(Protocol):
    def start(self, specs: Sequence[TaskSpec]) -> None: ...

    def steps(self, first: int, count: int) -> list[list[TaskDay]]:
        """Days `first` .. `first + count - 1` of every task: per day, the tasks' days in the
        order of the specs."""
        ...

    def end(self) -> list[dict[str, int]]: ...

    def close(self) -> None: ...


def batches(days: int, size: int) -> Iterator[tuple[int, int]]:
    """(first day, number of days) of consecutive batches of at most `size` days."""
    for first in range(0, days, size):
        yield first, min(size, days - first)


def by_day(per_task: Sequence[Sequence[TaskDay]]) -> list[list[TaskDay]]:
    """Per-task lists of days turned into per-day lists of the tasks' days."""
    return [list(days) for days in zip(*per_task)]


def make_executor(kind: str, workers: int, scheduler: str | None = None) -> Executor:
    if kind == "dask":
        from jaffle_sim.executors.dask import DaskExecutor

        if scheduler is None:
            raise ValueError("the dask executor needs a scheduler address")
        return DaskExecutor(scheduler)
    from jaffle_sim.executors.local import LocalExecutor

    return LocalExecutor(workers)
