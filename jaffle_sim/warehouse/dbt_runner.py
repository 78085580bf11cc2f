"""Run dbt in-process (``dbtRunner``) against a staged project: one invocation at a time,
returning plain :class:`~jaffle_sim.warehouse.results.DbtResult` records.

Parsing the project costs about a second and dbt re-parses everything whenever ``--vars`` change,
which the simulator does every day (``simulated_now``). The runner therefore keeps the parsed
manifest and hands it to ``dbtRunner(manifest=...)`` while nothing that shapes the parse changed:
vars other than :data:`RUNTIME_VARS`, the target, the profiles file, the project files and the set
of seed files. ``simulated_now`` and ``detection_days`` only appear inside SQL bodies, which dbt
renders again at execution with the invocation's vars, so reusing the manifest across days is
correct; a var such as ``validation`` changes which nodes exist and what they depend on, so it
needs its own parse. The runner keeps a few parses (:data:`MANIFEST_CACHE_SIZE`), so a daily loop
that alternates training and validation runs parses each once.

Two defaults keep the daily commands short (both can be changed per runner or per call):

* unit tests run until they have passed once for a parse, then ``test`` and ``build`` without an
  explicit selection leave them out: they check SQL logic on fixed inputs, which a new day of
  data cannot change (about 0.5 s a day);
* dbt's JSON artifacts (``target/manifest.json``, ``run_results.json``) are not written:
  serialising the manifest costs 0.2-0.4 s per command, and every node's outcome is in the
  returned :class:`DbtResult`.

dbt is imported lazily (importing it costs about two seconds).
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from jaffle_sim.output.run_folder import SEEDS, WAREHOUSE
from jaffle_sim.warehouse.dbt_project import (
    SEED_PATH_ENV,
    bundled_project_dir,
    relative_seed_path,
    stage_project,
    write_profiles,
)
from jaffle_sim.warehouse.results import DbtResult, NodeResult

#: Vars that only appear inside SQL bodies: changing them keeps a parsed manifest valid.
RUNTIME_VARS = frozenset({"simulated_now", "detection_days"})
#: Parsed manifests kept at once (one per combination of parse-shaping vars, e.g. the training
#: and the validation run of a daily loop).
MANIFEST_CACHE_SIZE = 4
#: Selector of the project's unit tests, and the commands that run them.
UNIT_TESTS = "test_type:unit"
_UNIT_TEST_COMMANDS = frozenset({"test", "build"})

# dbt keeps global state: never let two invocations overlap, whichever runner starts them.
_INVOCATION_LOCK = threading.Lock()
_LOCK_MESSAGE = re.compile(r"Could not set lock on file|Conflicting lock is held", re.IGNORECASE)
_SAME_PROCESS = re.compile(r"same database file with a different configuration", re.IGNORECASE)
_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


class DbtError(RuntimeError):
    """dbt could not run the command (bad project or profile, unreachable warehouse, crash)."""


class WarehouseLockedError(DbtError):
    """The DuckDB file is held by another process (DuckDB allows a single writer)."""


# -- running -----------------------------------------------------------------------------------


class DbtRunner:
    """Runs dbt commands in this process against one project, profile and warehouse.

    Each call is one dbt invocation, strictly one at a time in the process. ``target/`` and
    ``logs/`` go to `work_dir` (default: the project folder, which for a staged project is inside
    the run folder). Vars given here apply to every call; vars given to a call are added on top.

    `unit_tests`: "once" (default) leaves the unit tests out of ``test`` and ``build`` without an
    explicit selection once they have passed with the same parse; "always" runs them every time.
    `write_json`: write dbt's JSON artifacts after each command (default False).
    """

    def __init__(
        self,
        project_dir: str | os.PathLike[str],
        profiles_dir: str | os.PathLike[str],
        *,
        work_dir: str | os.PathLike[str] | None = None,
        target: str | None = None,
        vars: Mapping[str, Any] | None = None,
        seeds_dir: str | os.PathLike[str] | None = None,
        database_path: str | os.PathLike[str] | None = None,
        threads: int | None = None,
        echo: bool = False,
        reuse_manifest: bool = True,
        unit_tests: str = "once",
        write_json: bool = False,
    ):
        if unit_tests not in ("once", "always"):
            raise ValueError(f"unit_tests must be 'once' or 'always', got {unit_tests!r}")
        self.project_dir = Path(project_dir).resolve()
        if not (self.project_dir / "dbt_project.yml").is_file():
            raise FileNotFoundError(f"{self.project_dir} is not a dbt project (no dbt_project.yml)")
        self.profiles_dir = Path(profiles_dir).resolve()
        work = Path(work_dir).resolve() if work_dir is not None else self.project_dir
        if work_dir is None and self.project_dir == _bundled_or_none():
            raise ValueError(
                "pass work_dir (or stage the project) so that dbt does not write "
                "target/ and logs/ into the installed package"
            )
        self.target_path = work / "target"
        self.log_path = work / "logs"
        self.target = target
        self.vars: dict[str, Any] = dict(vars or {})
        self.seed_path = (
            relative_seed_path(self.project_dir, seeds_dir) if seeds_dir is not None else None
        )
        self.database_path = Path(database_path).resolve() if database_path is not None else None
        self.threads = threads
        self.echo = echo
        self.reuse_manifest = reuse_manifest
        self.unit_tests = unit_tests
        self.write_json = write_json
        self._runner: Any = None
        self._manifests: dict[str, Any] = {}  # parse key -> manifest, oldest first
        self._unit_tests_passed: set[str] = set()  # parse keys whose unit tests passed

    @classmethod
    def for_run_folder(
        cls,
        run_dir: str | os.PathLike[str],
        *,
        database_path: str | os.PathLike[str] | None = None,
        profiles_dir: str | os.PathLike[str] | None = None,
        target: str | None = None,
        vars: Mapping[str, Any] | None = None,
        threads: int = 1,
        echo: bool = False,
        unit_tests: str = "once",
        write_json: bool = False,
    ) -> DbtRunner:
        """Stage the bundled project in `run_dir` and return a runner for it.

        Without `profiles_dir` the embedded warehouse is used: a ``profiles.yml`` is written into
        the staged project for the DuckDB file `database_path` (default
        ``run_dir/warehouse.duckdb``). With `profiles_dir` (and optionally `target`) the user's
        own profile ``jaffle_sim`` is used and nothing is written there.

        One dbt thread is the default: DuckDB parallelises inside each query, and on the seed sets
        measured (a few rows; a 60-day run of 150k rows) four threads were no faster.
        """
        project = stage_project(run_dir)
        db: Path | None = None
        if profiles_dir is None:
            db = Path(database_path) if database_path is not None else (Path(run_dir) / WAREHOUSE)
            write_profiles(project, db, threads=threads)
            profiles_dir = project
        return cls(
            project,
            profiles_dir,
            target=target,
            vars=vars,
            database_path=db,
            echo=echo,
            unit_tests=unit_tests,
            write_json=write_json,
        )

    # public commands
    def seed(self, **options: Any) -> DbtResult:
        return self.invoke("seed", **options)

    def run(self, **options: Any) -> DbtResult:
        return self.invoke("run", **options)

    def test(self, **options: Any) -> DbtResult:
        return self.invoke("test", **options)

    def build(self, **options: Any) -> DbtResult:
        return self.invoke("build", **options)

    def seed_run_test(
        self, vars: Mapping[str, Any] | None = None, *, unit_tests: bool | None = None
    ) -> list[DbtResult]:
        """The daily refresh: ``seed``, then ``run``, then ``test``, with the same vars.

        Models are built even when tests would fail (unlike ``build``, which skips the models
        downstream of a failing test), so every test reports on the day's data. Stops after a
        failing ``seed`` (the models would read stale or partial raw tables). `unit_tests` as in
        :meth:`invoke`.
        """
        results = [self.seed(vars=vars)]
        if results[0].success:
            results.append(self.run(vars=vars))
            results.append(self.test(vars=vars, unit_tests=unit_tests))
        return results

    def invoke(
        self,
        command: str,
        *,
        select: str | Sequence[str] | None = None,
        exclude: str | Sequence[str] | None = None,
        vars: Mapping[str, Any] | None = None,
        full_refresh: bool = False,
        fail_fast: bool = False,
        write_json: bool | None = None,
        unit_tests: bool | None = None,
        extra_args: Sequence[str] = (),
    ) -> DbtResult:
        """Run one dbt command and return its per-node results.

        `write_json`: write dbt's JSON artifacts (default: the runner's setting).
        `unit_tests` (``test`` and ``build``): True keeps the unit tests in the selection, False
        leaves them out, None follows the runner's policy (see the class).

        Failing tests or models do not raise: check ``result.success`` / ``result.failed``.
        Raises :class:`WarehouseLockedError` when the DuckDB file is held by another process and
        :class:`DbtError` when dbt could not run the command at all.
        """
        merged = {**self.vars, **(vars or {})}
        excludes = [exclude] if isinstance(exclude, str) else list(exclude or [])
        full_selection = not select and not excludes
        with _INVOCATION_LOCK, self._environment():
            runner = self._dbt_runner()
            key = self._parse_key(merged)
            reused = False
            if self.reuse_manifest:
                reused = key in self._manifests
                runner.manifest = self._cached_parse(runner, key, merged)
            else:
                runner.manifest = None
            if command in _UNIT_TEST_COMMANDS and (
                unit_tests is False
                or (
                    unit_tests is None
                    and self.unit_tests == "once"
                    and not select
                    and key in self._unit_tests_passed
                )
            ):
                excludes.append(UNIT_TESTS)
            args = [command, *self._common_args(), "--vars", json.dumps(merged, sort_keys=True)]
            for flag, value in (("--select", select), ("--exclude", excludes)):
                if value:
                    args += [flag, *([value] if isinstance(value, str) else list(value))]
            if full_refresh:
                args.append("--full-refresh")
            if fail_fast:
                args.append("--fail-fast")
            if not (self.write_json if write_json is None else write_json):
                args.append("--no-write-json")
            args += list(extra_args)
            started = time.perf_counter()
            res = runner.invoke(args)
            elapsed = time.perf_counter() - started
        if res.exception is not None:
            error = self._translate(command, res.exception)
            if not isinstance(error, WarehouseLockedError):
                self._forget_manifests()  # the parses are still valid after a lock error
            raise error
        nodes = _node_results(res.result)
        units = [n for n in nodes if n.resource_type == "unit_test"]
        if full_selection and units and all(n.ok for n in units):
            self._unit_tests_passed.add(key)
        return DbtResult(
            command=command,
            success=bool(res.success),
            elapsed=elapsed,
            nodes=nodes,
            reused_manifest=reused,
        )

    def close(self) -> None:
        """Release the DuckDB warehouse held open by dbt-duckdb in this process (a no-op when
        dbt was never imported). The next command opens it again."""
        with _INVOCATION_LOCK:
            if "dbt.adapters.duckdb.connections" not in sys.modules:
                return
            from dbt.adapters.duckdb.connections import DuckDBConnectionManager

            env = getattr(DuckDBConnectionManager, "_ENV", None)
            if env is not None and hasattr(env, "close"):
                env.close()
            DuckDBConnectionManager.close_all_connections()  # type: ignore[no-untyped-call]

    def __enter__(self) -> DbtRunner:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def parse(self, vars: Mapping[str, Any] | None = None) -> Any:
        """Parse the project (or reuse the cached parse) and return dbt's Manifest object."""
        merged = {**self.vars, **(vars or {})}
        with _INVOCATION_LOCK, self._environment():
            return self._cached_parse(self._dbt_runner(), self._parse_key(merged), merged)

    # internals
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
            "info" if self.echo else "none",
            "--log-level-file",
            "info",
            "--no-send-anonymous-usage-stats",
        ]
        if self.target:
            args += ["--target", self.target]
        if self.threads:
            args += ["--threads", str(self.threads)]
        return args

    def _dbt_runner(self) -> Any:
        if self._runner is None:
            from dbt.cli.main import dbtRunner  # lazy: importing dbt takes about two seconds

            self._runner = dbtRunner()
        return self._runner

    def _cached_parse(self, runner: Any, key: str, merged_vars: Mapping[str, Any]) -> Any:
        """The manifest for parse key `key`: cached, or parsed now (evicting the oldest)."""
        manifest = self._manifests.pop(key, None)
        if manifest is None:
            manifest = self._parse(runner, merged_vars)
            while len(self._manifests) >= MANIFEST_CACHE_SIZE:
                self._manifests.pop(next(iter(self._manifests)))
        self._manifests[key] = manifest  # most recently used last
        return manifest

    def _parse(self, runner: Any, merged_vars: Mapping[str, Any]) -> Any:
        runner.manifest = None
        res = runner.invoke(
            ["parse", *self._common_args(), "--vars", json.dumps(dict(merged_vars), sort_keys=True)]
        )
        if res.exception is not None or not res.success or res.result is None:
            self._forget_manifests()
            raise self._translate("parse", res.exception or DbtError("dbt parse failed"))
        return res.result

    def _forget_manifests(self) -> None:
        self._manifests.clear()
        self._unit_tests_passed.clear()

    def _parse_key(self, merged_vars: Mapping[str, Any]) -> str:
        """Everything that shapes dbt's parse: when it is unchanged the manifest can be reused."""
        parse_vars = {k: v for k, v in merged_vars.items() if k not in RUNTIME_VARS}
        files = []
        for path in sorted(self.project_dir.rglob("*")):
            rel = path.relative_to(self.project_dir)
            if rel.parts and rel.parts[0] in {"target", "logs", "dbt_packages"}:
                continue
            if path.is_file():
                st = path.stat()
                files.append((rel.as_posix(), st.st_size, st.st_mtime_ns))
        seeds = (
            sorted(
                p.relative_to(self._seeds_dir()).as_posix()
                for p in self._seeds_dir().rglob("*.csv")
            )
            if self._seeds_dir().is_dir()
            else []
        )
        profiles = self.profiles_dir / "profiles.yml"
        profile_stamp = (
            (profiles.stat().st_mtime_ns, profiles.stat().st_size) if profiles.exists() else None
        )
        return json.dumps(
            {
                "vars": parse_vars,
                "target": self.target,
                "threads": self.threads,
                "files": files,
                "seeds": seeds,
                "profiles": profile_stamp,
                "seed_path": os.environ.get(SEED_PATH_ENV),
            },
            sort_keys=True,
            default=str,
        )

    def _seeds_dir(self) -> Path:
        rel = self.seed_path or os.environ.get(SEED_PATH_ENV) or f"../{SEEDS}"
        return (self.project_dir / rel).resolve()

    @contextmanager
    def _environment(self) -> Iterator[None]:
        """Set the seed path for the invocation and restore the previous value afterwards."""
        if self.seed_path is None:
            yield
            return
        previous = os.environ.get(SEED_PATH_ENV)
        os.environ[SEED_PATH_ENV] = self.seed_path
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop(SEED_PATH_ENV, None)
            else:
                os.environ[SEED_PATH_ENV] = previous

    def _translate(self, command: str, exc: BaseException) -> DbtError:
        text = str(exc)
        if _LOCK_MESSAGE.search(text):
            where = f" {self.database_path}" if self.database_path else ""
            holder = _LOCK_HOLDER.search(text)
            who = f" (process {holder.group('pid')}, {holder.group('program')})" if holder else ""
            return WarehouseLockedError(
                f"the DuckDB warehouse{where} is locked by another process{who}. DuckDB allows a "
                "single writer: close the notebook or run that holds it (readers can open it "
                "with read_only=True while no run is active) and try again."
            )
        if _SAME_PROCESS.search(text):
            where = f" {self.database_path}" if self.database_path else ""
            return WarehouseLockedError(
                f"the DuckDB warehouse{where} is already open in this process with another "
                "configuration (for example a read_only connection): close that connection "
                "before running dbt."
            )
        return DbtError(f"dbt {command} failed: {text}")


def _bundled_or_none() -> Path | None:
    try:
        return bundled_project_dir().resolve()
    except FileNotFoundError:
        return None


def _node_results(result: Any) -> tuple[NodeResult, ...]:
    out = []
    for r in getattr(result, "results", None) or ():
        node = r.node
        status = getattr(r.status, "value", r.status)
        resource = getattr(node.resource_type, "value", node.resource_type)
        failures = r.failures
        out.append(
            NodeResult(
                unique_id=str(node.unique_id),
                name=str(node.name),
                resource_type=str(resource),
                status=str(status).lower(),
                execution_time=float(r.execution_time or 0.0),
                failures=int(failures) if failures is not None else None,
                message=str(r.message) if r.message is not None else None,
            )
        )
    return tuple(out)
