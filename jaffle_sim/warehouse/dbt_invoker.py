"""One dbt command at a time, in-process (``dbtRunner``), against a staged project: the
invocation itself, with the parse kept across commands, dbt's errors translated and what dbt
holds open released after the last command. :class:`~jaffle_sim.warehouse.dbt_runner.DbtRunner`
builds a day on top of it.

Parsing the project costs a second or more, so the parsed manifest is kept while nothing that
shapes the parse changed (:mod:`~jaffle_sim.warehouse.parse_cache`).

Fixed choices, each measured on the daily loop:

* no JSON artifacts (``target/manifest.json``, ``run_results.json``): serialising the manifest
  costs 0.2-0.4 s per command, every node's outcome is in the returned record and the parse is
  kept in memory (partial parsing is off: the vars change every day, which makes dbt parse the
  whole project anyway);
* dbt's console output is off, and so is its file log (``logs/dbt.log`` next to ``target/``)
  unless ``--debug`` (or ``JAFFLE_SIM_DEBUG=1``) asks for it: formatting and writing a line for
  each of dbt's events cost about 8% of a daily build (0.2 s a day, interleaved pairs). Every
  node's outcome and message is in the returned record, the SQL in ``target/``.

dbt is imported lazily (importing it costs about two seconds).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from jaffle_sim.output.run_folder import SEEDS
from jaffle_sim.warehouse.dbt_errors import (
    DbtError,
    WarehouseLockedError,
    locked_message,
    release_dbt,
)
from jaffle_sim.warehouse.dbt_project import SEED_PATH_ENV
from jaffle_sim.warehouse.parse_cache import ManifestCache, parse_key
from jaffle_sim.warehouse.results import DbtResult, node_results

#: The environment variable of ``--debug`` (jaffle_sim.cli sets it for a command): dbt then
#: writes its file log.
DEBUG_ENV = "JAFFLE_SIM_DEBUG"


def debugging() -> bool:
    """Whether ``--debug`` (or ``JAFFLE_SIM_DEBUG``, other than empty or 0) is on."""
    return os.environ.get(DEBUG_ENV, "") not in ("", "0")


# dbt keeps global state: never let two invocations overlap, whichever runner starts them.
_INVOCATION_LOCK = threading.Lock()


def _drop_invocation_state(manifest: Any) -> None:
    """Elementary keeps what one invocation did (its temporary metric tables, test results) in
    dbt's graph context, which is the parsed manifest's ``flat_graph``: a parse kept for the next
    invocation must not carry it over (the next invocation would read tables already dropped)."""
    graph = getattr(manifest, "flat_graph", None)
    if isinstance(graph, dict):
        graph.pop("elementary", None)


class DbtInvoker:
    """Runs dbt commands in this process against one staged project, profile and warehouse.

    Each call is one dbt invocation, strictly one at a time in the process. ``target/`` and
    ``logs/`` go into the project folder, which for a staged project is inside the run folder.
    Vars given here apply to every call; vars given to a call are added on top.
    """

    def __init__(
        self,
        project_dir: str | os.PathLike[str],
        profiles_dir: str | os.PathLike[str],
        *,
        target: str | None = None,
        vars: Mapping[str, Any] | None = None,
        database_path: str | os.PathLike[str] | None = None,
    ):
        self.project_dir = Path(project_dir).resolve()
        if not (self.project_dir / "dbt_project.yml").is_file():
            raise FileNotFoundError(f"{self.project_dir} is not a dbt project (no dbt_project.yml)")
        self.profiles_dir = Path(profiles_dir).resolve()
        self.target_path = self.project_dir / "target"
        self.log_path = self.project_dir / "logs"
        self.target = target
        self.vars: dict[str, Any] = dict(vars or {})
        self.database_path = Path(database_path).resolve() if database_path is not None else None
        self._runner: Any = None
        self._manifests = ManifestCache()

    def invoke(
        self,
        command: str,
        *,
        select: str | Sequence[str] | None = None,
        exclude: str | Sequence[str] | None = None,
        vars: Mapping[str, Any] | None = None,
        extra_args: Sequence[str] = (),
    ) -> DbtResult:
        """Run one dbt command and return its per-node results. `extra_args` are further dbt
        flags (the project's tests pass ``--store-failures`` to read the failing rows).

        Failing tests or models do not raise: check ``result.success`` / ``result.failed``.
        Raises :class:`WarehouseLockedError` when the DuckDB file is held by another process and
        :class:`DbtError` when dbt could not run the command at all.
        """
        args = []
        for flag, value in (("--select", select), ("--exclude", exclude)):
            if value:
                args += [flag, *([value] if isinstance(value, str) else list(value))]
        res, elapsed, reused = self._run(command, [*args, *extra_args], vars)
        if res.exception is not None:
            error = self._translate(command, res.exception)
            if not isinstance(error, WarehouseLockedError):
                self._forget_manifests()  # the parses are still valid after a lock error
            raise error
        return DbtResult(
            command=command,
            success=bool(res.success),
            elapsed=elapsed,
            nodes=node_results(res.result),
            reused_manifest=reused,
        )

    def parse(self, vars: Mapping[str, Any] | None = None) -> Any:
        """Parse the project (or reuse the cached parse) and return dbt's Manifest object."""
        merged = {**self.vars, **(vars or {})}
        with _INVOCATION_LOCK, self._environment():
            return self._cached_parse(self._dbt_runner(), self._parse_key(merged), merged)

    def close(self) -> None:
        """Release the DuckDB warehouse, the connections and the log file dbt holds open in this
        process (a no-op when dbt was never imported). The next command opens them again."""
        with _INVOCATION_LOCK:
            release_dbt()

    def __enter__(self) -> DbtInvoker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # internals
    def _show(
        self, sql: str, vars: Mapping[str, Any] | None
    ) -> tuple[list[tuple[Any, ...]], float]:
        """The rows of `sql` (``dbt show --inline``, no row limit) and the seconds it took."""
        res, elapsed, _ = self._run("show", ["--inline", sql, "--limit", "-1"], vars)
        results = getattr(res.result, "results", None) or []
        table = getattr(results[0], "agate_table", None) if results else None
        if res.exception is not None or not res.success or table is None:
            raise self._translate("show", res.exception or DbtError(f"could not read {sql}"))
        return [tuple(row) for row in table.rows], elapsed

    def _run(
        self, command: str, args: Sequence[str], vars: Mapping[str, Any] | None
    ) -> tuple[Any, float, bool]:
        """One dbt invocation of `command` with `args` on the kept parse: dbt's result, the
        seconds it took and whether the parse was reused."""
        merged = {**self.vars, **(vars or {})}
        with _INVOCATION_LOCK, self._environment():
            runner = self._dbt_runner()
            key = self._parse_key(merged)
            reused = key in self._manifests
            runner.manifest = self._cached_parse(runner, key, merged)
            _drop_invocation_state(runner.manifest)
            full = [command, *self._common_args(), "--vars", json.dumps(merged, sort_keys=True)]
            full += [*args, "--no-write-json"]
            started = time.perf_counter()
            res = runner.invoke(full)
            return res, time.perf_counter() - started, reused

    def _common_args(self) -> list[str]:
        args = [
            "--project-dir",
            str(self.project_dir),
            "--profiles-dir",
            str(self.profiles_dir),
            "--target-path",
            str(self.target_path),
            "--log-path",
            str(self.log_path),
            "--no-use-colors",
            "--log-level",
            "none",
            "--log-level-file",
            "debug" if debugging() else "none",
            "--no-send-anonymous-usage-stats",
        ]
        if self.target:
            args += ["--target", self.target]
        return args

    def _dbt_runner(self) -> Any:
        if self._runner is None:
            from dbt.cli.main import dbtRunner  # lazy: importing dbt takes about two seconds

            self._runner = dbtRunner()
        return self._runner

    def _cached_parse(self, runner: Any, key: str, merged_vars: Mapping[str, Any]) -> Any:
        """The manifest for parse key `key`: kept, or parsed now."""
        return self._manifests.get(key, lambda: self._parse(runner, merged_vars))

    def _parse(self, runner: Any, merged_vars: Mapping[str, Any]) -> Any:
        runner.manifest = None
        res = runner.invoke(
            [
                "parse",
                *self._common_args(),
                "--vars",
                json.dumps(dict(merged_vars), sort_keys=True),
                "--no-write-json",
                "--no-partial-parse",
            ]
        )
        if res.exception is not None or not res.success or res.result is None:
            self._forget_manifests()
            raise self._translate("parse", res.exception or DbtError("dbt parse failed"))
        return res.result

    def _forget_manifests(self) -> None:
        self._manifests.clear()

    def _parse_key(self, merged_vars: Mapping[str, Any]) -> str:
        return parse_key(self.project_dir, self.profiles_dir, self.target, merged_vars)

    @contextmanager
    def _environment(self) -> Iterator[None]:
        """Point the project at the run folder's seeds (``../seeds`` beside the staged copy)
        for the invocation, whatever the environment says, and restore it afterwards."""
        previous = os.environ.get(SEED_PATH_ENV)
        os.environ[SEED_PATH_ENV] = f"../{SEEDS}"
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop(SEED_PATH_ENV, None)
            else:
                os.environ[SEED_PATH_ENV] = previous

    def _translate(self, command: str, exc: BaseException) -> DbtError:
        text = str(exc)
        locked = locked_message(text, self.database_path)
        if locked is not None:
            return WarehouseLockedError(
                f"{locked}; the run's files are kept: continue it with --resume"
            )
        return DbtError(f"dbt {command} failed: {text}")
