"""dbt's results as plain records: one node in one invocation, one invocation, one simulated day.
They are what the run manifest stores (`to_dict`/`from_dict`) and what scoring reads; nothing here
imports dbt."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Statuses of a node that did what it should.
OK_STATUSES = frozenset({"success", "pass"})
#: Statuses of a node that failed (a failing test, a model or seed that errored).
FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})


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
    """The outcome of one dbt invocation."""

    command: str
    success: bool
    elapsed: float
    nodes: tuple[NodeResult, ...]
    reused_manifest: bool

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

    def summary(self) -> str:
        counts = ", ".join(f"{k}={v}" for k, v in sorted(self.status_counts().items()))
        return f"dbt {self.command}: {counts or 'nothing ran'} in {self.elapsed:.2f}s"


@dataclass
class DayResults:
    """dbt's results for one simulated day."""

    date: str
    flavour: str
    phases: list[DbtResult] = field(default_factory=list)

    @property
    def failed_tests(self) -> list[str]:
        return [n.name for r in self.phases if r.command == "test" for n in r.failed]

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

    def line(self) -> str:
        """One readable line: time and outcome of each phase."""
        parts = []
        for r in self.phases:
            counts = r.status_counts()
            good = sum(v for k, v in counts.items() if k in ("success", "pass"))
            bad = sum(v for k, v in counts.items() if k not in ("success", "pass"))
            parts.append(f"{r.command} {r.elapsed:.1f}s {good} ok" + (f" {bad} not" if bad else ""))
        return "dbt " + ", ".join(parts)
