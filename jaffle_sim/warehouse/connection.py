"""The warehouse checked before a run writes anything: the `--load` choice against the target's
adapter, and for a user's own profile a real connection (``dbt debug --connection``, in-process).
A warehouse that cannot be reached, refuses the credentials, lacks its adapter or is a locked
DuckDB file is one line naming the profile, the target and the cause; no value of a credential
ever appears in it.
"""

from __future__ import annotations

import importlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jaffle_sim.settings import BadInput
from jaffle_sim.warehouse.dbt_errors import (
    DbtError,
    WarehouseLockedError,
    locked_message,
    release_duckdb,
)
from jaffle_sim.warehouse.dbt_project import PROFILE_NAME, bundled_project_dir

if TYPE_CHECKING:
    from jaffle_sim.warehouse.daily_refresh import WarehouseSettings

#: How the raw tables reach the warehouse (`run --load`).
LOADS = ("seeds", "parquet")
#: Profile keys whose values are secrets (matched anywhere in the key, case-insensitively).
SECRET_KEYS = re.compile(r"pass|secret|token|private|credential|keyfile|api_key", re.IGNORECASE)
_ENV_VAR = re.compile(r"env_var\(\s*['\"]([^'\"]+)['\"]")
_CANNOT_CONNECT = re.compile(r">(?P<cause>.*?)\n\s*\nCheck your database credentials", re.DOTALL)
_PROFILE_FAILED = re.compile(
    r"Profile loading failed for the following reason:(?P<cause>.*)", re.DOTALL
)


class WarehouseUnavailable(DbtError, BadInput):
    """The warehouse of the user's profile cannot be used (unreachable, bad credentials, no
    adapter, a --load it cannot do): one line, exit status 2, nothing written."""


@dataclass(frozen=True)
class ConnectionCheck:
    """What ``dbt debug --connection`` found: the adapter type (None when the profile did not
    load) and the problem, if any (None: connected)."""

    adapter: str | None
    problem: str | None


def check_warehouse(settings: WarehouseSettings) -> None:
    """Raise :class:`WarehouseUnavailable` (or :class:`WarehouseLockedError`) when the run could
    not use its warehouse; nothing is written. The embedded DuckDB file lives in the run folder,
    whose claim already refuses a file another process holds, so only `--load` is checked there.
    """
    if settings.load not in LOADS:
        raise BadInput(f"--load must be {' or '.join(LOADS)}, got {settings.load!r}")
    if settings.profiles_dir is None:
        return
    profiles = settings.profiles_dir
    target = settings.target or _default_target(profiles)
    secrets = profile_secrets(profiles, target)
    where = f"--profiles-dir {profiles}: profile {PROFILE_NAME!r}, target {target!r}"
    found = debug_connection(profiles, settings.target)
    if found.adapter is not None and settings.load == "parquet" and found.adapter != "duckdb":
        raise WarehouseUnavailable(
            f"{where} is {found.adapter}: --load parquet needs a DuckDB warehouse (dbt-duckdb "
            "reads the Parquet files); use --load seeds"
        )
    if found.problem is None:
        return
    problem = scrub(found.problem, secrets)
    locked = locked_message(problem)
    if locked is not None:
        raise WarehouseLockedError(f"{where}: {locked}")
    kind = f" ({found.adapter})" if found.adapter else ""
    raise WarehouseUnavailable(f"{where}{kind}: {problem}")


def debug_connection(profiles_dir: Path, target: str | None) -> ConnectionCheck:
    """Run ``dbt debug --connection`` for profile ``jaffle_sim`` in this process and read its
    messages. Logs go to a temporary folder that is removed; DuckDB is released afterwards."""
    from dbt.cli.main import dbtRunner  # lazy: importing dbt takes about two seconds

    messages: list[str] = []

    def keep(event: Any) -> None:
        if event.info.name in ("DebugCmdOut", "DebugCmdResult"):
            messages.append(str(event.info.msg))

    with tempfile.TemporaryDirectory(prefix="jaffle-sim-debug-") as work:
        args = [
            "debug",
            "--connection",
            "--project-dir",
            str(bundled_project_dir()),
            "--profiles-dir",
            str(profiles_dir),
            "--profile",
            PROFILE_NAME,
            "--log-path",
            work,
            "--log-level",
            "none",
            "--log-level-file",
            "none",
            "--no-use-colors",
            "--no-send-anonymous-usage-stats",
        ]
        if target is not None:
            args += ["--target", target]
        try:
            res = dbtRunner(callbacks=[keep]).invoke(args)
        finally:
            release_duckdb()
    adapter = next(
        (m.split(":", 1)[1].strip() for m in messages if m.startswith("adapter type:")), None
    )
    if res.exception is not None:
        return ConnectionCheck(adapter, one_line(str(res.exception)))
    if res.success:
        return ConnectionCheck(adapter, None)
    text = "\n".join(messages)
    for pattern, prefix in ((_CANNOT_CONNECT, "cannot connect: "), (_PROFILE_FAILED, "")):
        match = pattern.search(text)
        if match:
            return ConnectionCheck(adapter, prefix + one_line(match.group("cause")))
    return ConnectionCheck(adapter, "dbt debug --connection failed")


def profile_secrets(profiles_dir: Path, target: str) -> list[str]:
    """The secret values of the target's output (passwords, tokens, keys): written as they are,
    or read from the environment variables an ``env_var(...)`` names."""
    output = _outputs(profiles_dir).get(target)
    found: list[str] = []

    def collect(value: Any, secret: bool) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                collect(v, secret or bool(SECRET_KEYS.search(str(k))))
        elif isinstance(value, list):
            for v in value:
                collect(v, secret)
        elif secret and value is not None:
            text = str(value)
            names = _ENV_VAR.findall(text)
            found.extend(os.environ[n] for n in names if os.environ.get(n))
            if not names and text:
                found.append(text)

    collect(output, False)
    return sorted(set(found), key=len, reverse=True)


def scrub(text: str, secrets: list[str]) -> str:
    """`text` with every secret replaced by ``***``."""
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def one_line(text: str) -> str:
    return " ".join(text.split())


def _yaml() -> Any:
    return importlib.import_module("yaml")  # PyYAML, a dependency of dbt


def _outputs(profiles_dir: Path) -> dict[str, Any]:
    yaml = _yaml()
    try:
        data = yaml.safe_load((profiles_dir / "profiles.yml").read_text())
    except (OSError, yaml.YAMLError):
        return {}
    profile = data.get(PROFILE_NAME) if isinstance(data, dict) else None
    outputs = profile.get("outputs") if isinstance(profile, dict) else None
    return outputs if isinstance(outputs, dict) else {}


def _default_target(profiles_dir: Path) -> str:
    yaml = _yaml()

    try:
        data = yaml.safe_load((profiles_dir / "profiles.yml").read_text())
        return str(data[PROFILE_NAME].get("target", "default"))
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError):
        return "default"
