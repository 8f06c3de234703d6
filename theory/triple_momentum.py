"""Van Scoy, Freeman & Lynch's triple momentum method (TM) on mu-strongly convex, L-smooth f:

    xi_{k+1} = (1 + beta) xi_k - beta xi_{k-1} - alpha grad f(y_k),    xi_{-1} = xi_0 = x_0
    y_k      = (1 + gamma) xi_k - gamma xi_{k-1}                        (where the gradient is taken)
    x_k      = (1 + delta) xi_k - delta xi_{k-1}                        (the output the theorem is about)

with rho = 1 - 1/sqrt(kappa), kappa = L/mu, and (alpha, beta, gamma, delta) = ((1 + rho)/L, rho^2/(2 - rho),
rho^2/((1 + rho)(2 - rho)), rho^2/(1 - rho^2)), derived below from where they put the roots on quadratics.

triple_momentum.strongly_convex  f(x_k) - f* <= L kappa/2 rho^(2k) R^2 on the output x_k (tight, PEPit)
triple_momentum.iterates         ||xi_k - x*|| <= rho^k R ((1 + rho) kappa (1 - rho^k) + rho^k) on the state xi_k,
                                 the sequence the teaching form returns (derived from the first)
"""

from __future__ import annotations

import sympy as sp

from .bound import Bound, Step
from .solve import solve_k
from .symbols import L, R, eps, k, mu

alpha, beta, gamma, delta = sp.symbols("alpha beta gamma delta")
lam, r = sp.symbols("lambda rho", positive=True)
z = sp.Symbol("z")

RHO = 1 - sp.sqrt(mu / L)
KAPPA = L / mu
SOURCE = ("Van Scoy, Freeman & Lynch (2018), IEEE Control Syst. Lett. 2(1), 49-54, Thm 1 (parameters and the rate "
          "rho = 1 - 1/sqrt(kappa) for the output x_k, by a Lyapunov function decreasing by rho^2 per step)")
ASSUMPTIONS = ("f mu-strongly convex and L-smooth, 0 < mu < L",
               "xi_{-1} = xi_0 = x_0 (so y_0 and the output at k = 0 are x_0)",
               "the parameters alpha, beta, gamma, delta of Van Scoy et al. for rho = 1 - sqrt(mu/L)")


def parameters() -> tuple[dict[sp.Symbol, sp.Expr], list[Step]]:
    """(alpha, beta, gamma, delta) as functions of rho and L, derived on quadratics, with the steps."""
    T = sp.Matrix([[1 + beta - alpha * lam * (1 + gamma), -(beta - alpha * lam * gamma)], [1, 0]])
    charpoly = T.charpoly(z).as_expr()
    mu_of_rho = L * (1 - r) ** 2  # rho = 1 - sqrt(mu/L)
    at_L = sp.expand(charpoly.subs(lam, L))
    # At lambda = L: roots 0 and -rho (charpoly z (z + rho)); at lambda = mu: a root at the target rate rho.
    conditions = [at_L.coeff(z, 0), at_L.coeff(z, 1) - r, charpoly.subs(lam, mu_of_rho).subs(z, r)]
    (sol,) = sp.solve(conditions, [alpha, beta, gamma], dict=True)
    sol = {s: sp.factor(v) for s, v in sol.items()}
    paper = {alpha: (1 + r) / L, beta: r**2 / (2 - r), gamma: r**2 / ((1 + r) * (2 - r))}
    assert all(sp.simplify(sol[s] - paper[s]) == 0 for s in paper)
    at_mu = sp.factor(charpoly.subs(sol).subs(lam, mu_of_rho))
    assert sp.simplify(at_mu - (z - r) * (z - r**2)) == 0
    # x_k = (1 + delta) xi_k - delta xi_{k-1} removes the mode xi_k ~ rho^(2k) (the fast root at mu):
    (delta_star,) = sp.solve(sp.Eq((1 + delta) * r**2 - delta, 0), delta)
    steps = [
        Step("On an eigencomponent lambda of a quadratic, (xi_{k+1}, xi_k) = T (xi_k, xi_{k-1}) with T =", T),
        Step("Characteristic polynomial:", charpoly),
        Step("Asking for the roots 0 and -rho at lambda = L and a root rho at lambda = mu = L (1 - rho)^2 "
             "(three equations) gives alpha, beta, gamma uniquely (Van Scoy et al.'s values):",
             sp.Matrix([paper[alpha], paper[beta], paper[gamma]])),
        Step("At lambda = mu the characteristic polynomial is then", at_mu),
        Step("The output x_k = (1 + delta) xi_k - delta xi_{k-1} annihilates the rho^2 mode, (1 + delta) rho^2 = "
             "delta, for delta =", delta_star),
    ]
    return {**{s: v for s, v in paper.items()}, delta: delta_star}, steps


