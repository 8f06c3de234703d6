"""Nesterov's accelerated gradient, gradient-step sequence x_{k+1} = y_k - (1/L) grad f(y_k),
y_{k+1} = x_{k+1} + b_k (x_{k+1} - x_k), y_0 = x_0.

nesterov.convex          FISTA momentum b_k = (t_{k+1} - 1)/t_{k+2}, t_1 = 1:  f(x_k) - f* <= 2 L R^2/(k+1)^2.
nesterov.strongly_convex constant b = (sqrt L - sqrt mu)/(sqrt L + sqrt mu):
                         f(x_k) - f* <= (1 - sqrt(mu/L))^k (Delta0 + mu R^2/2).
"""

from __future__ import annotations

import sympy as sp

from .bound import STEP_NOTE, Bound, Step
from .solve import solve_k
from .symbols import Delta0, L, R, eps, k, mu

t, z, lam = sp.Symbol("t", positive=True), sp.Symbol("z"), sp.Symbol("lambda", positive=True)

FISTA_SCHEDULE = "b_k = (t_{k+1} - 1)/t_{k+2}, t_1 = 1, t_{j+1} = (1 + sqrt(1 + 4 t_j^2))/2 (so b_0 = 0)"


def nesterov_convex() -> Bound:
    t_next = (1 + sp.sqrt(1 + 4 * t**2)) / 2
    identity = sp.simplify(sp.expand(t_next**2 - t_next - t**2))  # = 0: t_{j+1}^2 - t_{j+1} = t_j^2
    growth = sp.simplify(t_next - t - sp.Rational(1, 2))  # >= 0 since 1 + 4t^2 > (2t)^2
    margin = sp.expand((1 + 4 * t**2) - (2 * t) ** 2)
    lyapunov = L * R**2 / (2 * t**2)
    expr = sp.simplify(lyapunov.subs(t, (k + 1) / 2))
    return Bound(
        id="nesterov.convex",
        title="Nesterov / FISTA momentum, convex",
        quantity="gap",
        expr=expr,
        iterations=solve_k(expr, eps),
        hyperparameters={"lr": 1 / L, "momentum": FISTA_SCHEDULE},
        assumptions=("f convex and L-smooth, with a minimiser x*", "step 1/L", "y_0 = x_0"),
        notes=(STEP_NOTE,),
        tight=False,
        source="Beck & Teboulle (2009), SIAM J. Imaging Sci. 2(1), Lemma 4.1 and Thm 4.4 (FISTA, constant step)",
        derivation=(
            Step("The schedule t_{j+1} = (1 + sqrt(1 + 4 t_j^2))/2 satisfies t_{j+1}^2 - t_{j+1} - t_j^2 =",
                 identity),
            Step("which makes t_k^2 (f(x_k) - f*) + L/2 ||t_k x_k - (t_k - 1) x_{k-1} - x*||^2 non-increasing "
                 "(Beck & Teboulle, Lemma 4.1); with t_1 = 1 it gives f(x_k) - f* <=", lyapunov),
            Step("t_{j+1} - t_j - 1/2 = (sqrt(1 + 4 t_j^2) - 2 t_j)/2 =", growth),
            Step("which is positive because 1 + 4 t^2 - (2t)^2 =", margin),
            Step("hence t_k >= (k + 1)/2 by induction, and substituting:", expr),
            Step("Solving for k: k(eps) =", solve_k(expr, eps)),
        ),
    )


def nesterov_strongly_convex() -> Bound:
    rho = 1 - sp.sqrt(mu / L)
    b_const = (sp.sqrt(L) - sp.sqrt(mu)) / (sp.sqrt(L) + sp.sqrt(mu))
    phi0 = Delta0 + mu * R**2 / 2
    a = sp.Function("Phi")
    solved = sp.rsolve(a(k + 1) - rho * a(k), a(k), {a(0): phi0})
    T = sp.Matrix([[(1 + b_const) * (1 - lam / L), -b_const * (1 - lam / L)], [1, 0]])
    charpoly_mu = T.charpoly(z).as_expr().subs(lam, mu)
    assert sp.simplify(charpoly_mu - (z - rho) ** 2) == 0  # double root rho at lambda = mu
    charpoly_mu = (z - rho) ** 2
    expr = solved
    return Bound(
        id="nesterov.strongly_convex",
        title="Nesterov, constant momentum, strongly convex",
        quantity="gap",
        expr=expr,
        iterations=solve_k(expr, eps),
        hyperparameters={"lr": 1 / L, "momentum": b_const},
        assumptions=("f mu-strongly convex and L-smooth", "step 1/L", "y_0 = x_0"),
        tight=False,
        source="Nesterov (2004), Introductory Lectures on Convex Optimization, Thm 2.2.3 with gamma_0 = mu "
        "(Constant Step Scheme III); Nesterov (2018), Lectures on Convex Optimization, Thm 2.2.3",
        derivation=(
            Step("Estimate sequence with gamma_0 = mu: Phi_k = f(x_k) - f* + mu/2 ||v_k - x*||^2 obeys "
                 "Phi_{k+1} <= (1 - sqrt(mu/L)) Phi_k, starting from", phi0),
            Step("Solving the recursion (rsolve):", solved),
            Step("f(x_k) - f* <= Phi_k, so", expr),
            Step("Cross-check on quadratics: at lambda = mu the 2x2 iteration matrix has the double root "
                 "1 - sqrt(mu/L); its characteristic polynomial there is", charpoly_mu),
            Step("Solving for k: k(eps) =", solve_k(expr, eps)),
        ),
        derived={"rate": rho},
        notes=("Delta0 <= L R^2/2, so the bound is at most (L + mu)/2 R^2 (1 - sqrt(mu/L))^k.", STEP_NOTE),
    )


BOUNDS = (nesterov_convex, nesterov_strongly_convex)
