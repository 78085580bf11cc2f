"""The data contract: the raw tables a run writes, their columns (in the order of the system the
original description came from; extra columns only after those) and what each `generate` choice
writes. File locations are the run folder's business (`run_folder`)."""

from __future__ import annotations

from dataclasses import dataclass

from jaffle_sim.events import FLAVOURS, PLATFORMS, SITES

ACCOUNT_TABLES = ("customers", "orders", "payments", "signups")
ACCOUNT_COLUMNS = {
    "customers": ("id", "first_name", "last_name"),
    "orders": ("id", "user_id", "order_date", "status"),
    "payments": ("id", "order_id", "payment_method", "amount"),
    "signups": ("id", "user_id", "user_email", "hashed_password", "signup_date"),
}
SESSION_COLUMNS = (
    "session_id",
    "customer_id",
    "started_at",
    "ended_at",
    "utm_source",
    "ad_id",
    "visitor_id",
)
AD_COLUMNS = ("ad_id", "date", "utm_medium", "utm_campaign", "cost", "impressions", "clicks")
# Ground truth of attribution: the model's own credit of every touch of every conversion.
ATTRIBUTION_TRUTH = "raw_attribution_truth"  # the warehouse stages it into `attribution_truth`
ATTRIBUTION_TRUTH_COLUMNS = (
    "customer_id",
    "visitor_id",
    "touch",
    "session_id",
    "utm_source",
    "ad_id",
    "credit",
    "converted_at",
)


@dataclass(frozen=True)
class TableSpec:
    """One output table: its seed name (file stem), its group (the folder under `seeds/`:
    a flavour, `sessions` or `ads`) and its columns."""

    name: str
    group: str
    columns: tuple[str, ...]


def _tables() -> dict[str, TableSpec]:
    specs = []
    for flavour in FLAVOURS:
        for table in ACCOUNT_TABLES:
            specs.append(TableSpec(f"raw_{table}_{flavour}", flavour, ACCOUNT_COLUMNS[table]))
    for site in SITES:
        specs.append(TableSpec(f"stg_{site}_sessions", "sessions", SESSION_COLUMNS))
    for platform in PLATFORMS:
        specs.append(TableSpec(f"stg_{platform}_ads", "ads", AD_COLUMNS))
    specs.append(TableSpec(ATTRIBUTION_TRUTH, "attribution", ATTRIBUTION_TRUTH_COLUMNS))
    return {s.name: s for s in specs}


TABLES = _tables()
AD_TABLES = tuple(n for n, s in TABLES.items() if s.group == "ads")
SESSION_TABLES = tuple(n for n, s in TABLES.items() if s.group == "sessions")


def account_tables(flavour: str) -> tuple[str, ...]:
    return tuple(f"raw_{t}_{flavour}" for t in ACCOUNT_TABLES)


#: Column spellings of the contracts a run can write (`--compat`): this project's, and the one of
#: the original demo it re-imagines (elementary-data/jaffle-shop-goes-online), whose ads files
#: spell `utm_campain`. Only the headers differ: columns, order and values are the same.
COMPAT: dict[str, dict[str, str]] = {"jaffle-sim": {}, "original": {"utm_campaign": "utm_campain"}}


def header(name: str, compat: str = "jaffle-sim") -> tuple[str, ...]:
    """The column names table `name` is written with under the contract `compat`."""
    renames = COMPAT[compat]
    return tuple(renames.get(c, c) for c in TABLES[name].columns)


def is_validation_table(name: str) -> bool:
    return TABLES[name].group == "validation"


# What each `generate` choice writes.
SELECTIONS: dict[str, tuple[str, ...]] = {
    "training": account_tables("training"),
    "validation": account_tables("validation"),
    "marketing": AD_TABLES + SESSION_TABLES,
    "ads": AD_TABLES,
    "all": account_tables("training")
    + account_tables("validation")
    + AD_TABLES
    + SESSION_TABLES
    + (ATTRIBUTION_TRUTH,),
}