def _hyperparameters() -> tuple[dict[str, sp.Expr], list[Step]]:
    params, steps = parameters()
    # rho substituted as is (no simplify): at mu = L the simplified gamma, (L + mu - 2 sqrt(L mu))/..., rounds below 0
    hp = {name: params[s].subs(r, RHO) for name, s in (("alpha", alpha), ("beta", beta), ("gamma", gamma))}
    return hp, steps


def triple_momentum_strongly_convex() -> Bound:
    hp, steps = _hyperparameters()
    constant = L * KAPPA / 2
    expr = constant * RHO ** (2 * k) * R**2
    return Bound(
        id="triple_momentum.strongly_convex",
        title="Triple momentum, strongly convex, output sequence",
        quantity="gap",
        expr=expr,
        iterations=solve_k(expr, eps),
        hyperparameters=hp,
        assumptions=(*ASSUMPTIONS, "the bound is on the output x_k = (1 + delta) xi_k - delta xi_{k-1}, "
                     "delta = rho^2/(1 - rho^2), not on xi_k (see triple_momentum.iterates)"),
        tight=True,
        source=SOURCE + "; the constant L kappa/2 on f(x_k) - f* as in PEPit's wc_triple_momentum (Goujaud et "
        "al. 2024, Math. Program. Comput. 16), certified tight by PEPit here (docs/certification.md)",
        derivation=(
            *steps,
            Step("Thm 1: a Lyapunov function of (xi_k, xi_{k-1}) decreases by rho^2 per step, so f(x_k) - f* "
                 "decreases like rho^(2k); the rate (root-convergence factor) is", RHO),
            Step("with the constant L kappa/2 (from PEPit's statement of Thm 1, not derived here; PEPit's worst "
                 "case equals it at every certified k): f(x_k) - f* <=", expr),
            Step("Solving for k: k(eps) =", solve_k(expr, eps)),
        ),
        derived={"rate": RHO, "delta": sp.simplify((r**2 / (1 - r**2)).subs(r, RHO)),
                 "output_dist": KAPPA * RHO**k * R},
        notes=(
            "On f - f* TM contracts by rho^2 = (1 - 1/sqrt(kappa))^2 per step, nesterov.strongly_convex by "
            "1 - 1/sqrt(kappa): twice the exponent. On distances rho against lower.strongly_convex's "
            "(sqrt(kappa) - 1)/(sqrt(kappa) + 1) ~ 1 - 2/sqrt(kappa).",
            "derived['output_dist'] = kappa rho^k R bounds ||x_k - x*|| (strong convexity on the gap bound). PEPit "
            "measures the worst ||x_k - x*||^2 as kappa rho^(2k) R^2 (L = 1, mu = 0.1, k = 1, 2, 4, 8: a sqrt(kappa) "
            "constant, not derived here).",
            "The issue text's delta = rho^2/(1 - (1 - rho)^2) is not the paper's: delta only forms x_k, and "
            "rho^2/(1 - rho^2) is the one that annihilates the rho^2 mode (Van Scoy et al., PEPit).",
        ),
    )


