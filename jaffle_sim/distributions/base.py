"""What every distribution is: the `Distribution` base class, the `DistributionError` it raises
and the checks its subclasses validate with; `Buffered` draws for per-agent code."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, fields
from typing import Any, ClassVar

import numpy as np


class DistributionError(ValueError):
    """A distribution or a behaviour value is outside its allowed range.

    `field` names the behaviour field the problem is about (None when it is about a distribution
    on its own); the message then starts with it, `"<field>: <problem>"`."""

    def __init__(self, problem: str, field: str | None = None):
        super().__init__(f"{field}: {problem}" if field else problem)
        self.problem = problem
        self.field = field

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.problem, self.field))


def require(condition: bool, message: str) -> None:
    """Raise a `DistributionError` with `message` unless `condition` holds."""
    if not condition:
        raise DistributionError(message)


def finite(*values: Any) -> bool:
    """Whether every value is a finite int or float (bool counts as an int here)."""
    return all(isinstance(v, (int, float)) and math.isfinite(v) for v in values)


@dataclass(frozen=True)
class Distribution(ABC):
    """Base class: subclasses set `kind` and implement `sample` and `mean`."""

    kind: ClassVar[str] = ""

    @abstractmethod
    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """n draws."""

    @property
    @abstractmethod
    def mean(self) -> float:
        """The distribution's mean."""

    @property
    def support(self) -> tuple[float, float]:
        """Smallest and largest value a sample can take."""
        return (-math.inf, math.inf)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items() if k != "kind")
        return f"{type(self).__name__}({args})"


class Buffered:
    """Scalar draws for per-agent code, taken from batches of `size` samples so that the hot loop
    pays a list pop instead of a numpy call per draw."""

    __slots__ = ("_draw", "_it", "_size")

    def __init__(self, draw: Any, size: int = 4096):
        self._draw = draw  # callable n -> array
        self._size = size
        self._it: Any = iter(())

    def __call__(self) -> Any:
        try:
            return next(self._it)
        except StopIteration:
            self._it = iter(np.asarray(self._draw(self._size)).tolist())
            return next(self._it)
