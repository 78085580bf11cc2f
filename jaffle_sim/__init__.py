"""jaffle-sim: a discrete-event simulation of an online jaffle shop and its warehouse.

    from jaffle_sim import Scenario, open_run, simulate

The names are imported on first use, so that the command line starts without pandas or scipy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jaffle_sim.api import SimulationResult, simulate
    from jaffle_sim.report.run_views import open_run
    from jaffle_sim.simulation.scenario import Scenario

__all__ = ["Scenario", "SimulationResult", "open_run", "simulate"]

_WHERE = {
    "Scenario": "jaffle_sim.simulation.scenario",
    "SimulationResult": "jaffle_sim.api",
    "simulate": "jaffle_sim.api",
    "open_run": "jaffle_sim.report.run_views",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'jaffle_sim' has no attribute {name!r}")