def triple_momentum_iterates() -> Bound:
    hp, _ = _hyperparameters()
    C = sp.Symbol("C", positive=True)  # ||x_j - x*|| <= C rho^j R
    # x_k = (xi_k - rho^2 xi_{k-1})/(1 - rho^2) (delta = rho^2/(1 - rho^2)), so xi_k is a convex combination:
    xi_k, xi_prev = sp.symbols("xi_k xi_km1")
    x_k = (1 + r**2 / (1 - r**2)) * xi_k - r**2 / (1 - r**2) * xi_prev
    combination = sp.simplify((1 - r**2) * x_k + r**2 * xi_prev)
    assert sp.simplify(combination - xi_k) == 0
    # e_k = rho^(2k) R + (1 - rho^2) C R sum_{j=1..k} rho^(2(k-j)) rho^j, a geometric sum:
    j = sp.Symbol("j", integer=True, positive=True)
    summed = sp.Sum(r ** (2 * k - j), (j, 1, k)).doit()
    geometric = sp.simplify(summed.replace(sp.Piecewise, lambda *branches: branches[-1][0]))  # rho != 1
    closed = R * r**k * ((1 + r) * C * (1 - r**k) + r**k)
    assert sp.simplify(r ** (2 * k) * R + (1 - r**2) * C * R * geometric - closed) == 0
    # ... and it solves the recursion with e_0 = R:
    recursion = sp.simplify(closed - r**2 * closed.subs(k, k - 1) - (1 - r**2) * C * r**k * R)
    assert recursion == 0 and closed.subs(k, 0) == R
    C_val = KAPPA  # sqrt(2/mu * L kappa/2) from the gap bound and f - f* >= mu/2 ||x - x*||^2
    expr = closed.subs(C, C_val).subs(r, RHO)
    # k(eps): with q = rho^k, the bound is R (a q - (a - 1) q^2), a = (1 + rho) kappa; the guarantee needs the
    # last crossing of eps, i.e. the smaller root q (the bound rises, then falls, when a > 2).
    q, a = sp.symbols("q a", positive=True)
    roots = sp.solve(sp.Eq(R * (a * q - (a - 1) * q**2), eps), q)
    small = [s for s in roots if s.subs({a: 5, R: 1, eps: sp.Rational(1, 10)}).evalf() < 1]
    assert len(small) == 1
    a_val = (1 + RHO) * KAPPA
    iterations = sp.log(small[0].subs(a, a_val)) / sp.log(RHO)
    return Bound(
        id="triple_momentum.iterates",
        title="Triple momentum, strongly convex, the iterates xi_k",
        quantity="dist",
        expr=expr,
        iterations=iterations,
        hyperparameters=hp,
        assumptions=(*ASSUMPTIONS, "the bound is on xi_k, the sequence the teaching form returns"),
        tight=False,
        source=SOURCE + "; transferred here from triple_momentum.strongly_convex to xi_k",
        derivation=(
            Step("From triple_momentum.strongly_convex and f(x) - f* >= mu/2 ||x - x*||^2: "
                 "||x_j - x*|| <= C rho^j R with C =", C_val),
            Step("With delta = rho^2/(1 - rho^2), xi_k = (1 - rho^2) x_k + rho^2 xi_{k-1} (a convex combination):",
                 combination),
            Step("so e_k = ||xi_k - x*|| <= (1 - rho^2) C rho^k R + rho^2 e_{k-1}, e_0 = R, i.e. e_k <= "
                 "rho^(2k) R + (1 - rho^2) C R S_k with the geometric sum S_k = sum_{j=1..k} rho^(2k-j) =",
                 geometric),
            Step("i.e. e_k <=", closed),
            Step("and with C and rho substituted:", expr),
            Step("With q = rho^k the bound is R (a q - (a - 1) q^2), a = (1 + rho) kappa; it stays below eps "
                 "from the smaller root q on, k(eps) =", iterations),
        ),
        derived={"rate": RHO},
        notes=(
            "Loose by about sqrt(kappa): PEPit's worst ||xi_k - x*|| at L = 1, mu = 0.1, k = 8 is 0.240 R, against "
            "rho^k (1 + rho) sqrt(kappa) R = 0.255 R (the output's measured sqrt(kappa) constant) and this bound's "
            "0.768 R.",
        ),
    )


BOUNDS = (triple_momentum_strongly_convex, triple_momentum_iterates)
