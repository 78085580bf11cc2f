"""The project's `column_checks` test (several row checks of one model in one dbt node) reports
exactly what the tests it replaces would: one result per check, under the check's name, with the
same failing-row counts as dbt's own not_null, unique and accepted_values tests and the project's
generic tests (unique_combination, weights_sum_to_one, ...), on real dbt and DuckDB."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from jaffle_sim.warehouse.column_checks import expand_checks
from jaffle_sim.warehouse.dbt_runner import DbtRunner
from jaffle_sim.warehouse.results import DbtResult, NodeResult

FIXTURE_SEEDS = Path(__file__).parents[1] / "fixtures" / "dbt" / "seeds"
NOW = "2024-01-05 00:00:00"

# A model with a failing and a passing case of every kind of check, one `where`, a quoted and an
# unquoted value list.
PROBE_SQL = """
select * from (values
    (1, 'a', 'x', cast('2024-01-01' as timestamp), 10),
    (1, 'b', ' ', cast('2024-01-02' as timestamp), -20),
    (2, null, 'y', cast('2024-01-09' as timestamp), 30),
    (3, 'c', null, cast('2024-01-03' as timestamp), 5),
    (3, 'c', 'z', cast('2024-01-04' as timestamp), 40),
    (4, 'd', 'w', cast('2024-01-04' as timestamp), 1)
) as t (id, code, label, seen_at, amount)
"""

# (check, dbt's own test or the project's generic test, its arguments, where)
CASES = [
    ("unique", "unique", "id", {}, None),
    ("not_null", "not_null", "code", {}, None),
    ("not_null", "not_null", "id", {}, None),
    ("accepted_values", "accepted_values", "code", {"values": ["a", "b", "c"]}, None),
    ("accepted_values", "accepted_values", "id", {"values": [1, 2, 3, 4], "quote": False}, None),
    ("not_blank", "not_blank", "label", {}, None),
    ("not_after_simulated_now", "not_after_simulated_now", "seen_at", {}, None),
    ("expression_is_true", "expression_is_true", "amount", {"expression": "amount > 0"}, None),
    (
        "expression_is_true",
        "expression_is_true",
        "amount",
        {"expression": "amount > 0"},
        "seen_at >= __tests_since__",
    ),
    ("unique", "unique", "id", {}, "seen_at >= __tests_since__"),
    ("relationships", "relationships", "id", {"to": "ref('check_probe')", "field": "amount"}, None),
    (
        "relationships",
        "relationships",
        "code",
        {"to": "ref('check_probe')", "field": "label"},
        "seen_at >= __tests_since__",
    ),
    ("unique_combination", "unique_combination", None, {"columns": ["id", "code"]}, None),
    (
        "unique_combination",
        "unique_combination",
        None,
        {"columns": ["id", "label"]},
        "seen_at >= __tests_since__",
    ),
    ("weights_sum_to_one", "weights_sum_to_one", "amount", {"group_by": "id"}, None),
    (
        "weights_sum_to_one",
        "weights_sum_to_one",
        "amount",
        {"group_by": "code", "tolerance": 50},
        None,
    ),
]


def probe_yml() -> str:
    """The probe model's tests: each case once as its own test (`own_<i>`) and once as a check of
    one column_checks test (`merged_<i>`)."""
    checks: list[dict[str, Any]] = []
    tests: list[dict[str, Any]] = [
        {"column_checks": {"name": "probe_column_checks", "arguments": {"checks": checks}}}
    ]
    for i, (check, test, column, args, where) in enumerate(CASES):
        own: dict[str, Any] = {"name": f"own_{i}"} | ({"column_name": column} if column else {})
        if args:
            own["arguments"] = args
        if where:
            own["config"] = {"where": where}
        tests.append({test: own})
        checks.append(
            {"test": check, **({"column": column} if column else {}), **args, "name": f"merged_{i}"}
            | ({"where": where} if where else {})
        )
    return yaml.safe_dump({"models": [{"name": "check_probe", "data_tests": tests}]})


def build_probe(out: Path, **runner: Any) -> tuple[DbtResult, DbtResult]:
    """The probe's tests over every row and from 2024-01-03 on (var tests_since), built in the
    run folder `out` (`runner`: the warehouse, as for DbtRunner.for_run_folder)."""
    shutil.copytree(FIXTURE_SEEDS, out / "seeds")
    with DbtRunner.for_run_folder(out, **runner) as dbt:
        marts = dbt.project_dir / "models" / "marts"
        (marts / "check_probe.sql").write_text(PROBE_SQL)
        (marts / "_check_probe.yml").write_text(probe_yml())
        every_row = dbt.build(select="check_probe", vars={"simulated_now": NOW})
        since = dbt.build(
            select="check_probe",
            vars={"simulated_now": NOW, "tests_since": "2024-01-03 00:00:00"},
        )
    return every_row, since


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> tuple[DbtResult, DbtResult]:
    return build_probe(tmp_path_factory.mktemp("probe"))


def outcome(result: DbtResult, name: str) -> tuple[str, int | None]:
    node = result.node(name)
    return node.status, node.failures


@pytest.mark.slow
@pytest.mark.parametrize("i", range(len(CASES)))
def test_each_check_reports_what_its_own_test_reports(
    probe: tuple[DbtResult, DbtResult], i: int
) -> None:
    for result in probe:
        assert outcome(result, f"merged_{i}") == outcome(result, f"own_{i}")


@pytest.mark.slow
def test_the_probe_has_failing_and_passing_checks_and_no_merged_node(
    probe: tuple[DbtResult, DbtResult],
) -> None:
    every_row, since = probe
    statuses = {outcome(every_row, f"merged_{i}")[0] for i in range(len(CASES))}
    assert statuses == {"pass", "fail"}
    assert outcome(every_row, "merged_0") == ("fail", 2)  # ids 1 and 3 are held twice
    assert every_row.node("merged_0").message == "Got 2 results, configured to fail if != 0"
    # the window: from 2024-01-03 on, id 3 is still held twice, the negative amount is older
    assert outcome(since, "merged_9") == ("fail", 1)
    assert outcome(since, "merged_8") == ("pass", 0)
    assert outcome(every_row, "merged_8") == ("fail", 1)
    assert outcome(every_row, "merged_12") == ("fail", 1)  # (3, 'c') is held twice
    assert outcome(every_row, "merged_14") == ("fail", 3)  # only id 4's amounts sum to 1
    assert outcome(every_row, "merged_15") == ("pass", 0)  # every sum within 50 of 1
    # the test itself is reported as its checks only; its failing rows took one more invocation
    assert not [n for n in every_row.nodes if n.name == "probe_column_checks"]
    assert every_row.invocations == 2
    assert every_row.node("merged_0").unique_id == "test.jaffle_sim.merged_0"


def test_expand_checks_shares_the_time_and_carries_errors() -> None:
    def node(status: str, failures: int | None, message: str | None = None) -> NodeResult:
        return NodeResult("test.p.t.1", "t", "test", status, 0.3, failures, message)

    def result(*nodes: NodeResult) -> DbtResult:
        return DbtResult("build", True, 1.0, nodes, False)

    checks = {"test.p.t.1": ["a", "b", "c"]}
    passed = expand_checks(result(node("pass", 0)), checks, {})
    assert [(n.name, n.status, n.failures) for n in passed.nodes] == [
        ("a", "pass", 0),
        ("b", "pass", 0),
        ("c", "pass", 0),
    ]
    assert sum(n.execution_time for n in passed.nodes) == pytest.approx(0.3)
    assert passed.nodes[0].unique_id == "test.p.a"
    failed = expand_checks(result(node("fail", 2)), checks, {"test.p.t.1": {"b": 7, "c": 1}})
    assert [(n.status, n.failures) for n in failed.nodes] == [("pass", 0), ("fail", 7), ("fail", 1)]
    assert failed.nodes[2].message == "Got 1 result, configured to fail if != 0"
    errored = expand_checks(result(node("error", None, "no such column")), checks, {})
    assert {(n.status, n.message) for n in errored.nodes} == {("error", "no such column")}
    with pytest.raises(ValueError, match="do not match"):
        expand_checks(result(node("fail", 1)), checks, {"test.p.t.1": {"d": 1}})
    with pytest.raises(ValueError, match="do not match"):
        expand_checks(result(node("fail", 1)), checks, {})
