"""The precision an optimizer computes in, and every tolerance the checks derive from it.

The precision is the dtype of the iterates the optimizer returns (float64, float32, float16, bfloat16; NumPy,
ml_dtypes, torch or jax arrays, or lists of them). float64 keeps the checks' historical constants exactly
(conformance 1e-8 relative, the bound's allowance 1e-10 of the scale); a lower precision gets
    conformance   CONFORMANCE_ULPS unit roundoffs of the magnitudes in the update rule,
    bound         the precision floor of theory.precision (C_OPS u S min(k, 1/(eta mu))), in the bound's
                  quantity, on top of the float64 allowance,
and every report names it: "checked in float32, floor 3e-06".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..theory.precision import UNIT_ROUNDOFF, floor, unit_roundoff

FLOAT64_RTOL = 1e-8  # conformance, float64 (unchanged)
FLOAT64_ALLOWANCE = 1e-10  # bound, float64: a fraction of the problem's scale (unchanged)
CONFORMANCE_ULPS = 8  # a step rounds ~4 times (g, lr, lr*g, the sum); twice that for the prediction's own


def numpy_dtype(name: str) -> np.dtype:
    """The NumPy dtype of a precision name (bfloat16 from ml_dtypes, which JAX uses too)."""
    if name == "bfloat16":
        import ml_dtypes

        return np.dtype(ml_dtypes.bfloat16)
    unit_roundoff(name)  # a clear error for an unknown name
    return np.dtype(name)


@dataclass(frozen=True)
class Precision:
    name: str = "float64"

    @property
    def u(self) -> float:
        return unit_roundoff(self.name)

    @property
    def lower(self) -> bool:
        return self.name != "float64"

    @property
    def conformance_rtol(self) -> float:
        return CONFORMANCE_ULPS * self.u if self.lower else FLOAT64_RTOL

    def stored(self, x: np.ndarray) -> np.ndarray:
        """x as an optimizer in this precision stores it (rounded once), back in float64."""
        x = np.asarray(x, dtype=np.float64)
        return x if not self.lower else x.astype(numpy_dtype(self.name)).astype(np.float64)

    def floor(self, problem: Any, x0: np.ndarray, x_star: np.ndarray, hp: Mapping[str, Any], steps: int) -> float:
        """The dist floor of a correct method after `steps` steps on this instance (theory.precision.floor)."""
        return floor(self.u, _scale(x0, x_star), step_size(hp, problem), float(problem.mu), steps)

    def allowance(self, quantity: str, problem: Any, x0: np.ndarray, x_star: np.ndarray,
                  hp: Mapping[str, Any] | None = None, steps: int = 1) -> float:
        """Absolute allowance on `quantity`: observed <= bound (1 + RTOL) + allowance counts as within.

        float64: 1e-10 of the magnitudes involved (far above its rounding, far below any bug's effect). Lower:
        the floor F converted: dist + F; dist^2 grows by at most 2 S F + F^2; f by L (S F + F^2/2) (L-smooth,
        ||grad f|| <= L S on the ball)."""
        s = _scale(x0, x_star)
        legacy = {"dist": s, "dist_sq": s**2}.get(quantity)
        if legacy is None:
            legacy = abs(problem.f_star) + abs(problem.f(np.asarray(x0, dtype=float))) + problem.L * s**2
        tol = FLOAT64_ALLOWANCE * legacy
        if not self.lower:
            return tol
        F = self.floor(problem, x0, x_star, hp or {}, steps)
        extra = {"dist": F, "dist_sq": 2 * s * F + F**2}.get(quantity, problem.L * (s * F + F**2 / 2))
        return tol + extra

    def stored_hyperparameters(self, hp: Mapping[str, Any]) -> dict[str, Any]:
        """hp as an optimizer in this precision stores it: every float rounded once (counts and schedules kept)."""
        if not self.lower:
            return dict(hp)
        dt = numpy_dtype(self.name)
        return {k: float(np.float64(v).astype(dt)) if isinstance(v, float) else v for k, v in hp.items()}

    def describe(self, floor_value: float | None = None) -> str:
        """'checked in float32, floor 3e-06' (float64: 'checked in float64')."""
        if floor_value is None or not self.lower:
            return f"checked in {self.name}"
        return f"checked in {self.name}, floor {floor_value:.2g}"


def step_size(hp: Mapping[str, Any], problem: Any) -> float | None:
    """The method's gradient step eta for the floor: a constant lr, the smallest of a schedule's first values,
    1/L for methods without an lr (their steps are 1/L)."""
    lr = hp.get("lr")
    if lr is None:
        return 1.0 / float(problem.L)
    if callable(lr):
        return None  # a vanishing schedule: the residuals add up (floor k delta)
    return float(lr)


def _scale(x0: np.ndarray, x_star: np.ndarray) -> float:
    x0 = np.asarray(x0, dtype=float)
    return float(np.linalg.norm(x_star) + np.linalg.norm(x0 - x_star))


def as_float64(out: Any) -> tuple[str, np.ndarray]:
    """(the precision name of `out`'s iterates, the iterates as a float64 array). TypeError/ValueError when
    out is not an array of iterates. Lists and tuples take the dtype of their first element."""
    name = precision_of(out)
    return name, _to_numpy(out)


def precision_of(out: Any) -> str:
    first = out
    while isinstance(first, (list, tuple)) and first:
        first = first[0]
    dtype = getattr(first, "dtype", None)
    if dtype is None:
        return "float64"  # Python floats and ints
    text = str(dtype).removeprefix("torch.")
    return text if text in UNIT_ROUNDOFF else "float64"


def _to_numpy(out: Any) -> np.ndarray:
    if isinstance(out, (list, tuple)):
        return np.array([_to_numpy(o) for o in out], dtype=np.float64)
    if hasattr(out, "detach"):  # a torch tensor (bfloat16 has no NumPy view: go through float32)
        t = out.detach().cpu()
        return t.double().numpy() if t.is_floating_point() else t.numpy().astype(np.float64)
    return np.asarray(out).astype(np.float64)


def get(name: str) -> Precision:
    unit_roundoff(name)
    return Precision(name)


__all__ = ["CONFORMANCE_ULPS", "Precision", "as_float64", "get", "numpy_dtype", "precision_of", "step_size"]
