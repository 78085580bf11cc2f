"""The agents depend only on the vocabulary below them: no simulation, writers, pandas or dbt."""

import subprocess
import sys

# Imports the agents with the `jaffle_sim` package's own __init__ (the public API, which pulls in
# the writers) left out, and prints every module loaded that the agents must not need.
PROBE = """
import importlib.util, sys, types
spec = importlib.util.find_spec("jaffle_sim")
package = types.ModuleType("jaffle_sim")
package.__path__ = list(spec.submodule_search_locations)
sys.modules["jaffle_sim"] = package
import jaffle_sim.agents.ads, jaffle_sim.agents.customers, jaffle_sim.agents.order_timing
import jaffle_sim.agents.sessions, jaffle_sim.agents.shop, jaffle_sim.agents.visitors
allowed = {"agents", "behaviour", "clock", "distributions", "events", "mixes"}
for name in sorted(sys.modules):
    top, _, rest = name.partition(".")
    if top in {"pandas", "pyarrow", "dbt", "duckdb", "faker", "matplotlib"}:
        print(name)
    elif name.startswith("scipy.stats"):
        print(name)
    elif top == "jaffle_sim" and rest and rest.split(".")[0] not in allowed:
        print(name)
"""


def test_agents_import_nothing_above_them():
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == []
