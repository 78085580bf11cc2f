"""dbt's results as plain records: one node, one command (a `dbt build`, with the nodes it had to
run again, see :func:`combine`), one simulated day. They are what the run manifest stores
(`to_dict`/`from_dict`) and what scoring reads; nothing here imports dbt."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Statuses of a node that did what it should.
OK_STATUSES = frozenset({"success", "pass"})
#: Statuses of a node that failed (a failing test, a model or seed that errored).
FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})
#: Resource types of dbt's tests.
TEST_TYPES = frozenset({"test", "unit_test"})


@dataclass(frozen=True)
class NodeResult:
    """The outcome of one node (seed, model, data test, unit test) in one invocation."""

    unique_id: str
    name: str
    resource_type: str
    status: str
    execution_time: float
    failures: int | None
    message: str | None

    @property
    def ok(self) -> bool:
        return self.status in OK_STATUSES

    @property
    def failed(self) -> bool:
        return self.status in FAILED_STATUSES


@dataclass(frozen=True)
class DbtResult:
    """The outcome of one dbt command: one node result per node (seed, model, test), whatever
    number of dbt invocations it took (`invocations`, see :func:`combine`)."""

    command: str
    success: bool
    elapsed: float
    nodes: tuple[NodeResult, ...]
    reused_manifest: bool
    invocations: int = 1

    @property
    def failed(self) -> tuple[NodeResult, ...]:
        return tuple(n for n in self.nodes if n.failed)

    def node(self, name: str, resource_type: str | None = None) -> NodeResult:
        """The node called `name` (optionally of one resource type); KeyError when absent."""
        for n in self.nodes:
            if n.name == name and (resource_type is None or n.resource_type == resource_type):
                return n
        raise KeyError(name)

    def status_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for n in self.nodes:
            counts[n.status] = counts.get(n.status, 0) + 1
        return counts

    def seconds_by_type(self) -> dict[str, float]:
        """Seconds the nodes of each resource type took (seed, model, test, unit_test); the
        rest of `elapsed` is dbt's own work around the nodes."""
        seconds: dict[str, float] = {}
        for n in self.nodes:
            seconds[n.resource_type] = seconds.get(n.resource_type, 0.0) + n.execution_time
        return seconds


@dataclass
class DayResults:
    """dbt's results for one simulated day."""

    date: str
    flavour: str
    phases: list[DbtResult] = field(default_factory=list)

    @property
    def failed_tests(self) -> list[str]:
        """Data and unit tests that failed (or errored), in any phase."""
        return [n.name for r in self.phases for n in r.failed if n.resource_type in TEST_TYPES]

    @property
    def failed_nodes(self) -> list[str]:
        return [f"{r.command} {n.name}" for r in self.phases for n in r.failed]

    @property
    def ok(self) -> bool:
        return all(r.success for r in self.phases) and not self.failed_nodes

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "flavour": self.flavour,
            "ok": self.ok,
            "phases": [
                {
                    "command": r.command,
                    "success": r.success,
                    "seconds": round(r.elapsed, 3),
                    "reused_manifest": r.reused_manifest,
                    "invocations": r.invocations,
                    "statuses": r.status_counts(),
                    "nodes": [
                        {
                            "name": n.name,
                            "id": n.unique_id,
                            "type": n.resource_type,
                            "status": n.status,
                            "seconds": round(n.execution_time, 3),
                            "failures": n.failures,
                            **({"message": n.message} if n.failed and n.message else {}),
                        }
                        for n in r.nodes
                    ],
                }
                for r in self.phases
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DayResults:
        """The inverse of `to_dict` (KeyError/TypeError on a malformed entry)."""
        phases = [
            DbtResult(
                command=str(p["command"]),
                success=bool(p["success"]),
                elapsed=float(p["seconds"]),
                reused_manifest=bool(p["reused_manifest"]),
                invocations=int(p.get("invocations", 1)),
                nodes=tuple(
                    NodeResult(
                        unique_id=str(n.get("id", "")),
                        name=str(n["name"]),
                        resource_type=str(n["type"]),
                        status=str(n["status"]),
                        execution_time=float(n["seconds"]),
                        failures=n["failures"],
                        message=n.get("message"),
                    )
                    for n in p["nodes"]
                ),
            )
            for p in data["phases"]
        ]
        return cls(str(data["date"]), str(data["flavour"]), phases)


def combine(first: DbtResult, again: DbtResult) -> DbtResult:
    """`first` with the nodes it skipped replaced by their results in `again` (a later
    invocation that ran them): one result per node, the time and invocations of both."""
    rerun = {n.unique_id: n for n in again.nodes}
    nodes = tuple(rerun.pop(n.unique_id, n) for n in first.nodes) + tuple(rerun.values())
    return DbtResult(
        command=first.command,
        success=first.success and again.success,
        elapsed=first.elapsed + again.elapsed,
        nodes=nodes,
        reused_manifest=first.reused_manifest,
        invocations=first.invocations + again.invocations,
    )


def selector(node: NodeResult) -> str:
    """A selector of exactly this node: its resource type and name (``unit_test:`` for unit
    tests, whose names dbt's default selector does not match)."""
    if node.resource_type == "unit_test":
        return f"unit_test:{node.name}"
    return f"resource_type:{node.resource_type},{node.name}"


def node_results(result: Any) -> tuple[NodeResult, ...]:
    """One record per node of a dbtRunner result."""
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
