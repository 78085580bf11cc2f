"""Parsed dbt manifests kept across invocations.

Parsing the project costs a second or more and dbt re-parses everything whenever ``--vars``
change, which the simulator does every day (``simulated_now``). The runner therefore keeps the
parsed manifest and hands it to ``dbtRunner(manifest=...)`` while nothing that shapes the parse
changed (:func:`parse_key`): vars other than :data:`RUNTIME_VARS`, the target, the profiles
file, the project files and the set of seed files. The runtime vars only appear inside SQL
bodies, which dbt renders again at execution with the invocation's vars, so reusing the manifest
across days is correct. A few parses are kept (:data:`MANIFEST_CACHE_SIZE`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from jaffle_sim.output.run_folder import SEEDS
from jaffle_sim.warehouse.elementary import RUNTIME_VARS as ELEMENTARY_VARS

#: Vars that only appear inside SQL bodies: changing them keeps a parsed manifest valid.
RUNTIME_VARS = frozenset({"simulated_now", "detection_days", "tests_since"}) | ELEMENTARY_VARS
#: Parsed manifests kept at once (one per combination of parse-shaping vars).
MANIFEST_CACHE_SIZE = 4


class ManifestCache:
    """The last :data:`MANIFEST_CACHE_SIZE` manifests by parse key, least recently used first."""

    def __init__(self) -> None:
        self._manifests: dict[str, Any] = {}

    def __contains__(self, key: str) -> bool:
        return key in self._manifests

    def get(self, key: str, parse: Callable[[], Any]) -> Any:
        """The manifest of `key`: kept, or made by `parse` now (evicting the oldest)."""
        manifest = self._manifests.pop(key, None)
        if manifest is None:
            manifest = parse()
            while len(self._manifests) >= MANIFEST_CACHE_SIZE:
                self._manifests.pop(next(iter(self._manifests)))
        self._manifests[key] = manifest  # most recently used last
        return manifest

    def clear(self) -> None:
        self._manifests.clear()


def parse_key(
    project_dir: Path,
    profiles_dir: Path,
    target: str | None,
    merged_vars: Mapping[str, Any],
) -> str:
    """Everything that shapes dbt's parse: when it is unchanged the manifest can be reused."""
    parse_vars = {k: v for k, v in merged_vars.items() if k not in RUNTIME_VARS}
    files = []
    for path in sorted(project_dir.rglob("*")):
        rel = path.relative_to(project_dir)
        if rel.parts and rel.parts[0] in {"target", "logs", "dbt_packages"}:
            continue
        if path.is_file():
            st = path.stat()
            files.append((rel.as_posix(), st.st_size, st.st_mtime_ns))
    seeds_dir = project_dir.parent / SEEDS
    seeds = (
        sorted(p.relative_to(seeds_dir).as_posix() for p in seeds_dir.rglob("*.csv"))
        if seeds_dir.is_dir()
        else []
    )
    profiles = profiles_dir / "profiles.yml"
    profile_stamp = (
        (profiles.stat().st_mtime_ns, profiles.stat().st_size) if profiles.exists() else None
    )
    return json.dumps(
        {
            "vars": parse_vars,
            "target": target,
            "files": files,
            "seeds": seeds,
            "profiles": profile_stamp,
        },
        sort_keys=True,
        default=str,
    )
