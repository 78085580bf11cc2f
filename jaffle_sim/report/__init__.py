"""Reading a run back: fidelity profile (realised behaviour against the scenario) and the visual
run report."""
