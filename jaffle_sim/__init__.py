"""jaffle-sim: a discrete-event simulation of an online jaffle shop and its warehouse.

from jaffle_sim import Scenario, simulate
"""

from jaffle_sim.api import SimulationResult, simulate
from jaffle_sim.simulation.scenario import Scenario

__all__ = ["Scenario", "SimulationResult", "simulate"]
