"""The project's `column_checks` test (dbt_project/tests/generic/column_checks.sql): several
tests of one model (each its own generic test's SQL) in one query, reported as one test result
per check. dbt spends more time on each test node than the warehouse on such a check, so the
training flavour's staging and mart tests run this way. Nothing here imports dbt."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from jaffle_sim.warehouse.results import DbtResult, NodeResult

#: The generic test's name.
COLUMN_CHECKS = "column_checks"


def checks_of(manifest: Any, result: DbtResult) -> dict[str, list[str]]:
    """Per :data:`COLUMN_CHECKS` test of `result` (its unique id), the names of its checks, read
    from the parsed `manifest`."""
    checks: dict[str, list[str]] = {}
    for n in result.nodes:
        meta = getattr(manifest.nodes.get(n.unique_id), "test_metadata", None)
        if meta is not None and meta.name == COLUMN_CHECKS:
            checks[n.unique_id] = [str(c["name"]) for c in meta.kwargs["checks"]]
    return checks


def failed_column_checks(result: Any) -> dict[str, str]:
    """The compiled SQL of each :data:`COLUMN_CHECKS` test that failed in a dbtRunner result."""
    failed = {}
    for r in getattr(result, "results", None) or ():
        meta = getattr(r.node, "test_metadata", None)
        status = str(getattr(r.status, "value", r.status)).lower()
        if meta is not None and meta.name == COLUMN_CHECKS and status == "fail":
            failed[str(r.node.unique_id)] = str(r.node.compiled_code)
    return failed


def failing_checks_sql(failed: Mapping[str, str]) -> str:
    """One query over the failed tests' compiled SQL (`failed`: unique id -> SQL) giving
    (test_id, check_name, failing_rows) per failing check."""
    # {% raw %}: dbt renders inline SQL as Jinja, and the compiled SQL is final
    return "\nunion all\n".join(
        f"select '{uid}' as test_id, check_name, failing_rows "
        f"from ({{% raw %}}{code}{{% endraw %}}) failed_{i}"
        for i, (uid, code) in enumerate(sorted(failed.items()))
    )


def expand_checks(
    result: DbtResult,
    checks: Mapping[str, Sequence[str]],
    failing: Mapping[str, Mapping[str, int]],
) -> DbtResult:
    """`result` with each node of a :data:`COLUMN_CHECKS` test replaced by one test result per
    check it ran. `checks`: per such test's unique id, the names of its checks; `failing`: per
    such test that failed, its failing checks and their failing rows (the test's own rows).
    A check that failed reads like dbt's own test of that name; when the test passed all its
    checks pass, and when it errored or was skipped so did each check (with its message). The
    test's seconds are shared equally among its checks."""
    nodes: list[NodeResult] = []
    for node in result.nodes:
        names = checks.get(node.unique_id)
        if not names:
            nodes.append(node)
            continue
        prefix = node.unique_id.split(".")[0] + "." + node.unique_id.split(".")[1]
        rows = failing.get(node.unique_id, {})
        unknown = set(rows) - set(names)
        if unknown or (node.status == "fail" and not rows):
            raise ValueError(f"{node.name}: failing checks {sorted(rows)} do not match {names}")
        seconds = node.execution_time / len(names)
        for name in names:
            status, failures, message = node.status, node.failures, node.message
            if node.status in ("pass", "fail"):
                failures = rows.get(name, 0)
                status = "fail" if failures else "pass"
                message = (
                    f"Got {failures} result{'' if failures == 1 else 's'}, "
                    "configured to fail if != 0"
                    if failures
                    else None
                )
            nodes.append(
                NodeResult(
                    unique_id=f"{prefix}.{name}",
                    name=name,
                    resource_type=node.resource_type,
                    status=status,
                    execution_time=seconds,
                    failures=failures,
                    message=message,
                )
            )
    return replace(result, nodes=tuple(nodes))
