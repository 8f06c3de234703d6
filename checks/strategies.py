"""Hypothesis strategies: random convex problems with exactly known constants, plus where to start.

Composable and shrinkable: sizes, conditioning and seeds are drawn, so a failure shrinks towards a small,
well-conditioned instance. `instances(setting)` is what the checks use; the families are public too:

    quadratic_instances()        spectrum in [mu, L], kappa up to 1e4, extreme-eigenvector starts
    logistic_instances()         L2-regularised logistic regression (strongly convex, not quadratic)
    strongly_convex_instances()  one of the two above
    convex_instances()           rank-deficient quadratics / least squares (mu = 0)
    noisy_instances()            quadratics with Gaussian gradient noise of exactly known variance
    finite_sum_instances()       least-squares sums whose components disagree (variance-reduced methods)
    nonconvex_instances()        nonconvex finite sums with exact L, a proven f_low and variance bound (no x*)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import reject
from hypothesis import strategies as st

from ..implementations.problems import (
    Problem,
    cauchy_regression,
    least_squares_rank_deficient,
    least_squares_spread,
    logistic,
    logistic_nonconvex,
    noisy_quadratic,
    quadratic,
    quadratic_spectrum,
    random_nonconvex,
    worst_case_start,
)
from ..methods import Instance, Setting

seeds = st.integers(0, 2**32 - 1)


def _start(draw: Any, problem: Problem, starts: tuple[str, ...]) -> tuple[np.ndarray, str]:
    radius = 10 ** draw(st.floats(-1, 1))
    start = draw(st.sampled_from(starts)) if problem.hessian is not None else "random"
    if start != "random":
        return worst_case_start(problem, start, radius), start
    v = np.random.default_rng(draw(seeds)).standard_normal(problem.d)
    return problem.x_star + radius * v / np.linalg.norm(v), start


@st.composite
def quadratic_instances(draw: Any, max_d: int = 6, max_log10_kappa: float = 4.0,
                        starts: tuple[str, ...] = ("min", "max", "both", "random")) -> Instance:
    d = draw(st.integers(1, max_d))
    mu = 10 ** draw(st.floats(-2, 1))
    kappa = 1.0 if d == 1 else 10 ** draw(st.floats(0, max_log10_kappa))
    kind = draw(st.sampled_from(["linear", "uniform", "geometric", "extremes"]))
    problem = quadratic_spectrum(d, mu, mu * kappa, draw(seeds), kind)
    x0, start = _start(draw, problem, starts)
    return Instance(problem, x0, start)


@st.composite
def logistic_instances(draw: Any, max_d: int = 5, max_n: int = 40) -> Instance:
    d = draw(st.integers(1, max_d))
    n = draw(st.integers(max(2, d), max_n))
    problem = logistic(n, d, 10 ** draw(st.floats(-3, 0)), draw(seeds), scale=10 ** draw(st.floats(-0.5, 1)))
    x0, start = _start(draw, problem, ("random",))
    return Instance(problem, x0, start)


def strongly_convex_instances() -> st.SearchStrategy[Instance]:
    return st.one_of(quadratic_instances(), logistic_instances())


@st.composite
def convex_instances(draw: Any, max_d: int = 6) -> Instance:
    d = draw(st.integers(2, max_d))
    rank = draw(st.integers(1, d - 1))
    if draw(st.booleans()):
        lam = np.zeros(d)
        lam[:rank] = 10 ** np.array(draw(st.lists(st.floats(-3, 1), min_size=rank, max_size=rank)))
        problem = quadratic(lam, draw(seeds), name=f"quadratic[d={d}, rank={rank}]")
        x0, start = _start(draw, problem, ("max", "random"))
    else:
        n = draw(st.integers(rank, 3 * d))
        problem = least_squares_rank_deficient(n, d, rank, draw(seeds), spectrum=(0.01, 1.0))
        x0, start = _start(draw, problem, ("random",))
    return Instance(problem, x0, start)


@st.composite
def noisy_instances(draw: Any, max_d: int = 4, max_kappa: float = 10.0, finite: bool = False) -> Instance:
    """finite=False: fresh Gaussian noise per call, so a correct SGD's iterates are Gaussian (the
    statistical test relies on it). finite=True: a true finite sum of n components (sampling matters)."""
    d = draw(st.integers(1, max_d))
    mu = 10 ** draw(st.floats(-1, 0.5))
    kappa = 1.0 if d == 1 else draw(st.floats(1.0, max_kappa))
    sigma2 = 10 ** draw(st.floats(-2, 0))
    n = draw(st.integers(4, 32)) if finite else None
    problem = noisy_quadratic(d, mu, mu * kappa, sigma2, draw(seeds), n=n)
    x0, start = _start(draw, problem, ("min", "random"))
    return Instance(problem, x0, start, seed=draw(seeds))


@st.composite
def finite_sum_instances(draw: Any, max_d: int = 2) -> Instance:
    """Strongly convex least-squares sums with components in different directions, L_max/mu about 2d."""
    d = draw(st.integers(1, max_d))
    problem = least_squares_spread(draw(st.integers(max(4, 2 * d), 16)), d, draw(seeds),
                                   noise=10 ** draw(st.floats(-1.5, 0)))
    x0, start = _start(draw, problem, ("random",))
    return Instance(problem, x0, start, seed=draw(seeds))


@st.composite
def nonconvex_instances(draw: Any, max_d: int = 4) -> Instance:
    """One of: a random nonconvex sum (exact L, mu, f_low and variance; depth 1e-3 is nearly the quadratic
    L/2 ||x||^2, depth 10 has wells deep enough for several stationary points), logistic regression with the
    nonconvex regulariser (L exact at 0), or Cauchy robust regression with outliers (L an upper bound).
    x0 at distance 10^-1 .. 10^1 from the origin, where the wells and the regulariser's bend lie."""
    kind = draw(st.sampled_from(["random", "logistic", "cauchy"]))
    d = draw(st.integers(1, max_d))
    if kind == "random":
        sigma = draw(st.sampled_from([0.0, 10 ** draw(st.floats(-2, 0.5))]))
        problem = random_nonconvex(d, draw(st.integers(4, 16)), draw(seeds), L=10 ** draw(st.floats(-1, 1)),
                                   depth=10 ** draw(st.floats(-3, 1)), sigma=sigma)
    elif kind == "logistic":
        problem = logistic_nonconvex(draw(st.integers(max(4, d), 32)), d, 10 ** draw(st.floats(-2, 0.5)),
                                     draw(seeds), scale=10 ** draw(st.floats(-0.5, 1)))
    else:
        problem = cauchy_regression(draw(st.integers(max(4, d), 32)), d, draw(seeds),
                                    outliers=draw(st.sampled_from([0.0, 0.2])))
    v = np.random.default_rng(draw(seeds)).standard_normal(problem.d)
    return Instance(problem, 10 ** draw(st.floats(-1, 1)) * v / np.linalg.norm(v), "random", seed=draw(seeds))


FAMILIES = {
    "quadratic": quadratic_instances,
    "strongly_convex": strongly_convex_instances,
    "convex": convex_instances,
    "noisy": noisy_instances,
    "finite_sum": finite_sum_instances,
    "nonconvex": nonconvex_instances,
}


@st.composite
def instances(draw: Any, setting: Setting, finite: bool = False, bound: bool = True) -> Instance:
    """An instance of the setting's family with the free hyperparameters its bound leaves open
    (finite=True: SGD problems as true finite sums, for the sampling and reproducibility checks; bound=False: for
    a property that does not measure against the bound, so problems the bound does not cover are kept)."""
    inst = draw(noisy_instances(finite=True) if finite and setting.family == "noisy" else FAMILIES[setting.family]())
    if bound and setting.covers is not None and not setting.covers(inst.problem):
        reject()
    inst.drawn.update(setting.free(draw, inst.problem))
    return inst


__all__ = ["FAMILIES", "Instance", "convex_instances", "finite_sum_instances", "instances", "logistic_instances",
           "noisy_instances", "nonconvex_instances", "quadratic_instances", "strongly_convex_instances"]
