"""The bundled dbt project: where it ships, how it is staged into a run folder, and the generated
profile of the embedded DuckDB warehouse.

The project ships inside the package (``jaffle_sim/dbt_project`` in a wheel, ``dbt_project/`` at
the repository root in an editable install). A run never executes it in place:

* :func:`stage_project` copies it into the run folder (``OUT/dbt_project``) next to the seeds the
  simulator writes (``OUT/seeds``). The project's ``seed-paths`` is the *relative* path
  ``../seeds``. dbt-core writes each seed's SQL to ``<target-path>/run/<project>/<seed path>``; with
  an absolute seed path that join returns the seed path itself and dbt overwrites the CSV with SQL
  (dbt-core issue 7373, still present in 1.11); the relative ``../seeds`` keeps that write inside
  the target folder. The runner pins ``JAFFLE_SIM_SEED_PATH`` (the project's override of the
  seed path) to it for its invocations.
* :func:`write_profiles` writes a ``profiles.yml`` for profile ``jaffle_sim`` whose DuckDB path is
  absolute (a relative path silently creates an empty database relative to the working folder).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from jaffle_sim.output.run_folder import DBT_PROJECT

PROFILE_NAME = "jaffle_sim"
PROJECT_NAME = "jaffle_sim"
SEED_PATH_ENV = "JAFFLE_SIM_SEED_PATH"

_COPY_IGNORE = shutil.ignore_patterns(
    "target", "logs", "dbt_packages", "profiles.yml", "__pycache__", ".user.yml"
)
#: Folders of the bundled project staged only on request (`elementary`: ``run --elementary``).
_OPTIONAL = frozenset({"elementary"})


def bundled_project_dir() -> Path:
    """The dbt project shipped with the package: ``jaffle_sim/dbt_project`` in a wheel install,
    else ``dbt_project/`` at the repository root (editable install or source checkout)."""
    package_root = Path(__file__).resolve().parent.parent
    for candidate in (package_root / DBT_PROJECT, package_root.parent / DBT_PROJECT):
        if (candidate / "dbt_project.yml").is_file():
            return candidate
    raise FileNotFoundError(
        f"the bundled dbt project was not found next to {package_root} "
        f"(looked for {DBT_PROJECT}/dbt_project.yml in the package and the repository root)"
    )


def stage_project(
    run_dir: str | os.PathLike[str],
    source: str | os.PathLike[str] | None = None,
) -> Path:
    """Copy the dbt project into ``run_dir/dbt_project`` and return that folder.

    The copy sits beside ``run_dir/seeds``, which the project's default seed path ``../seeds``
    finds. Nothing from a user's profiles folder is copied (a ``profiles.yml`` in the source is
    skipped). Files of an earlier copy are replaced (so a stale model cannot survive an upgrade);
    ``target/``, ``logs/`` and a ``profiles.yml`` in the copy are kept.
    """
    src = Path(source) if source is not None else bundled_project_dir()
    if not (src / "dbt_project.yml").is_file():
        raise FileNotFoundError(f"{src} is not a dbt project (no dbt_project.yml)")
    dest = Path(run_dir).resolve() / DBT_PROJECT
    if dest.resolve() == src.resolve():
        return dest
    dest.mkdir(parents=True, exist_ok=True)
    for entry in dest.iterdir():
        if entry.name in {"target", "logs", "profiles.yml"}:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    shutil.copytree(src, dest, ignore=_ignore_in(src), dirs_exist_ok=True)
    return dest


def _ignore_in(src: Path) -> Any:
    """What the copy of `src` leaves out: :data:`_COPY_IGNORE`, and at its top the optional
    folders (:data:`_OPTIONAL`)."""

    def ignore(folder: str, names: list[str]) -> set[str]:
        left_out = set(_COPY_IGNORE(folder, names))
        if Path(folder).resolve() == src.resolve():
            left_out |= _OPTIONAL & set(names)
        return left_out

    return ignore


def write_profiles(
    profiles_dir: str | os.PathLike[str],
    database_path: str | os.PathLike[str],
    *,
    schema: str = "main",
    threads: int = 1,
    target: str = "dev",
) -> Path:
    """Write ``profiles_dir/profiles.yml`` with profile ``jaffle_sim`` on a DuckDB file.

    The database path is made absolute: dbt-duckdb resolves a relative path against the working
    folder of the process and would silently create an empty database there.

    dbt-duckdb's ``keep_open`` keeps the database open in this process between invocations
    (measured on the fixture project: seed+run+test 3.9 s kept open, 4.9 s reopened). While it
    is open no other process can use the file, so a notebook cannot take the write lock in the
    middle of a run, and a connection of this process needs the same configuration;
    :meth:`DbtRunner.close` releases it.
    """
    db = Path(database_path).expanduser().resolve()
    db.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(profiles_dir)
    folder.mkdir(parents=True, exist_ok=True)
    profile = {
        PROFILE_NAME: {
            "target": target,
            "outputs": {
                target: {
                    "type": "duckdb",
                    "path": str(db),
                    "schema": schema,
                    "threads": threads,
                    "keep_open": True,
                },
            },
        }
    }
    path = folder / "profiles.yml"
    # JSON is valid YAML, and json.dumps quotes every string (paths with ':' or '#' stay safe).
    path.write_text("# Written by jaffle-sim.\n" + json.dumps(profile, indent=2) + "\n")
    return path
