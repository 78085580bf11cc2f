"""What can go wrong when dbt runs, as the runner reports it: dbt could not run a command at all
(`DbtError`), or the DuckDB warehouse is held by another process (`WarehouseLockedError`, with a
one-line explanation naming the file and the holder)."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from jaffle_sim.settings import BadInput

_LOCK_MESSAGE = re.compile(r"Could not set lock on file|Conflicting lock is held", re.IGNORECASE)
_LOCK_FILE = re.compile(r'Could not set lock on file "(?P<file>[^"]+)"')
_SAME_PROCESS = re.compile(r"same database file with a different configuration", re.IGNORECASE)
_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


class DbtError(RuntimeError):
    """dbt could not run the command (bad project or profile, unreachable warehouse, crash)."""


class WarehouseLockedError(DbtError, BadInput):
    """The DuckDB file is held by another process (DuckDB allows a single writer). A problem of
    the user's environment, not of the run: one line, exit status 2, the run's files kept."""


def locked_message(text: str, database: Path | None = None) -> str | None:
    """The one-line explanation of a DuckDB lock error in `text` (None when it is not one):
    the file and the process holding it."""
    if _SAME_PROCESS.search(text):
        where = f" {database}" if database else ""
        return (
            f"the DuckDB warehouse{where} is already open in this process with another "
            "configuration (for example a read_only connection): close that connection "
            "before running dbt"
        )
    if not _LOCK_MESSAGE.search(text):
        return None
    named = _LOCK_FILE.search(text)
    where = f" {named.group('file')}" if named else (f" {database}" if database else "")
    holder = _LOCK_HOLDER.search(text)
    who = f" (process {holder.group('pid')}, {holder.group('program')})" if holder else ""
    return (
        f"the DuckDB warehouse{where} is locked by another process{who}. DuckDB allows a "
        "single writer: close the notebook or program that holds it (readers can open it with "
        "read_only=True while no run is active) and try again"
    )


def release_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open in this process (``keep_open``), if any."""
    if "dbt.adapters.duckdb.connections" not in sys.modules:
        return
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    env = getattr(DuckDBConnectionManager, "_ENV", None)
    if env is not None and hasattr(env, "close"):
        env.close()
    DuckDBConnectionManager.close_all_connections()  # type: ignore[no-untyped-call]


def release_dbt() -> None:
    """Close what dbt keeps open in this process after its last command: the DuckDB database,
    the adapters' connections and dbt's log file (the next command opens them again)."""
    release_duckdb()
    if "dbt.adapters.factory" in sys.modules:
        from dbt.adapters.factory import cleanup_connections

        cleanup_connections()  # type: ignore[no-untyped-call]
    if "dbt_common.events.event_manager_client" in sys.modules:
        from dbt_common.events.event_manager_client import cleanup_event_logger, get_event_manager

        for logger in get_event_manager().loggers:  # their file handlers hold logs/dbt.log
            python_logger: Any = getattr(logger, "_python_logger", None)
            for handler in list(getattr(python_logger, "handlers", ())):
                handler.close()
                python_logger.removeHandler(handler)
        cleanup_event_logger()
