"""The kinds of anomaly: each declared once, on the function that plants it.

They are declared in the order they are applied: stage by stage (`Stage`), and within a stage in
the order of declaration: `in_place` (values that change in place) first, then `rows` (rows added
or removed and, last of all, the column that changes type). `expected_tests` are the names of the
validation flavour's dbt tests (dbt_project/models/validation). `KINDS` is built here, once both
modules have declared their kinds, so it is complete whenever it can be read.
"""

from __future__ import annotations

# They declare the kinds, numbered in the order of declaration: in_place first, then rows.
from jaffle_sim.validation.kinds import in_place, rows  # noqa: F401
from jaffle_sim.validation.kinds.shared import registry
from jaffle_sim.validation.registry import Kind

KINDS: dict[str, Kind] = dict(sorted(registry.kinds().items(), key=lambda item: item[1].order))
