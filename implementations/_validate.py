"""Boundary checks for the reference optimizers.

Each helper either returns a clean value or raises with a message saying what was wrong and what
was expected, so the optimizer bodies can stay pseudo-code.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable

import numpy as np

Schedule = float | Callable[[int], float]


def x0(value: object, name: str = "x0") -> np.ndarray:
    """A private float64 copy of a finite, non-empty 1-D starting point."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be a 1-D array of real numbers, got dtype {arr.dtype}")
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of shape (d,), got shape {arr.shape}")
    arr = np.array(arr, dtype=np.float64)  # a copy: the caller's array is never aliased
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise ValueError(f"{name} must be finite, got {arr[bad[0]]} at index {bad[0]}")
    return arr


def integer(value: object, name: str, minimum: int) -> int:
    """An int >= minimum (bools and floats such as 10.0 are rejected)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int >= {minimum}, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value}")
    return int(value)


def real(value: object, name: str, *, low: float = 0.0, high: float = math.inf,
         open_low: bool = True) -> float:
    """A finite real number in (low, high] (or [low, high] with open_low=False)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    v = float(value)
    too_low = v <= low if open_low else v < low
    if not math.isfinite(v) or too_low or v > high:
        lo = "(" if open_low else "["
        hi = f"{high}]" if math.isfinite(high) else "inf)"
        raise ValueError(f"{name} must be a finite number in {lo}{low}, {hi}, got {value!r}")
    return v


def schedule(value: Schedule, name: str, *, low: float = 0.0, high: float = math.inf, open_low: bool = True,
             ) -> Callable[[int], float]:
    """A constant or a callable k -> value_k, returned as a callable whose values are checked."""
    if not callable(value):
        const = real(value, name, low=low, high=high, open_low=open_low)
        return lambda k: const

    def checked(k: int) -> float:
        return real(value(k), f"{name}({k})", low=low, high=high, open_low=open_low)

    return checked


def function(value: object, name: str) -> None:
    if not callable(value):
        raise TypeError(f"{name} must be callable, got {type(value).__name__}")


def generator(value: object, name: str = "rng") -> np.random.Generator:
    if not isinstance(value, np.random.Generator):
        raise TypeError(
            f"{name} must be a numpy Generator (e.g. np.random.default_rng(0)), got {type(value).__name__}"
        )
    return value
