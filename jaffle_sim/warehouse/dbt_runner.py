"""Run dbt in-process (``dbtRunner``) against a staged project: one invocation at a time,
returning plain :class:`~jaffle_sim.warehouse.results.DbtResult` records.

The daily refresh is one :meth:`DbtRunner.build` per simulated day and flavour. ``dbt build``
skips every node downstream of a failing test; a day's build must still run every test on the
day's data (a validation day's anomalies fail staging tests, and the anomaly tests sit on the
models downstream of them). So after a build in which tests failed, the seeds and models it
skipped because of them are built in one more invocation (without tests, so nothing is held back
there), then the skipped tests run in a ``dbt test``: at most three invocations, only on a day
with failing tests. Nodes downstream of a seed or model that *errored* stay skipped: they would
read a table that is missing or stale. The result has one record per node either way
(:func:`~jaffle_sim.warehouse.results.combine`).

Parsing the project costs a second or more, so the runner keeps the parsed manifest while
nothing that shapes the parse changed (:mod:`~jaffle_sim.warehouse.parse_cache`).

The training flavour's row checks run as ``column_checks`` tests, several checks of one model
per test node (dbt_project/tests/generic/column_checks.sql); :meth:`DbtRunner.build` reports
each check as a test of its own, named after the check, and when such a test fails it reads its
rows (which checks failed, on how many rows) with one ``dbt show`` of the test's compiled SQL.

Fixed choices, each measured on the daily loop:

* unit tests run until they have passed once for a parse, then builds leave them out: they
  check SQL logic on fixed inputs, which a new day of data cannot change;
* no JSON artifacts (``target/manifest.json``, ``run_results.json``): serialising the manifest
  costs 0.2-0.4 s per command, every node's outcome is in the returned record and the parse is
  kept in memory (partial parsing is off: the vars change every day, which makes dbt parse the
  whole project anyway);
* dbt's console output is off; its file log (``logs/dbt.log`` next to ``target/``) keeps info.

dbt is imported lazily (importing it costs about two seconds).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from jaffle_sim.output.run_folder import SEEDS, WAREHOUSE
from jaffle_sim.warehouse.column_checks import (
    checks_of,
    expand_checks,
    failed_column_checks,
    failing_checks_sql,
)
from jaffle_sim.warehouse.dbt_errors import (
    DbtError,
    WarehouseLockedError,
    locked_message,
    release_dbt,
)
from jaffle_sim.warehouse.dbt_project import SEED_PATH_ENV, stage_project, write_profiles
from jaffle_sim.warehouse.parse_cache import ManifestCache, parse_key
from jaffle_sim.warehouse.results import (
    TEST_TYPES,
    DbtResult,
    NodeResult,
    combine,
    node_results,
    selector,
)

#: dbt threads on the embedded DuckDB. A tick is dbt's per-node Python work: a second thread
#: made a lone training build of the 8-day run about 13% faster (six interleaved pairs on 2
#: CPUs) but `run --days 8` as a whole no faster (64-66 s either way) for more CPU time; with
#: the column_checks tests, two threads gave 3.40 and 3.31 s of dbt per training day of that run
#: against 2.98 and 3.22 s with one (interleaved runs).
EMBEDDED_THREADS = 1
#: Selector of the project's unit tests.
UNIT_TESTS = "test_type:unit"
#: Resource types whose error leaves their descendants skipped (they hold data).
_DATA_NODES = frozenset({"seed", "model", "snapshot"})

# dbt keeps global state: never let two invocations overlap, whichever runner starts them.
_INVOCATION_LOCK = threading.Lock()


def _drop_invocation_state(manifest: Any) -> None:
    """Elementary keeps what one invocation did (its temporary metric tables, test results) in
    dbt's graph context, which is the parsed manifest's ``flat_graph``: a parse kept for the next
    invocation must not carry it over (the next invocation would read tables already dropped)."""
    graph = getattr(manifest, "flat_graph", None)
    if isinstance(graph, dict):
        graph.pop("elementary", None)


class DbtRunner:
    """Runs dbt commands in this process against one staged project, profile and warehouse.

    Each call is one dbt invocation (a :meth:`build` perhaps a few), strictly one at a time in
    the process. ``target/`` and ``logs/`` go into the project folder, which for a staged project
    is inside the run folder. Vars given here apply to every call; vars given to a call are added
    on top.
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
        self._unit_tests_passed: set[str] = set()  # parse keys whose unit tests passed
        self._failed_checks: dict[str, str] = {}  # failed column_checks test -> compiled SQL

    @classmethod
    def for_run_folder(
        cls,
        run_dir: str | os.PathLike[str],
        *,
        database_path: str | os.PathLike[str] | None = None,
        profiles_dir: str | os.PathLike[str] | None = None,
        target: str | None = None,
        vars: Mapping[str, Any] | None = None,
    ) -> DbtRunner:
        """Stage the bundled project in `run_dir` and return a runner for it.

        Without `profiles_dir` the embedded warehouse is used: a ``profiles.yml`` is written into
        the staged project for the DuckDB file `database_path` (default
        ``run_dir/warehouse.duckdb``), with :data:`EMBEDDED_THREADS` dbt threads. With
        `profiles_dir` (and
        optionally `target`) the user's own profile ``jaffle_sim`` is used where it is, and
        nothing is written there.
        """
        project = stage_project(run_dir)
        db: Path | None = None
        if profiles_dir is None:
            db = Path(database_path) if database_path is not None else (Path(run_dir) / WAREHOUSE)
            write_profiles(project, db, threads=EMBEDDED_THREADS)
            profiles_dir = project
        return cls(project, profiles_dir, target=target, vars=vars, database_path=db)

    # public commands
    def build(
        self,
        *,
        select: str | Sequence[str],
        vars: Mapping[str, Any] | None = None,
    ) -> DbtResult:
        """``dbt build`` of `select`; then what it skipped because tests failed
        is built too (the seeds and models in one more invocation, then their tests), so that
        every selected test reports on the current data (see the module docstring). One record
        per node; ``success`` is false when anything failed.

        Unit tests run until they have passed once for the current parse, then are left out.
        """
        merged = {**self.vars, **(vars or {})}
        key = self._parse_key(merged)
        excludes = [UNIT_TESTS] if key in self._unit_tests_passed else []
        self._failed_checks.clear()
        result = self.invoke("build", select=select, exclude=excludes, vars=vars)
        units = [n for n in result.nodes if n.resource_type == "unit_test"]
        if units and all(n.ok for n in units):
            self._unit_tests_passed.add(key)
        for tests in (False, True):  # the data nodes held back, then the tests
            held = [
                n
                for n in self._held_back(result, merged)
                if (n.resource_type in TEST_TYPES) == tests
            ]
            if held:
                # `test`, not `build`, for the tests: in a build a failing test would skip the
                # tests below it (dbt keeps the edges through the models left out)
                again = self.invoke(
                    "test" if tests else "build",
                    select=[selector(n) for n in held],
                    vars=vars,
                    extra_args=["--indirect-selection", "empty"],
                )
                result = combine(result, again)
        return self._report_checks(result, merged, vars)

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
        self._failed_checks.update(failed_column_checks(res.result))
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

    def __enter__(self) -> DbtRunner:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # internals
    def _report_checks(
        self, result: DbtResult, merged_vars: Mapping[str, Any], vars: Mapping[str, Any] | None
    ) -> DbtResult:
        """`result` with every :data:`COLUMN_CHECKS` test reported as its checks. The checks
        that failed are the failing tests' own rows, read by running their compiled SQL again
        (one more invocation, only when such a test failed)."""
        checks = checks_of(self.parse(merged_vars), result)
        failed = {
            n.unique_id: self._failed_checks[n.unique_id]
            for n in result.nodes
            if n.status == "fail" and n.unique_id in checks and n.unique_id in self._failed_checks
        }
        failing: dict[str, dict[str, int]] = {}
        if failed:
            rows, seconds = self._show(failing_checks_sql(failed), vars)
            for test_id, name, count in rows:
                failing.setdefault(str(test_id), {})[str(name)] = int(count)
            result = replace(
                result, elapsed=result.elapsed + seconds, invocations=result.invocations + 1
            )
        return expand_checks(result, checks, failing)

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

    def _held_back(self, result: DbtResult, merged_vars: Mapping[str, Any]) -> list[NodeResult]:
        """The nodes `result` skipped only because tests failed: not downstream of a seed or
        model that errored (those would read a missing or stale table)."""
        skipped = [n for n in result.nodes if n.status == "skipped"]
        broken = [n.unique_id for n in result.nodes if n.failed and n.resource_type in _DATA_NODES]
        if not skipped or not broken:
            return skipped
        children = self.parse(merged_vars).child_map
        below: set[str] = set()
        todo = list(broken)
        while todo:
            for child in children.get(todo.pop(), ()):
                if child not in below:
                    below.add(child)
                    todo.append(child)
        return [n for n in skipped if n.unique_id not in below]

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
            "info",
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
        self._unit_tests_passed.clear()

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
