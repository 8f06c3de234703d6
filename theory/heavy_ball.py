"""Polyak's heavy ball on quadratics: x_{k+1} = x_k - alpha grad f(x_k) + beta (x_k - x_{k-1}), x_{-1} = x_0.

heavy_ball.quadratic  with Polyak's alpha = 4/(sqrt L + sqrt mu)^2, beta = q^2,
                      q = (sqrt L - sqrt mu)/(sqrt L + sqrt mu):
                      ||x_k - x*|| <= (1 + (1 + q) k) q^k R for EVERY k, attained when x_0 - x* is an
                      eigenvector of the eigenvalue L. q^k alone is only the asymptotic rate.
"""

from __future__ import annotations

import sympy as sp

from .bound import Bound, Step
from .solve import solve_k
from .symbols import L, R, eps, k, mu

alpha, beta, lam = sp.symbols("alpha beta lambda", positive=True)
s, c = sp.symbols("s c", positive=True)
z = sp.Symbol("z")
e = sp.Function("e")

# Lessard, Recht & Packard (2016), Sec. 4.6: a 1-D, 1-strongly convex, 25-smooth piecewise quadratic
# (so mu = 1, L = 25) on which heavy ball with Polyak's parameters cycles from x_0 = 3.3.
LRP_COUNTEREXAMPLE: dict[str, object] = {
    "mu": 1.0,
    "L": 25.0,
    "grad": "25 x for x < 1;  x + 24 for 1 <= x < 2;  25 x - 24 for x >= 2",
    "f": "25/2 x^2 for x < 1;  1/2 x^2 + 24 x - 12 for 1 <= x < 2;  25/2 x^2 - 24 x + 36 for x >= 2",
    "x0": 3.3,
    "behaviour": "heavy ball with alpha = 4/(sqrt L + sqrt mu)^2, beta = q^2 enters a limit cycle of period 3",
}


