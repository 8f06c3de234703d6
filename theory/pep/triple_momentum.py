"""PEP for Van Scoy, Freeman & Lynch's triple momentum method, in the style of builders.py.

Mirrors PEPit's `wc_triple_momentum` (unconstrained_convex_minimization): mu-strongly convex L-smooth f,
||x_0 - x*|| <= R, xi_{-1} = xi_0 = x_0, k steps with the paper's parameters. Metric: f(x_k) - f* on the output
x_k = (1 + delta) xi_k - delta xi_{k-1} (triple_momentum.strongly_convex), or ||xi_k - x*||^2 on the state
(triple_momentum.iterates, compared with the bound squared).
"""

from __future__ import annotations

import math
from typing import Literal

from PEPit import PEP
from PEPit.functions import SmoothStronglyConvexFunction

from .builders import _start


def tm_parameters(L: float, mu: float) -> tuple[float, float, float, float]:
    """(alpha, beta, gamma, delta) for rho = 1 - sqrt(mu/L)."""
    rho = 1 - math.sqrt(mu / L)
    return (1 + rho) / L, rho**2 / (2 - rho), rho**2 / ((1 + rho) * (2 - rho)), rho**2 / (1 - rho**2)


def triple_momentum(L: float, mu: float, R: float, k: int, metric: Literal["output_gap", "state_dist"]) -> PEP:
    """Triple momentum on mu-strongly convex L-smooth functions, k steps; metric as named."""
    alpha, beta, gamma, delta = tm_parameters(L, mu)
    problem = PEP()
    func = problem.declare_function(SmoothStronglyConvexFunction, mu=mu, L=L)
    xs, x0 = _start(problem, func, R)
    xi, xi_prev = x0, x0
    for _ in range(k):
        y = (1 + gamma) * xi - gamma * xi_prev
        xi, xi_prev = (1 + beta) * xi - beta * xi_prev - alpha * func.gradient(y), xi
    if metric == "output_gap":
        x = (1 + delta) * xi - delta * xi_prev
        problem.set_performance_metric(func(x) - func(xs))
    else:
        problem.set_performance_metric((xi - xs) ** 2)
    return problem
