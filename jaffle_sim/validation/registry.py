"""What a kind of anomaly is, and the registry its declaration goes into.

A kind is declared once, on its injector, with `KindRegistry.kind`: the table and column it
changes, its parameters with their defaults, the dbt tests of the bundled project expected to
catch it, a one-line description and its `Stage`. Kinds are applied stage by stage; within a stage
in the order they were declared. The injectors themselves live in `kinds`, which builds `KINDS`.

The injectors act on `Tables`, the four validation tables as DataFrames, and date their rows as
the data contract implies: orders by `order_date`, payments by their order, signups by
`signup_date`, customers by their signup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

TABLE_NAMES = ("customers", "orders", "payments", "signups")


class Stage(IntEnum):
    """When a kind is applied: values change in place first (so a share is a share of the day's
    real rows), then rows are added or removed, and last a column changes type (after it, ids
    are no longer numbers)."""

    VALUES = 1
    ROWS = 2
    TYPE = 3


@dataclass
class Tables:
    """The four validation tables as DataFrames (the contract's columns)."""

    customers: pd.DataFrame
    orders: pd.DataFrame
    payments: pd.DataFrame
    signups: pd.DataFrame

    def copy(self) -> Tables:
        return Tables(
            *(f.copy() for f in (self.customers, self.orders, self.payments, self.signups))
        )

    def order_dates(self) -> pd.Series:
        return pd.to_datetime(self.orders["order_date"]).dt.date

    def payment_dates(self) -> pd.Series:
        by_order = dict(zip(self.orders["id"], self.order_dates()))
        return self.payments["order_id"].map(by_order)

    def signup_dates(self) -> pd.Series:
        return pd.to_datetime(self.signups["signup_date"]).dt.date

    def customer_dates(self) -> pd.Series:
        by_customer = dict(zip(self.signups["user_id"], self.signup_dates()))
        return self.customers["id"].map(by_customer)


# An injector plants one anomaly on `day`: it changes the tables in place and returns how many
# rows it changed. `params` holds every parameter of its kind (defaults filled in).
Injector = Callable[[Tables, Mapping[str, Any], dt.date, np.random.Generator], int]


@dataclass(frozen=True)
class Kind:
    """One kind of anomaly: what it changes (`table` among customers, orders, payments and
    signups; `column`, or None when it adds or removes whole rows), its parameters with their
    defaults, the tests expected to catch it (dbt test names of the bundled project), its
    description, when it is applied (`stage`, then `position`: its place in the declarations)
    and the function that plants it."""

    name: str
    table: str
    column: str | None
    defaults: Mapping[str, Any]
    expected_tests: tuple[str, ...]
    description: str
    stage: Stage
    position: int
    inject: Injector

    @property
    def order(self) -> tuple[int, int]:
        """The sort key of the application order."""
        return (int(self.stage), self.position)


class KindRegistry:
    """Collects kinds as they are declared; `kinds()` gives them in declaration order."""

    def __init__(self) -> None:
        self._kinds: dict[str, Kind] = {}

    def kind(
        self,
        name: str,
        *,
        table: str,
        column: str | None,
        stage: Stage,
        expected_tests: tuple[str, ...],
        description: str,
        defaults: Mapping[str, Any] | None = None,
    ) -> Callable[[Injector], Injector]:
        """Declare the kind `name`, planted by the decorated injector."""
        if name in self._kinds:
            raise ValueError(f"anomaly kind {name!r} is declared twice")
        if table not in TABLE_NAMES:
            raise ValueError(f"anomaly kind {name!r}: unknown table {table!r}")
        if not expected_tests:
            raise ValueError(f"anomaly kind {name!r}: no test is expected to catch it")

        def register(inject: Injector) -> Injector:
            self._kinds[name] = Kind(
                name=name,
                table=table,
                column=column,
                defaults=MappingProxyType(dict(defaults or {})),
                expected_tests=tuple(expected_tests),
                description=description,
                stage=stage,
                position=len(self._kinds),
                inject=inject,
            )
            return inject

        return register

    def kinds(self) -> dict[str, Kind]:
        return dict(self._kinds)
