"""Building blocks several method files share: how oracle queries group into steps, the oracle budget of a
run, the instances a bound is tight on, and the wording of conformance failures."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ._method import Budget, Grouping, Instance

if TYPE_CHECKING:
    from ..implementations.oracles import Query

# Conformance messages (str.format fields {k}, {k1}, {got}, {want}; see Prediction).
GRADIENT_AT = "step {{k}}: the gradient was queried at {{got}}, but the rule queries it at {where} = {{want}}"
NOT_THE_UPDATE = ("step {{k}}: x_{{k1}} = {{got}} does not follow the {method} update from the oracle's answer "
                  "(expected {{want}})")


# ---- grouping the oracle log into steps ----------------------------------------------------------------------
def one_query_per_step(kind: str = "grad") -> Grouping:
    """Step k made exactly the k-th query of `kind` (a deterministic method: one gradient per step)."""

    def group(log: Sequence[Query], hp: Mapping[str, Any], steps: int) -> tuple[list[list[Query]], Any]:
        queries = [q for q in log if q.kind == kind]
        if len(queries) != steps:
            return [], (-1, f"expected one gradient query per step ({steps}), the log has {len(queries)}")
        return [[q] for q in queries], None

    return group


def component_batches(log: Sequence[Query], hp: Mapping[str, Any], steps: int) -> tuple[list[list[Query]], Any]:
    """Step k made the grad_i queries whose indices add up to batch_size (in one call or several)."""
    b = hp.get("batch_size", 1)
    queries = [q for q in log if q.kind == "grad_i"]
    out: list[list[Query]] = []
    i = 0
    for k in range(steps):
        got, step = 0, []
        while got < b and i < len(queries):
            step.append(queries[i])
            got += len(queries[i].idx)
            i += 1
        out.append(step)
        if got != b:
            return out, (k, f"step {k}: expected {b} component gradients, got {got}")
    return out, None


def component_indices(log: Sequence[Query]) -> np.ndarray:
    """Every index of every grad_i query: the draws of a method that queries each drawn index once (SGD)."""
    idx = [q.idx for q in log if q.kind == "grad_i"]
    return np.concatenate(idx) if idx else np.zeros(0, dtype=int)


# ---- oracle budgets (the discipline property) ------------------------------------------------------------
def one_gradient_per_step(name: str) -> Budget:
    def budget(c: Mapping[str, float], hp: Mapping[str, Any], steps: int) -> str | None:
        if c["full_gradients"] != steps or c["component_gradients"]:
            return (f"{name} called the gradient {c['full_gradients']} times in {steps} steps; "
                    f"expected exactly one gradient per step ({steps})")
        return None

    return budget


def batch_per_step(c: Mapping[str, float], hp: Mapping[str, Any], steps: int) -> str | None:
    b = hp.get("batch_size", 1)
    if c["full_gradients"] or c["component_gradients"] != steps * b:
        return (f"SGD used {c['component_gradients']} component gradients (in {steps} steps with batch_size="
                f"{b}, expected exactly {steps * b}) and {c['full_gradients']} full gradients (expected 0)")
    return None


# ---- instances a bound is tight on ---------------------------------------------------------------------------
def along_eigenvector(which: str, step: Callable[[float], dict[str, float]] | None = None
                      ) -> Callable[[], list[Instance]]:
    """2-D quadratics with kappa 10 and 100, x0 - x* along the extreme eigenvector(s) `which` (min | max |
    both); step(kappa) gives the drawn hyperparameters for such an instance (e.g. eta = 2/(mu + L))."""

    def tight() -> list[Instance]:
        from ..implementations.problems import quadratic_worst_case

        out = []
        for kappa in (10.0, 100.0):
            problem, x0 = quadratic_worst_case(2, 1.0, kappa, 0, which=which)
            out.append(Instance(problem, x0, which, drawn=dict(step(kappa)) if step else {}))
        return out

    return tight


def convex_worst() -> list[Instance]:
    """A rank-deficient quadratic with a slow direction, and Nesterov's worst function at d = 41."""
    from ..implementations.problems import nesterov_worst_case, quadratic

    problem = quadratic(np.array([1.0, 0.01, 0.0]), 0, name="quadratic[d=3, rank=2]")
    worst = nesterov_worst_case(41, 1.0)
    return [Instance(problem, problem.x_star + np.array([1.0, 1.0, 1.0]), "random"),
            Instance(worst, np.zeros(41), "zero")]


def additive_noise(drawn: Mapping[str, Any] | None = None) -> Callable[[], list[Instance]]:
    """1-D f = mu/2 x^2 with additive noise: the constant-step SGD bound holds with equality."""

    def tight() -> list[Instance]:
        from ..implementations.problems import noisy_quadratic

        problem = noisy_quadratic(1, 1.0, 1.0, 0.5, 0, n=None)
        return [Instance(problem, problem.x_star + 1.0, "random", drawn=dict(drawn or {}), seed=1)]

    return tight


def nonconvex_worst() -> list[Instance]:
    """gd.nonconvex's exact worst case (1-D, 100 steps of 1/L from 0: the bound is 3/2 above it), and a nearly
    quadratic random sum (curvature L everywhere up to 1e-3), where a step above 2/L makes the gradient grow."""
    from ..implementations.problems import gd_nonconvex_worst_case, random_nonconvex

    worst = gd_nonconvex_worst_case(1.0, 1.0, 100)
    bowl = random_nonconvex(2, 1, 0, L=1.0, depth=1e-3)
    return [Instance(worst, np.zeros(1), "zero"), Instance(bowl, np.array([1.0, -1.0]), "random")]


def noisy_nonconvex(*drawn: Mapping[str, Any]) -> Callable[[], list[Instance]]:
    """1-D nearly quadratic f = y^2/2 (depth 1e-3) with component noise of variance exactly 1, x0 = 0 at its bottom
    (Delta0 < 1e-3), once per dict of drawn hyperparameters: the noise decides, and sgd.nonconvex's noise floor is
    attained."""

    def tight() -> list[Instance]:
        from ..implementations.problems import random_nonconvex

        problem = random_nonconvex(1, 16, 0, L=1.0, depth=1e-3, sigma=1.0)
        return [Instance(problem, np.zeros(1), "zero", drawn=dict(d), seed=1) for d in drawn]

    return tight
