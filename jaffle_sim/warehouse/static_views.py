"""Views a day's build need not create again.

A view stores only its query: the warehouse reads the tables under it when the view is queried.
Once built, a view whose SQL cannot change from one day to the next and whose relations are
never dropped under it is still correct the next day, so a build may leave it out and run only
its tests. That holds for a *static view* (:func:`static_views`):

* its SQL and the macros it calls (transitively) read none of the vars that change within a run
  (:data:`~jaffle_sim.warehouse.parse_cache.RUNTIME_VARS`; the others shape the parse, and a new
  parse builds every view again);
* everything it reads is a seed, a source or another static view: seeds are reloaded in place
  (truncate and load) and sources are read where they are, while a rebuilt table may be dropped
  and created again (dbt's own table materialization does, with the views on it on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jaffle_sim.warehouse.parse_cache import RUNTIME_VARS


def _macro_sql(manifest: Any, macro_ids: Iterable[str]) -> Iterable[str]:
    """The SQL of the macros `macro_ids` and of every macro they call, each once."""
    seen = set(macro_ids)
    todo = list(seen)
    while todo:
        macro = manifest.macros.get(todo.pop())
        if macro is None:
            continue
        yield macro.macro_sql
        for called in macro.depends_on.macros:
            if called not in seen:
                seen.add(called)
                todo.append(called)


def _reads_runtime_vars(manifest: Any, node: Any) -> bool:
    texts = [node.raw_code, *_macro_sql(manifest, node.depends_on.macros)]
    return any(name in text for text in texts for name in RUNTIME_VARS)


def static_views(manifest: Any) -> frozenset[str]:
    """The unique ids of the manifest's static views (see the module docstring)."""
    memo: dict[str, bool] = {}

    def static(uid: str) -> bool:
        if uid not in memo:
            memo[uid] = False  # a cycle (there are none in a valid project) is not static
            node = manifest.nodes.get(uid)
            memo[uid] = (
                node is not None
                and node.resource_type == "model"
                and node.config.materialized == "view"
                and not _reads_runtime_vars(manifest, node)
                and all(_stable_parent(manifest, p) or static(p) for p in node.depends_on.nodes)
            )
        return memo[uid]

    return frozenset(uid for uid in manifest.nodes if static(uid))


def _stable_parent(manifest: Any, uid: str) -> bool:
    node = manifest.nodes.get(uid)
    return uid in manifest.sources or (node is not None and node.resource_type == "seed")
