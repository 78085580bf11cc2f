"""`run --load parquet`: the raw tables as Parquet files that the project's sources read through
dbt-duckdb's ``external_location`` instead of ``dbt seed`` (which parses every CSV row in
Python).

Each published seed CSV is converted with pyarrow into ``OUT/dbt_project/target/raw/<name>.parquet``
(`RunFolder.raw_parquet`), atomically, with the column types the project declares for that seed
(``column_types`` in its YAML), read the way dbt-duckdb loads a seed: an empty field, quoted or
not, is null; everything else is kept as written. The marts built from these files are the ones
the seed path builds.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from jaffle_sim.output.run_folder import RunFolder, atomic_file

_DECIMAL = re.compile(r"(?:decimal|numeric)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)")


class ParquetLoadError(RuntimeError):
    """A seed cannot be converted (a column without a declared type, or a type Parquet lacks)."""


def external_location(folder: Path) -> str:
    """The dbt-duckdb ``external_location`` template (var ``raw_external_location``) for the
    Parquet files in `folder`: ``read_parquet('<folder>/{identifier}.parquet')``, with the path's
    quotes and braces escaped."""
    path = str(folder.resolve()).replace("'", "''").replace("{", "{{").replace("}", "}}")
    return f"read_parquet('{path}/{{identifier}}.parquet')"


def seed_column_types(project_dir: Path) -> dict[str, dict[str, str]]:
    """Every seed's declared ``column_types`` (seed name -> column -> SQL type), from the YAML
    files of the dbt project in `project_dir`; a seed declared without them (the validation
    tables, typed as a loader would infer) maps to no types."""
    yaml: Any = importlib.import_module("yaml")  # PyYAML, a dependency of dbt
    found: dict[str, dict[str, str]] = {}
    for path in sorted(project_dir.glob("models/**/*.yml")):
        data: Any = yaml.safe_load(path.read_text())
        seeds = data.get("seeds") if isinstance(data, dict) else None
        for seed in seeds or ():
            config = seed.get("config") or {}
            types = config.get("column_types") or seed.get("column_types")
            declared = types if isinstance(types, dict) else {}
            found[str(seed["name"])] = {str(k): str(v) for k, v in declared.items()}
    return found


def arrow_type(sql_type: str) -> Any:
    """The pyarrow type DuckDB reads back as `sql_type` (the SQL type of a seed column)."""
    import pyarrow as pa

    kind = " ".join(sql_type.lower().split())
    decimal = _DECIMAL.fullmatch(kind)
    if decimal:
        return pa.decimal128(int(decimal.group(1)), int(decimal.group(2) or 0))
    simple = {
        "varchar": pa.string(),
        "text": pa.string(),
        "string": pa.string(),
        "integer": pa.int32(),
        "int": pa.int32(),
        "int4": pa.int32(),
        "bigint": pa.int64(),
        "int8": pa.int64(),
        "smallint": pa.int16(),
        "double": pa.float64(),
        "double precision": pa.float64(),
        "float8": pa.float64(),
        "boolean": pa.bool_(),
        "date": pa.date32(),
        "timestamp": pa.timestamp("us"),
    }
    if kind not in simple:
        raise ParquetLoadError(f"no Parquet type for the seed column type {sql_type!r}")
    return simple[kind]


def write_parquet(csv_path: Path, parquet_path: Path, column_types: dict[str, str]) -> int:
    """Convert one seed CSV into Parquet with the given column types (none given: each column's
    type is inferred from the file, as a loader would); returns its rows."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    types = {name: arrow_type(t) for name, t in column_types.items()}
    table = pacsv.read_csv(
        csv_path,
        convert_options=pacsv.ConvertOptions(
            column_types=types,
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )
    missing = [c for c in table.column_names if c not in types]
    if missing and types:
        raise ParquetLoadError(
            f"{csv_path.name}: no declared type for column(s) {', '.join(missing)}"
        )
    with atomic_file(parquet_path, durable=False) as out:
        pq.write_table(table, out)
    return int(table.num_rows)


class RawParquet:
    """Keeps ``OUT/dbt_project/target/raw`` in step with the published seeds."""

    def __init__(self, folder: RunFolder, project_dir: Path):
        self.folder = folder
        self.target = folder.raw_parquet
        self.column_types = seed_column_types(project_dir)

    @property
    def location(self) -> str:
        return external_location(self.target)

    def publish(self, tables: Iterable[str]) -> None:
        """Write the Parquet copy of each table in `tables` (as published) that the project
        declares as a seed; a table the project does not read (no seed of that name) is left
        out."""
        os.makedirs(self.target, exist_ok=True)
        for name in tables:
            if name not in self.column_types:
                continue
            write_parquet(
                self.folder.table(name), self.target / f"{name}.parquet", self.column_types[name]
            )
