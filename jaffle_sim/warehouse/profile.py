"""`--profiles-dir` and `--target` checked before anything is written: what dbt would refuse about
the user's `profiles.yml` (its YAML, the profile `jaffle_sim`, the target, an installed adapter).
A real connection is tried later, in `warehouse.connection`."""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jaffle_sim.settings import BadInput, read_text

if TYPE_CHECKING:
    from jaffle_sim.warehouse.daily_refresh import WarehouseSettings

_JINJA = re.compile(r"{{|{%")
_ADAPTER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def parse_warehouse(
    target: str | None, profiles_dir: Path | None, conversion_window_days: int
) -> WarehouseSettings:
    from jaffle_sim.warehouse.daily_refresh import WarehouseSettings

    if conversion_window_days < 1:
        raise BadInput(
            "--conversion-window-days must be a whole number of days >= 1, "
            f"got {conversion_window_days}"
        )
    if target is not None and profiles_dir is None:
        raise BadInput("--target needs --profiles-dir (the embedded warehouse has one target)")
    if profiles_dir is not None:
        if not (profiles_dir / "profiles.yml").is_file():
            raise BadInput(f"--profiles-dir: no profiles.yml in {profiles_dir}")
        check_profile(profiles_dir / "profiles.yml", target)
    return WarehouseSettings(
        conversion_window_days, target, profiles_dir.resolve() if profiles_dir else None
    )


def check_profile(path: Path, target: str | None) -> None:
    """What dbt would refuse about the profile, found before anything is written: the YAML, the
    profile `jaffle_sim`, the target (`target`, else the profile's own) and that its adapter is
    installed. Values rendered by dbt (Jinja, such as env_var) are left to dbt."""
    from jaffle_sim.warehouse.dbt_project import PROFILE_NAME

    yaml: Any = importlib.import_module("yaml")  # PyYAML, a dependency of dbt
    text = read_text(path, "--profiles-dir")
    where = f"--profiles-dir {path}"
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        problem = " ".join(str(exc).split())
        raise BadInput(f"{where}: not valid YAML: {problem}") from None
    profile = data.get(PROFILE_NAME) if isinstance(data, dict) else None
    if not isinstance(profile, dict):
        found = ", ".join(str(k) for k in data) if isinstance(data, dict) else "none"
        raise BadInput(f"{where}: no profile {PROFILE_NAME!r} (profiles: {found or 'none'})")
    outputs = profile.get("outputs")
    if not isinstance(outputs, dict) or not outputs:
        raise BadInput(f"{where}: profile {PROFILE_NAME!r} has no outputs (targets)")
    name = target if target is not None else profile.get("target", "default")
    if not isinstance(name, str) or _JINJA.search(name):
        return
    if name not in outputs:
        targets = ", ".join(str(k) for k in outputs)
        option = "--target" if target is not None else "its target"
        raise BadInput(
            f"{where}: profile {PROFILE_NAME!r} has no target {name!r} ({option}; targets: "
            f"{targets})"
        )
    output = outputs[name]
    kind = output.get("type") if isinstance(output, dict) else None
    if not isinstance(kind, str) or not kind:
        raise BadInput(f"{where}: target {name!r} has no adapter type")
    if _JINJA.search(kind):
        return
    if not _ADAPTER.fullmatch(kind) or importlib.util.find_spec(f"dbt.adapters.{kind}") is None:
        raise BadInput(
            f"{where}: target {name!r} uses the adapter type {kind!r}, which is not installed "
            f"(no module dbt.adapters.{kind}; pip install dbt-{kind})"
        )
