"""A scenario's plain-dict form (what TOML holds) and the way back.

`to_plain` turns the scenario's tree of dataclasses into nested dicts, lists and numbers; `merge`
overlays a nested dict on that form, and `build` validates the result back into the dataclasses,
raising a `ScenarioError` that names the dotted key of any problem.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from typing import Any

from jaffle_sim.distributions import Distribution, DistributionError, from_dict
from jaffle_sim.mixes import HourProfile, Mix


class ScenarioError(ValueError):
    """A scenario key is unknown, missing or out of range; `key` is its dotted path."""

    def __init__(self, key: str, problem: str):
        super().__init__(f"{key}: {problem}" if key else problem)
        self.key = key
        self.problem = problem


def to_plain(value: Any) -> Any:
    if isinstance(value, (Distribution, Mix, HourProfile)):
        return value.to_dict()
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return list(value)
    if value is None:
        return "none"  # an optional distribution left out (TOML has no null)
    return value


def merge(base: Any, overlay: Any, path: str) -> Any:
    """Overlay a nested dict on the plain form of a scenario; unknown keys are errors. A table
    with `kind` replaces a distribution; without it, it changes some of its parameters."""
    if not isinstance(overlay, Mapping):
        return overlay
    if "kind" in overlay:
        return dict(overlay)
    if not isinstance(base, Mapping):
        raise ScenarioError(path, f"expected a single value, got a table {dict(overlay)}")
    if _is_mix(base):
        return dict(overlay)
    out = dict(base)
    for key, value in overlay.items():
        where = f"{path}.{key}" if path else str(key)
        if key not in base:
            allowed = ", ".join(sorted(base))
            raise ScenarioError(where, f"unknown key; expected one of: {allowed}")
        out[key] = merge(base[key], value, where)
    return out


def _is_mix(plain: Mapping[str, Any]) -> bool:
    return (
        bool(plain)
        and "kind" not in plain
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in plain.values())
    )


def build(cls: type, data: Any, path: str) -> Any:
    if not isinstance(data, Mapping):
        raise ScenarioError(path, f"expected a table, got {data!r}")
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for f in fields(cls):
        where = f"{path}.{f.name}" if path else f.name
        if f.name not in data:
            if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING:
                continue
            raise ScenarioError(where, "missing")
        kwargs[f.name] = _convert(hints[f.name], data[f.name], where)
    try:
        return cls(**kwargs)
    except ScenarioError:
        raise
    except DistributionError as exc:
        if exc.field is not None:
            raise ScenarioError(f"{path}.{exc.field}" if path else exc.field, exc.problem) from None
        raise ScenarioError(path, str(exc)) from None


def _convert(hint: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    try:
        if hint is Distribution:
            return from_dict(value)
        if hint is Mix:
            if not isinstance(value, Mapping):
                raise DistributionError("expected a table of category = share")
            return Mix(dict(value))
        if hint is HourProfile:
            if not isinstance(value, (list, tuple)):
                raise DistributionError("expected a list of 24 hourly weights")
            return HourProfile(tuple(value))
        if isinstance(hint, type) and is_dataclass(hint):
            return build(hint, value, where)
        if origin in (Mapping, dict, typing.Mapping) or hint is Mapping:
            if not isinstance(value, Mapping):
                raise DistributionError("expected a table")
            _, item = typing.get_args(hint)
            return {k: _convert(item, v, f"{where}.{k}") for k, v in value.items()}
        if origin is tuple:
            if not isinstance(value, (list, tuple)):
                raise DistributionError("expected a list of numbers")
            return tuple(_number(v) for v in value)
        if hint is float:
            return _number(value)
        if hint is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise DistributionError(f"expected a whole number, got {value!r}")
            return value
        if origin in (typing.Union, types.UnionType):
            return value
    except DistributionError as exc:
        raise ScenarioError(where, str(exc)) from None
    return value


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise DistributionError(f"expected a number, got {value!r}")
    return float(value)
