"""PEP for Kim & Fessler's optimized gradient method (ogm.convex), in the style of builders.py.

Mirrors PEPit's `wc_optimized_gradient` (unconstrained_convex_minimization): convex L-smooth f, ||x_0 - x*|| <= R,
N steps with the last-step theta rule, metric f(y_N) - f*. Steps h/L (h = 1 is OGM's) serve the step-size sweep;
the theta schedule is OGM's whatever h.
"""

from __future__ import annotations

import math

from PEPit import PEP
from PEPit.functions import SmoothConvexFunction

from .builders import _start


def ogm_theta(k: int, last: bool = True) -> list[float]:
    """theta_0 .. theta_k (theta_0 = 1); the last one by the last-step rule unless last=False."""
    theta = [1.0]
    for j in range(k):
        c = 8.0 if last and j + 1 == k else 4.0
        theta.append((1 + math.sqrt(1 + c * theta[-1] ** 2)) / 2)
    return theta


def ogm_convex(L: float, R: float, k: int, h: float = 1.0, last: bool = True) -> PEP:
    """OGM with step h/L on convex L-smooth functions; metric f(y_k) - f*.

    last=False runs the regular rule throughout: y_k is then an intermediate iterate of a longer run.
    """
    theta = ogm_theta(k, last)
    problem = PEP()
    func = problem.declare_function(SmoothConvexFunction, L=L)
    xs, x0 = _start(problem, func, R)
    x, y = x0, x0
    for j in range(k):
        x_prev, x = x, y - h / L * func.gradient(y)
        y = x + (theta[j] - 1) / theta[j + 1] * (x - x_prev) + theta[j] / theta[j + 1] * (x - y)
    problem.set_performance_metric(func(y) - func(xs))
    return problem
