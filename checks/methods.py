"""What each method is checked against: its settings (a bound from the theory registry, the problem family
it holds on, the hyperparameters the theory prescribes) and how the teaching-form function is called.

    gd          gradient_descent(grad, x0, lr, steps)
    heavy-ball  heavy_ball(grad, x0, lr, momentum, steps)
    nesterov    nesterov(grad, x0, lr, momentum, steps)
    sgd         sgd(grad_i, n, x0, lr, steps, rng, batch_size=1)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from ..implementations import fista_momentum
from ..implementations.problems import Problem
from ..theory import SYMBOLS, Bound, get

METHODS = ("gd", "heavy-ball", "nesterov", "sgd")
STOCHASTIC = {"sgd"}


@dataclass(frozen=True)
class Setting:
    """One bound a method must respect, on one problem family."""

    method: str
    name: str
    bound_id: str
    family: str  # strategy family in checks.strategies: quadratic | strongly_convex | convex | noisy

    @property
    def bound(self) -> Bound:
        return get(self.bound_id)


SETTINGS: dict[str, tuple[Setting, ...]] = {
    "gd": (
        Setting("gd", "quadratic", "gd.quadratic", "quadratic"),
        Setting("gd", "strongly_convex", "gd.strongly_convex", "strongly_convex"),
        Setting("gd", "convex", "gd.convex", "convex"),
    ),
    "heavy-ball": (Setting("heavy-ball", "quadratic", "heavy_ball.quadratic", "quadratic"),),
    "nesterov": (
        Setting("nesterov", "convex", "nesterov.convex", "convex"),
        Setting("nesterov", "strongly_convex", "nesterov.strongly_convex", "strongly_convex"),
    ),
    "sgd": (
        Setting("sgd", "constant", "sgd.constant", "noisy"),
        Setting("sgd", "decreasing", "sgd.decreasing", "noisy"),
        Setting("sgd", "minibatch", "sgd.minibatch", "noisy"),
    ),
}


def settings_for(method: str) -> tuple[Setting, ...]:
    if method not in SETTINGS:
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    return SETTINGS[method]


def problem_values(problem: Problem, x0: np.ndarray, x_star: np.ndarray) -> dict[str, float]:
    """The catalogue symbols a problem instance fixes: L, mu, R, Delta0, sigma."""
    return {
        "L": problem.L,
        "mu": problem.mu,
        "R": float(np.linalg.norm(x0 - x_star)),
        "Delta0": max(problem.f(x0) - problem.f_star, 0.0),
        "sigma": float(np.sqrt(problem.sigma2_star)),
    }


def prescribed(setting: Setting, problem: Problem, drawn: dict[str, float]) -> dict[str, Any]:
    """The hyperparameters the theory prescribes for this instance, as numbers or schedules k -> value.

    `drawn` supplies the free ones a bound leaves to the user (eta for gd.quadratic / sgd.constant,
    b for sgd.minibatch).
    """
    values = {SYMBOLS["L"]: problem.L, SYMBOLS["mu"]: problem.mu}
    values.update({SYMBOLS[k]: v for k, v in drawn.items()})
    out: dict[str, Any] = {}
    for name, expr in setting.bound.hyperparameters.items():
        if isinstance(expr, str):  # the FISTA schedule is stated in words; implementations has it
            assert setting.bound_id == "nesterov.convex" and name == "momentum"
            out[name] = fista_momentum()
            continue
        e = expr.subs(values)
        if e.free_symbols == {SYMBOLS["k"]}:
            fn = sp.lambdify(SYMBOLS["k"], e)
            out[name] = _Schedule(fn, sp.sstr(expr))
        elif e.free_symbols:
            raise ValueError(f"{setting.bound_id}: hyperparameter {name} = {expr} needs {e.free_symbols}")
        else:
            out[name] = int(e) if name == "batch_size" else float(e)
    return out


class _Schedule:
    """A schedule k -> value with a readable repr (it shows up in counterexamples)."""

    def __init__(self, fn: Callable[[int], float], text: str) -> None:
        self._fn, self.text = fn, text

    def __call__(self, k: int) -> float:
        return float(self._fn(k))

    def __repr__(self) -> str:
        return self.text


def call(method: str, optimizer: Callable[..., Any], oracle: Any, x0: np.ndarray, hp: dict[str, Any],
         steps: int, rng: np.random.Generator | None) -> Any:
    """Call a teaching-form optimizer with the oracle's callables and the prescribed hyperparameters."""
    if method == "gd":
        return optimizer(oracle.grad, x0, hp["lr"], steps)
    if method in ("heavy-ball", "nesterov"):
        return optimizer(oracle.grad, x0, hp["lr"], hp["momentum"], steps)
    if method == "sgd":
        return optimizer(oracle.grad_i, oracle.n, x0, hp["lr"], steps, rng, batch_size=hp.get("batch_size", 1))
    raise ValueError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")


def hp_repr(hp: dict[str, Any]) -> dict[str, Any]:
    return {k: (v if isinstance(v, int | float) else repr(v)) for k, v in hp.items()}
