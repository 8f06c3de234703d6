"""Nesterov's lower bounds: no first-order method (x_k in x_0 + span of past gradients) does better.

lower.convex           f(x_k) - f* >= 3 L R^2 / (32 (k+1)^2)   for 1 <= k <= (d - 1)/2
lower.strongly_convex  ||x_k - x*|| >= q^k R, q = (sqrt L - sqrt mu)/(sqrt L + sqrt mu)   (d = infinity)
"""

from __future__ import annotations

import sympy as sp

from .bound import Bound, Step
from .solve import solve_k
from .symbols import L, R, eps, k, mu

i = sp.Symbol("i", integer=True, positive=True)
qs = sp.Symbol("q", positive=True)


def lower_convex() -> Bound:
    # Worst function in R^d, d >= 2k+1: f(x) = L/4 (1/2 x^T A_{2k+1} x - x_1), A tridiagonal (2, -1).
    # Its minimiser over the first m coordinates is x_i = 1 - i/(m+1), with value L/8 (-1 + 1/(m+1)).
    m = sp.Symbol("m", integer=True, positive=True)
    fstar_m = L / 8 * (-1 + 1 / (m + 1))
    gap = sp.simplify(fstar_m.subs(m, k) - fstar_m.subs(m, 2 * k + 1))
    r_sq = sp.simplify(sp.summation((1 - i / (2 * k + 2)) ** 2, (i, 1, 2 * k + 1)))
    # r_sq <= (2k + 2)/3, which turns the gap into the bound below:
    r_sq_upper = (2 * k + 2) / 3
    slack = sp.simplify(r_sq_upper - r_sq)
    expr = sp.simplify(gap * R**2 / r_sq_upper)
    return Bound(
        id="lower.convex",
        title="Lower bound, convex L-smooth",
        quantity="gap",
        direction="lower",
        expr=expr,
        iterations=solve_k(expr, eps),
        k_min=1,
        validity="1 <= k <= (d - 1)/2, i.e. dimension d >= 2k + 1",
        assumptions=(
            "any first-order method: x_k in x_0 + span{grad f(x_0), ..., grad f(x_{k-1})}",
            "worst case over convex, L-smooth f on R^d",
        ),
        source="Nesterov (2018), Lectures on Convex Optimization, Thm 2.1.7 (also 2004 ed., Thm 2.1.7)",
        derivation=(
            Step("Worst function f(x) = L/4 (x^T A x / 2 - x_1), A the (2k+1)x(2k+1) tridiagonal (2, -1) "
                 "matrix; its minimum over the first m coordinates is", fstar_m),
            Step("x_k can only touch the first k coordinates, so f(x_k) - f* >= f*_k - f*_{2k+1} =", gap),
            Step("x_0 = 0 and R^2 = ||x*||^2 with x*_i = 1 - i/(2k+2):", r_sq),
            Step("which is at most (2k+2)/3 (the slack is non-negative):", slack),
            Step("so f(x_k) - f* >= gap * R^2 / ((2k+2)/3) =", expr),
            Step("No first-order method can guarantee eps before k(eps) =", solve_k(expr, eps)),
        ),
        derived={"dist_sq_lower": R**2 / 8},
        notes=("The same instance gives ||x_k - x*||^2 >= R^2/8 (Thm 2.1.7).",),
    )


def lower_strongly_convex() -> Bound:
    kap = sp.Symbol("kappa", positive=True)
    # Worst function on l2: (L-mu)/8 (x_1^2 + sum (x_i - x_{i+1})^2 - 2 x_1) + mu/2 ||x||^2.
    # Interior optimality: -x_{i-1} + 2 x_i - x_{i+1} + 4/(kappa-1) x_i = 0, tried with x_i = q^i:
    char = sp.expand(-1 + (2 + 4 / (kap - 1)) * qs - qs**2)
    roots = sp.solve(char, qs)
    q_kappa = [r for r in roots if r.subs(kap, 4) < 1]
    assert len(q_kappa) == 1
    q_expr = sp.simplify(q_kappa[0])
    q_target = (sp.sqrt(kap) - 1) / (sp.sqrt(kap) + 1)
    assert sp.simplify(q_expr - q_target) == 0
    q = (sp.sqrt(L) - sp.sqrt(mu)) / (sp.sqrt(L) + sp.sqrt(mu))
    tail = sp.summation(qs ** (2 * i), (i, k + 1, sp.oo))
    total = sp.summation(qs ** (2 * i), (i, 1, sp.oo))
    ratio = sp.simplify(tail / total)
    if isinstance(ratio, sp.Piecewise):  # SymPy keeps the q < 1 case apart; q < 1 here
        ratio = ratio.args[0][0]
    expr = R * q**k
    return Bound(
        id="lower.strongly_convex",
        title="Lower bound, strongly convex",
        quantity="dist",
        direction="lower",
        expr=expr,
        iterations=solve_k(expr, eps),
        validity="d = infinity (the worst function lives in l2); a d-dimensional truncation satisfies it "
        "approximately for k well below d",
        assumptions=(
            "any first-order method: x_k in x_0 + span{grad f(x_0), ..., grad f(x_{k-1})}",
            "worst case over mu-strongly convex, L-smooth f",
        ),
        source="Nesterov (2018), Lectures on Convex Optimization, Thm 2.1.13 (also 2004 ed., Thm 2.1.13)",
        derivation=(
            Step("Worst function on l2: (L - mu)/8 (x_1^2 + sum (x_i - x_{i+1})^2 - 2 x_1) + mu/2 ||x||^2. "
                 "With x*_i = q^i the optimality condition becomes (kappa = L/mu)", sp.Eq(char, 0)),
            Step("Its root below 1:", q_expr),
            Step("x_0 = 0 and x_k lives in the first k coordinates, so ||x_k - x*||^2 >= sum_{i>k} q^(2i), "
                 "a fraction of R^2 = sum_i q^(2i) equal to", ratio),
            Step("hence ||x_k - x*|| >= q^k R:", expr),
            Step("No first-order method can guarantee eps before k(eps) =", solve_k(expr, eps)),
        ),
        derived={"q": q, "gap_lower": mu / 2 * q ** (2 * k) * R**2},
    )


BOUNDS = (lower_convex, lower_strongly_convex)
