"""Local executor: shard tasks in this process (one worker) or in N worker processes, each
holding its share of the tasks (task i on worker i mod N) and stepping them day by day."""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import threading
import traceback
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any

from jaffle_sim.executors import ShardFailed, by_day
from jaffle_sim.executors.tasks import ShardTask, TaskDay, TaskSpec


def _call(tasks: list[ShardTask], specs: Sequence[TaskSpec], method: str, *args: Any) -> list[Any]:
    out = []
    for task, spec in zip(tasks, specs):
        try:
            out.append(getattr(task, method)(*args))
        except Exception as exc:
            raise ShardFailed(f"{spec.name} failed: {type(exc).__name__}: {exc}") from exc
    return out


def _serve(conn: Connection, specs: list[TaskSpec]) -> None:
    """A worker process: builds its tasks, then answers `step` and `end` until told to stop."""
    try:
        tasks = []
        for spec in specs:
            try:
                tasks.append(ShardTask(spec))
            except Exception as exc:
                raise ShardFailed(f"{spec.name} failed: {type(exc).__name__}: {exc}") from exc
        conn.send(("ok", None))
        while True:
            message = conn.recv()
            if message[0] == "stop":
                return
            conn.send(("ok", _call(tasks, specs, *message)))
    except ShardFailed as exc:
        conn.send(("error", str(exc)))
    except (EOFError, KeyboardInterrupt):
        return
    except BaseException as exc:  # a bug: the whole story for the client
        conn.send(
            ("error", f"worker failed: {type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        )


class LocalExecutor:
    """Tasks in this process (`workers` 1) or spread over `workers` processes."""

    def __init__(self, workers: int):
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.workers = workers
        self._tasks: list[ShardTask] = []
        self._specs: list[TaskSpec] = []
        self._order: list[list[int]] = []  # spec positions held by each worker
        self._conns: list[Connection] = []
        self._procs: list[Any] = []

    def start(self, specs: Sequence[TaskSpec]) -> None:
        self._specs = list(specs)
        n = min(self.workers, len(self._specs))
        if n <= 1:
            self._tasks = [ShardTask(spec) for spec in self._specs]
            return
        # Forking is fast (no imports in the workers) and safe while this process runs no other
        # thread; otherwise (a live progress bar, a Dask client) the workers start afresh.
        ctx: Any = mp.get_context("fork" if threading.active_count() == 1 else "forkserver")
        self._order = [list(range(w, len(self._specs), n)) for w in range(n)]
        for positions in self._order:
            parent, child = ctx.Pipe()
            proc = ctx.Process(
                target=_serve, args=(child, [self._specs[i] for i in positions]), daemon=True
            )
            proc.start()
            child.close()
            self._conns.append(parent)
            self._procs.append(proc)
        self._gather()

    def steps(self, first: int, count: int) -> list[list[TaskDay]]:
        if not self._conns:
            return by_day(_call(self._tasks, self._specs, "steps", first, count))
        return by_day(self._ask("steps", first, count))

    def end(self) -> list[dict[str, int]]:
        if not self._conns:
            return _call(self._tasks, self._specs, "end")
        return self._ask("end")

    def close(self) -> None:
        for conn in self._conns:
            with contextlib.suppress(OSError, ValueError):
                conn.send(("stop",))
        for proc in self._procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.terminate()
        self._conns, self._procs = [], []

    def _ask(self, *message: Any) -> list[Any]:
        for conn in self._conns:
            conn.send(message)
        answers = self._gather()
        out: list[Any] = [None] * len(self._specs)
        for positions, values in zip(self._order, answers):
            for i, value in zip(positions, values):
                out[i] = value
        return out

    def _gather(self) -> list[Any]:
        answers, errors = [], []
        for conn, proc in zip(self._conns, self._procs):
            try:
                status, value = conn.recv()
            except EOFError:
                status, value = "error", f"a worker process died (exit code {proc.exitcode})"
            if status == "error":
                errors.append(value)
            answers.append(value)
        if errors:
            raise ShardFailed(errors[0])
        return answers