def heavy_ball_quadratic() -> Bound:
    T = sp.Matrix([[1 + beta - alpha * lam, -beta], [1, 0]])
    charpoly = T.charpoly(z).as_expr()
    disc = sp.expand(sp.discriminant(charpoly, z))
    t = 1 + beta - alpha * lam  # trace; the roots' product is beta
    # Polyak's choice: a double root (zero discriminant) at both ends of the spectrum,
    # t(mu) = +2 sqrt(beta), t(L) = -2 sqrt(beta), written with s = sqrt(beta).
    conditions = [sp.Eq(t.subs({lam: mu, beta: s**2}), 2 * s), sp.Eq(t.subs({lam: L, beta: s**2}), -2 * s)]
    candidates = sp.solve(conditions, [alpha, s], dict=True)
    contraction = [sol for sol in candidates if sol[s].subs({L: 4, mu: 1}) < 1]  # the root with s < 1
    assert len(contraction) == 1
    q = (sp.sqrt(L) - sp.sqrt(mu)) / (sp.sqrt(L) + sp.sqrt(mu))
    alpha_star = 4 / (sp.sqrt(L) + sp.sqrt(mu)) ** 2
    assert sp.simplify(contraction[0][s] - q) == 0 and sp.simplify(contraction[0][alpha] - alpha_star) == 0
    beta_star = q**2
    t_star = sp.simplify(t.subs({alpha: alpha_star, beta: beta_star}))
    # In between, t is linear in lambda so |t| <= 2q: complex roots of modulus sqrt(beta) = q.
    # Non-asymptotic: e_k = q^k u_k, u_{k+1} = 2 c u_k - u_{k-1} with c = t/(2q) in [-1, 1], u_0 = 1,
    # u_{-1} = q, solved by u_k = U_k(c) - q U_{k-1}(c) (Chebyshev polynomials of the second kind).
    u_k = sp.chebyshevu(k, c) - s * sp.chebyshevu(k - 1, c)
    # At c = -1 (lambda = L) both |U_k| = k + 1 and |U_{k-1}| = k are maximal with opposite signs:
    qq = sp.Symbol("q", positive=True)
    at_L = sp.rsolve(e(k + 1) + 2 * qq * e(k) + qq**2 * e(k - 1), e(k), {e(0): 1, e(-1): 1})
    envelope = sp.factor(sp.simplify(sp.Abs(sp.factor(at_L / (-qq) ** k)))) * qq**k
    expr = R * (1 + (1 + q) * k) * q**k
    assert sp.simplify(envelope.subs(qq, q) * R - expr) == 0
    # k(eps): SymPy returns the principal LambertW branch, which is the *first* crossing of the
    # rising-then-falling envelope; the guarantee needs the last one, the W_{-1} branch.
    k_solved = solve_k(R * (1 + (1 + qq) * k) * qq**k, eps)
    k_last = k_solved.replace(sp.LambertW, lambda x: sp.LambertW(x, -1)).subs(qq, q)
    return Bound(
        id="heavy_ball.quadratic",
        title="Heavy ball (Polyak parameters) on quadratics",
        quantity="dist",
        expr=expr,
        iterations=k_last,
        hyperparameters={"lr": alpha_star, "momentum": beta_star},
        assumptions=(
            "f(x) = 1/2 (x - x*)^T A (x - x*) with mu I <= A <= L I, mu < L",
            "x_{-1} = x_0",
            "only for quadratics: on non-quadratic strongly convex f heavy ball may not converge "
            "(Lessard, Recht & Packard 2016, Sec. 4.6)",
        ),
        tight=True,
        source="Polyak (1964), USSR Comput. Math. Math. Phys. 4(5), Thm 9 (parameters and asymptotic rate); "
        "Polyak (1987), Introduction to Optimization, Sec. 3.2.1; the every-k envelope is derived here "
        "(Chebyshev form) and attained at lambda = L",
        derivation=(
            Step("On an eigencomponent with eigenvalue lambda, (e_{k+1}, e_k) = T (e_k, e_{k-1}) with T =", T),
            Step("Characteristic polynomial of T (roots' product beta):", charpoly),
            Step("Its discriminant (complex roots of modulus sqrt(beta) where it is <= 0):", disc),
            Step("Polyak: a double root at both ends, t(mu) = 2 sqrt(beta), t(L) = -2 sqrt(beta); "
                 "the solution with sqrt(beta) < 1 gives alpha =", alpha_star),
            Step("and beta = q^2 with q = (sqrt L - sqrt mu)/(sqrt L + sqrt mu):", beta_star),
            Step("The trace t(lambda) is linear, from 2q at mu to -2q at L, so every root has modulus q "
                 "(the asymptotic rate); t(lambda) =", t_star),
            Step("Writing e_k = q^k u_k with c = t/(2q) in [-1, 1], u_{-1} = q: u_k = U_k(c) - q U_{k-1}(c) "
                 "(Chebyshev, second kind), s = q:", u_k),
            Step("|U_k(c)| <= k + 1 with equality at c = +-1, and at c = -1 (lambda = L) the two terms add. "
                 "Solving the recurrence there (rsolve, double root -q):", at_L),
            Step("So for every k, sup over lambda in [mu, L] of |e_k|/|e_0| is attained at lambda = L:",
                 envelope),
            Step("Bound for every k (not only asymptotically), tight at the L-eigenvector:", expr),
            Step("k(eps): the last crossing of the envelope, LambertW branch -1:", k_last),
        ),
        derived={"rate_asymptotic": q, "spectral_radius": q},
        notes=(
            "q^k R alone is violated: at k = 1 the worst case is (2 + q) q R > q R (see tests).",
            "Not for non-quadratic f: see counterexamples (Lessard, Recht & Packard 2016, Sec. 4.6).",
        ),
        counterexamples=(dict(LRP_COUNTEREXAMPLE, source="Lessard, Recht & Packard (2016), SIAM J. Optim. "
                                                          "26(1), Sec. 4.6"),),
    )


BOUNDS = (heavy_ball_quadratic,)
