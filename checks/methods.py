"""What the checks need beyond the Method objects (ratecheck.methods): the catalogue symbols an instance
fixes, and the hyperparameters the theory prescribes for a setting on an instance.

    METHODS    the registered methods' names (gd, heavy-ball, nesterov, sgd, ...)
    SETTINGS   name -> the method's settings
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import sympy as sp

from ..implementations.problems import NonconvexProblem, Problem
from ..methods import Setting, all_methods, names
from ..theory import SYMBOLS

METHODS = names()
SETTINGS: dict[str, tuple[Setting, ...]] = {m.name: m.settings for m in all_methods()}


def problem_values(problem: Problem, x0: np.ndarray, x_star: np.ndarray,
                   constants: Mapping[str, str] | None = None) -> dict[str, float]:
    """The catalogue symbols a problem instance fixes: L, mu, R, Delta0, sigma (Delta0 from f_low below, sigma
    from the problem's variance bound); `constants` (a setting's)
    says which Problem attribute supplies a symbol where it is not the one of that name (e.g. L from L_max)."""
    nonconvex = isinstance(problem, NonconvexProblem)
    return {
        "L": problem.L,
        "mu": problem.mu,
        "R": float(np.linalg.norm(x0 - x_star)),  # NaN without a minimiser (no nonconvex bound reads it)
        "Delta0": max(problem.f(x0) - f_low(problem), 0.0),
        # nonconvex bounds need the variance everywhere (sigma2), not only at x* (sigma2_star)
        "sigma": float(np.sqrt(problem.sigma2 if nonconvex else problem.sigma2_star)),
        **{sym: float(getattr(problem, attr)) for sym, attr in (constants or {}).items()},
    }


def f_low(problem: Problem) -> float:
    """The lower bound on f that Delta0 = f(x_0) - f_low is taken from: a nonconvex problem's proven f_low,
    else f* (theory/nonconvex.py: f_low = f* when f has a minimum)."""
    return problem.f_low if isinstance(problem, NonconvexProblem) else problem.f_star


def prescribed(setting: Setting, problem: Problem, drawn: dict[str, float]) -> dict[str, Any]:
    """The hyperparameters the theory prescribes for this instance, as numbers or schedules k -> value.

    `drawn` supplies the free ones a bound leaves to the user (eta for gd.quadratic / sgd.constant,
    b for sgd.minibatch); a hyperparameter the bound states in words comes from the setting's schedules.
    """
    values = {SYMBOLS["L"]: problem.L, SYMBOLS["mu"]: problem.mu}
    values.update({SYMBOLS[sym]: getattr(problem, attr) for sym, attr in setting.constants.items()})
    values.update({SYMBOLS[k]: v for k, v in drawn.items()})
    numbers = {s: sp.sympify(v) for s, v in values.items()}
    out: dict[str, Any] = {}
    for name, expr in setting.bound.hyperparameters.items():
        if name in setting.schedules:
            out[name] = setting.schedules[name]()
            continue
        if isinstance(expr, str):
            raise ValueError(f"{setting.bound_id}: hyperparameter {name} is stated in words ({expr!r}); "
                             f"the {setting.method} setting {setting.name!r} must give its schedule")
        e = expr.xreplace(numbers)  # numbers for symbols: subs' pattern matching is 10-20x slower here
        if e.free_symbols == {SYMBOLS["k"]}:
            fn = sp.lambdify(SYMBOLS["k"], e)
            out[name] = _Schedule(fn, sp.sstr(expr))
        elif e.free_symbols:
            raise ValueError(f"{setting.bound_id}: hyperparameter {name} = {expr} needs {e.free_symbols}")
        else:
            out[name] = int(e) if e.is_integer else float(e)  # a count (batch_size, inner_steps) stays an int
    return out


class _Schedule:
    """A schedule k -> value with a readable repr (it shows up in counterexamples)."""

    def __init__(self, fn: Callable[[int], float], text: str) -> None:
        self._fn, self.text = fn, text

    def __call__(self, k: int) -> float:
        return float(self._fn(k))

    def __repr__(self) -> str:
        return self.text


def hp_repr(hp: dict[str, Any]) -> dict[str, Any]:
    return {k: (v if isinstance(v, int | float) else repr(v)) for k, v in hp.items()}
