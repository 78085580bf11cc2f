"""A run folder opened in DuckDB for reading: a view per table (the CSV seeds, by seed name) and per
event kind (the Parquet event log; `flavour` and `date` columns from its partitions), on an
in-memory database that can read only the run's `seeds/` and `events/` folders.

    con = open_run("jaffle-sim-out")
    con.sql("select flavour, count(*) from order_placed group by 1").show()

`query` runs one read-only statement (SELECT, or WITH ... SELECT) on it, for `jaffle-sim query`.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

from jaffle_sim.events import EVENT_TYPES
from jaffle_sim.output import integrity
from jaffle_sim.output.contract import TABLES
from jaffle_sim.output.manifest import ManifestError, RunManifest
from jaffle_sim.output.run_folder import RunFolder
from jaffle_sim.settings import BadInput

if TYPE_CHECKING:
    import duckdb

# The memory DuckDB may use on a scratch database (the rest spills to its folder).
SCRATCH_MEMORY = "1GB"


def open_run(
    out: str | Path, with_views: bool = True, scratch: Path | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with the run's tables and event kinds as views (unless
    `with_views` is false: binding every view reads the footers of all Parquet parts and samples
    every CSV, which a caller that defines its own views can skip). Files are read when a view
    is queried; nothing outside the run's seeds and event log can be read, and the connection's
    settings cannot be changed back. With a `scratch` folder the database is a file there, which
    tables made from the run can fill beyond `SCRATCH_MEMORY` of memory."""
    import duckdb

    folder = RunFolder(Path(out).resolve())
    if not folder.manifest.is_file():
        raise BadInput(f"{out} is not a run folder (no {folder.manifest.name})")
    if with_views:
        _check_whole(folder)
    if scratch is None:
        con = duckdb.connect()
    else:
        con = duckdb.connect(
            str(scratch / "run.duckdb"),
            config={"memory_limit": SCRATCH_MEMORY, "temp_directory": str(scratch / "spill")},
        )
    for name in TABLES if with_views else ():
        path = folder.table(name)
        if path.is_file() and not path.is_symlink():
            con.execute(
                f'create view "{name}" as select * from read_csv({_literal(path)}, header = true)'
            )
    for kind in EVENT_TYPES if with_views else ():
        root = folder.event_kind(kind)
        if root.is_dir() and not root.is_symlink() and any(root.glob("*/*/*.parquet")):
            pattern = _literal(root / "*" / "*" / "*.parquet")
            con.execute(
                f'create view "{kind}" as select * exclude (kind) from '
                f"read_parquet({pattern}, hive_partitioning = true, union_by_name = true)"
            )
    readable = [p for p in (folder.seeds, folder.events) if p.is_dir()]
    allowed = [f"{p.resolve()}/" for p in [*readable, *([scratch] if scratch else [])]]
    con.execute(f"set allowed_directories = [{', '.join(_literal(a) for a in allowed)}]")
    no_progress_bar(con)
    con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")
    return con


def no_progress_bar(con: duckdb.DuckDBPyConnection) -> None:
    """Turn DuckDB's progress bar off (long queries would draw one on stdout). In Jupyter
    without ipywidgets DuckDB refuses to change the setting; it is left as it is there."""
    import duckdb

    with contextlib.suppress(duckdb.Error):
        con.execute("set enable_progress_bar = false")


def views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The names of the views `open_run` made, sorted."""
    rows = con.execute("select view_name from duckdb_views() where not internal").fetchall()
    return sorted(r[0] for r in rows)


def query(out: str | Path, sql: str) -> tuple[list[str], list[tuple[object, ...]]]:
    """The column names and rows of one read-only statement `sql` on the run `out`. A statement
    that is not a query, or that fails, is a `BadInput` naming the cause."""
    import duckdb

    con = open_run(out)
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise BadInput(f"query: {_first_line(exc)}") from None
    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
        raise BadInput("query: one read-only statement (SELECT or WITH ... SELECT) expected")
    try:
        result = con.execute(sql)
        rows = result.fetchall()
    except duckdb.Error as exc:
        raise BadInput(f"query: {_first_line(exc)} (views: {', '.join(views(con))})") from None
    columns = [d[0] for d in result.description or []]
    return columns, rows


def _literal(value: object) -> str:
    """`value` as a SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def _first_line(exc: BaseException) -> str:
    return next((line.strip() for line in str(exc).splitlines() if line.strip()), repr(exc))


def _check_whole(folder: RunFolder) -> None:
    """Refuse a run whose manifest is unreadable, or that is complete with a listed file missing
    or changed (as every other reader of a run folder does)."""
    try:
        manifest = RunManifest.load(folder.manifest)
    except ManifestError as exc:
        raise BadInput(str(exc)) from None
    damaged = integrity.damage(folder, manifest) if manifest is not None else None
    if damaged is not None:
        raise BadInput(damaged)
