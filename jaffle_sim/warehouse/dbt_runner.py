"""The daily build: :meth:`DbtRunner.build` runs ``dbt build`` for a simulated day and
flavour and returns plain :class:`~jaffle_sim.warehouse.results.DbtResult` records, one per node
(each invocation is a :class:`~jaffle_sim.warehouse.dbt_invoker.DbtInvoker` command).

``dbt build`` skips every node downstream of a failing test; a day's build must still run every
test on the day's data (a validation day's anomalies fail staging tests, and the anomaly tests
sit on the models downstream of them). So after a build in which tests failed, the seeds and
models it skipped because of them are built in one more invocation (without tests, so nothing
is held back there), then the skipped tests run in a ``dbt test``: at most three invocations,
only on a day with failing tests. Nodes downstream of a seed or model that *errored* stay
skipped: they would read a table that is missing or stale. The result has one record per node
either way (:func:`~jaffle_sim.warehouse.results.combine`).

The training flavour's staging and mart tests run as ``column_checks`` tests, the tests of one
model in one node (dbt_project/tests/generic/column_checks.sql); :meth:`DbtRunner.build` reports
each check as a test of its own, named after the check, and when such a test fails it reads its
rows (which checks failed, on how many rows) with one ``dbt show`` of the test's compiled SQL.

Unit tests run until they have passed once for a parse, then builds leave them out: they check
SQL logic on fixed inputs, which a new day of data cannot change. Likewise a static view
(:mod:`~jaffle_sim.warehouse.static_views`: its SQL cannot change within a run and nothing under
it is dropped) is built until it has built once for a parse; later builds run only its tests.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from jaffle_sim.output.run_folder import WAREHOUSE
from jaffle_sim.warehouse.column_checks import (
    checks_of,
    expand_checks,
    failed_column_checks,
    failing_checks_sql,
)
from jaffle_sim.warehouse.dbt_invoker import DbtInvoker
from jaffle_sim.warehouse.dbt_project import stage_project, write_profiles
from jaffle_sim.warehouse.results import (
    TEST_TYPES,
    DbtResult,
    NodeResult,
    combine,
    selector,
)
from jaffle_sim.warehouse.static_views import static_views

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


class DbtRunner(DbtInvoker):
    """A :class:`~jaffle_sim.warehouse.dbt_invoker.DbtInvoker` that builds a day
    (:meth:`build`): what failing tests held back is built and tested too, and each
    ``column_checks`` test is reported as its checks."""

    def __init__(
        self,
        project_dir: str | os.PathLike[str],
        profiles_dir: str | os.PathLike[str],
        *,
        target: str | None = None,
        vars: Mapping[str, Any] | None = None,
        database_path: str | os.PathLike[str] | None = None,
    ):
        super().__init__(
            project_dir, profiles_dir, target=target, vars=vars, database_path=database_path
        )
        self._unit_tests_passed: set[str] = set()  # parse keys whose unit tests passed
        self._views_built: dict[str, set[str]] = {}  # parse key -> names of static views built
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

        Unit tests run until they have passed once for the current parse, then are left out;
        so are the static views once built (their tests still run).
        """
        merged = {**self.vars, **(vars or {})}
        key = self._parse_key(merged)
        excludes = [UNIT_TESTS] if key in self._unit_tests_passed else []
        views = self._views_built.setdefault(key, set())
        excludes += [f"resource_type:model,{name}" for name in sorted(views)]
        # without indirect selection an excluded view's tests stay selected
        extra = ["--indirect-selection", "empty"] if views else []
        self._failed_checks.clear()
        result = self.invoke("build", select=select, exclude=excludes, vars=vars, extra_args=extra)
        units = [n for n in result.nodes if n.resource_type == "unit_test"]
        if units and all(n.ok for n in units):
            self._unit_tests_passed.add(key)
        static = static_views(self.parse(merged))  # the kept parse; well under a millisecond
        views.update(n.name for n in result.nodes if n.unique_id in static and n.ok)
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

    def _run(
        self, command: str, args: Sequence[str], vars: Mapping[str, Any] | None
    ) -> tuple[Any, float, bool]:
        res, elapsed, reused = super()._run(command, args, vars)
        self._failed_checks.update(failed_column_checks(res.result))
        return res, elapsed, reused

    def _forget_manifests(self) -> None:
        super()._forget_manifests()
        self._unit_tests_passed.clear()
        self._views_built.clear()
