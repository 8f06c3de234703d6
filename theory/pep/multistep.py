"""PEP for a user's multistep method (methods.multistep), built generically from its coefficients at one (L, mu):

    x_{k+1} = sum_j x[j] x_{k-j} - h grad f(y_k),   y_k = sum_j y[j] x_{k-j},   x_{-j} = x_0

on L-smooth mu-strongly convex f with ||x_0 - x*|| <= 1; metric ||o_k - x*||^2 with o_k = sum_j o[j] x_{k-j}
(the output; default x_k). PEPit's value is the exact worst case of that ratio after k steps.
"""

from __future__ import annotations

from PEPit import PEP
from PEPit.functions import SmoothStronglyConvexFunction

from ..multistep import Numeric
from .builders import _start, solve


def multistep(num: Numeric, L: float, mu: float, k: int, output: tuple[float, ...] | None = None) -> PEP:
    """The PEP of k steps; output defaults to the method's own output coefficients."""
    problem = PEP()
    func = problem.declare_function(SmoothStronglyConvexFunction, mu=mu, L=L)
    xs, x0 = _start(problem, func, 1.0)
    hist = [x0] * num.n  # hist[j] = x_{k-j}
    for _ in range(k):
        y = _combine(num.y, hist)
        hist = [_combine(num.x, hist) - num.step * func.gradient(y), *hist[:-1]]
    o = _combine(output if output is not None else num.output, hist)
    problem.set_performance_metric((o - xs) ** 2)
    return problem


def _combine(coeffs: tuple[float, ...], hist: list) -> object:
    terms = [c * v for c, v in zip(coeffs, hist, strict=False) if c != 0]
    out = terms[0]
    for t in terms[1:]:
        out = out + t
    return out


def worst_cases(num: Numeric, L: float, mu: float, ks: range, output: tuple[float, ...] | None = None
                ) -> list[tuple[int, float]]:
    """[(k, worst ||o_k - x*||^2 / ||x_0 - x*||^2)] for k in ks (Clarabel, with builders.solve's retries)."""
    return [(k, solve(multistep(num, L, mu, k, output))[0]) for k in ks]
