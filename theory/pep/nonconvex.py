"""PEP of gradient descent on L-smooth, possibly nonconvex functions bounded below (gd.nonconvex).

Imports PEPit at the top, like `builders`: only the certification code path imports this module.
"""

from __future__ import annotations

from PEPit import PEP, Expression
from PEPit.functions import SmoothFunction

from .builders import PepSolveError, solve

__all__ = ["PepSolveError", "gd_nonconvex", "solve"]


def gd_nonconvex(L: float, Delta0: float, k: int, h: float = 1.0) -> PEP:
    """GD with step h/L on L-smooth f with f(x_0) - f_low <= Delta0; metric min_{i<=k} ||grad f(x_i)||^2.

    Mirrors PEPit's `wc_gradient_descent` (nonconvex_optimization), which normalises f(x_0) - f(x_k) instead.
    f_low is a free scalar with f(x_i) - ||grad f(x_i)||^2/(2L) >= f_low at every iterate: a necessary
    condition (f >= f_low at x_i - grad f(x_i)/L, where L-smoothness puts f at most that value), so the PEP
    is a relaxation of "f bounded below by f_low" and its value an upper bound on the true worst case. For
    h <= 1 it equals the exact worst case 4 L Delta0 / (3k + 2) at h = 1 (Abbaszadehpeivasti, de Klerk &
    Zamani 2022, Thm 2; attained by a 1-D function, so the relaxation loses nothing there).
    """
    problem = PEP()
    func = problem.declare_function(SmoothFunction, L=L)
    f_low = Expression()
    x = problem.set_initial_point()
    g, fx = func.oracle(x)
    problem.set_initial_condition(fx - f_low <= Delta0)
    for i in range(k + 1):
        if i:
            x = x - h / L * g
            g, fx = func.oracle(x)
        problem.add_constraint(fx - g**2 / (2 * L) >= f_low)
        problem.set_performance_metric(g**2)  # several metrics: PEPit bounds their minimum
    return problem
