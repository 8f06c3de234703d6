"""Pieces every property shares: the instance's bound values, run lengths and counterexample fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ...methods import Setting
from ...theory import Bound
from ..methods import hp_repr, problem_values
from ..report import Counterexample, PropertyResult
from ..strategies import Instance

# The quantities of theory/nonconvex.py: no minimiser is assumed, so the stationarity property checks them and
# bound / statistics (which measure against x* or f*) skip them.
STATIONARITY = ("grad_sq_min", "grad_sq_avg")


def skipped(prop: str, setting: Setting, why: str) -> PropertyResult:
    """A setting this property does not apply to, with the reason in words."""
    return PropertyResult(prop, setting.name, "skipped", message=why, bound_id=setting.bound_id)


class Examples:
    """Per-example observed/bound ratios and curves (thinned to <= CURVE_POINTS log-spaced k), for reports."""

    CURVE_POINTS = 60

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, ratio: float, inst: Instance, observed: np.ndarray, bound: np.ndarray, ks: np.ndarray) -> None:
        keep = np.unique(np.concatenate([[0], np.geomspace(1, len(ks), self.CURVE_POINTS).astype(int) - 1]))
        self.items.append({"ratio": ratio, "instance": repr(inst), "k": [int(k) for k in ks[keep]],
                           "observed": [float(v) for v in observed[keep]], "bound": [float(v) for v in bound[keep]]})

    def details(self) -> dict[str, Any]:
        worst = max(range(len(self.items)), key=lambda i: self.items[i]["ratio"]) if self.items else None
        return {"ratios": [e["ratio"] for e in self.items], "examples": self.items, "worst": worst}


def bound_values(bound: Bound, inst: Instance, constants: Mapping[str, str] | None = None) -> dict[str, float]:
    vals = problem_values(inst.problem, inst.x0, inst.x_star, constants)
    vals.update(inst.drawn)
    return {p: vals[p] for p in bound.parameters if p != "k"}


def steps_for(bound: Bound, vals: dict[str, float], max_steps: int, floor: int = 20) -> int:
    """Enough steps for the bound to fall by 1e-9 (or to its floor), capped at max_steps."""
    start = float(bound.evaluate(k=bound.k_min, **vals))
    limit = float(bound.evaluate(k=1e12, **vals))
    target = limit + 1e-9 * (start - limit) if start > limit else start * 1e-9
    if target <= 0:
        return floor
    if float(bound.evaluate(k=max_steps, **vals)) > target:  # k(target) is beyond the cap: no need to find it
        return max_steps
    k = float(bound.k_eps(target, **vals))
    return int(min(max_steps, max(floor, k if np.isfinite(k) else max_steps)))


def counterexample(inst: Instance, hp: dict[str, Any], message: str, **fields: Any) -> Counterexample:
    p = inst.problem
    spectrum = None
    if p.hessian is not None and p.d <= 8:
        spectrum = [float(v) for v in np.linalg.eigvalsh(p.hessian)]
    return Counterexample(message=message, problem=p.name, d=p.d, n=p.n, L=float(p.L), mu=float(p.mu),
                          kappa=float(p.kappa), spectrum=spectrum,
                          hyperparameters={**hp_repr(hp), **{f"drawn {k}": v for k, v in inst.drawn.items()},
                                           "start": inst.start}, **fields)
