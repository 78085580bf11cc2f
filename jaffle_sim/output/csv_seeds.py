"""The CSV seeds: each table of the training and marketing data as one dbt seed file, published
(atomically: header, then every shard's spilled rows in shard order) after every day for the
daily warehouse loop, or once at the end."""

from __future__ import annotations

import shutil
from collections.abc import Iterable

from jaffle_sim.output.contract import TABLES, header
from jaffle_sim.output.run_folder import RunFolder, atomic_file


def csv_header(columns: Iterable[str]) -> bytes:
    return (",".join(f'"{c}"' for c in columns) + "\n").encode()


class CsvSeeds:
    """Publishes the spilled rows of `tables` (one flavour's, from `shards` shards) as seeds,
    with the headers of the contract `compat` (`contract.COMPAT`).
    After each `publish`, `changed` names the tables whose rows differ from the last publish."""

    def __init__(
        self,
        folder: RunFolder,
        flavour: str,
        tables: Iterable[str],
        shards: int,
        compat: str = "jaffle-sim",
    ):
        self.folder = folder
        self.compat = compat
        self.flavour = flavour
        self.tables = [t for t in TABLES if t in set(tables)]
        self.shards = shards
        self.changed: list[str] = []
        self._published: dict[str, int] = {}

    def publish(self, rows: dict[str, int]) -> None:
        """Write every table under its real name; `rows` are the rows each table now has."""
        from jaffle_sim.output.spill import csv_parts

        self.changed = [
            name
            for name in self.tables
            if self._published.get(name) != rows[name] or name.startswith("raw_orders_")
        ]
        for name in self.tables:
            with atomic_file(self.folder.table(name)) as out:
                out.write(csv_header(header(name, self.compat)))
                for part in csv_parts(self.folder, self.flavour, self.shards, name):
                    with open(part, "rb") as src:
                        shutil.copyfileobj(src, out, 1 << 20)
            self._published[name] = rows[name]
