"""Gradient descent x_{k+1} = x_k - eta grad f(x_k): three settings.

gd.quadratic        any step eta on f = 1/2 (x-x*)^T A (x-x*), mu I <= A <= L I; exact factor; optimal step.
gd.strongly_convex  step 1/L on mu-strongly convex, L-smooth f: ||x_k - x*|| <= (1 - mu/L)^k R.
gd.convex           step 1/L on convex, L-smooth f: f(x_k) - f* <= L R^2 / (2k).
"""

from __future__ import annotations

import sympy as sp

from .bound import STEP_NOTE, Bound, Step
from .solve import solve_k
from .symbols import L, R, eps, eta, k, mu

lam = sp.Symbol("lambda", positive=True)  # an eigenvalue of A (internal to the derivation)
r, g = sp.symbols("r g", nonnegative=True)  # ||x - x*||, ||grad f(x)|| (internal)


def gd_quadratic() -> Bound:
    per_eigen = 1 - eta * lam
    factor = sp.Max(sp.Abs(1 - eta * mu), sp.Abs(1 - eta * L))
    # |1 - eta*lambda| is convex in lambda, so its max over [mu, L] sits at an endpoint. The left
    # branch 1 - eta*mu falls with eta, the right branch eta*L - 1 rises: the minimax step equates them.
    eta_star = sp.solve(sp.Eq(1 - eta * mu, eta * L - 1), eta)[0]
    rate_star = sp.factor(sp.simplify((1 - eta * mu).subs(eta, eta_star)))
    expr = factor**k * R
    q = sp.Symbol("q", positive=True)
    return Bound(
        id="gd.quadratic",
        title="GD, any step, on quadratics",
        quantity="dist",
        expr=expr,
        iterations=solve_k(q**k * R, eps).subs(q, factor),
        hyperparameters={"lr": eta},
        assumptions=(
            "f(x) = 1/2 (x - x*)^T A (x - x*) with mu I <= A <= L I",
            "constant step eta > 0 (converges iff eta < 2/L)",
        ),
        tight=True,
        source="Polyak (1987), Introduction to Optimization, Sec. 1.4 (Thm 3); "
        "Nesterov (2018), Lectures on Convex Optimization, Thm 2.1.15 for the optimal step",
        derivation=(
            Step("The error e_k = x_k - x* obeys e_{k+1} = (I - eta A) e_k; in A's eigenbasis each "
                 "coordinate is multiplied by", per_eigen),
            Step("|1 - eta lambda| is convex in lambda, so over lambda in [mu, L] its maximum is at an "
                 "endpoint: the exact per-step factor (attained by an extreme eigenvector) is", factor),
            Step("Hence ||x_k - x*|| <= factor^k R, with equality when x_0 - x* is that eigenvector:", expr),
            Step("1 - eta mu decreases and eta L - 1 increases in eta; the factor is smallest where they "
                 "meet, eta* =", eta_star),
            Step("The optimal rate is (kappa - 1)/(kappa + 1) with kappa = L/mu:", rate_star),
            Step("Solving factor^k R = eps for k gives k(eps) =", solve_k(q**k * R, eps).subs(q, factor)),
        ),
        derived={"lr_opt": eta_star, "rate_opt": rate_star, "lr_max": 2 / L},
    )


def distance_step(h: sp.Expr) -> tuple[sp.Expr, sp.Expr, sp.Expr, sp.Expr]:
    """One gradient step of size h <= 2/(mu+L) on S_{mu,L}: returns the expanded one-step bound on
    ||x+ - x*||^2, the coefficient of g^2, the bound at g = mu r, and the distance factor 1 - h mu.

    r = ||x - x*||, g = ||grad f(x)||. Interpolation inequality for S_{mu,L} (Nesterov Thm 2.1.12):
    <grad f(x), x - x*> >= mu L/(mu+L) r^2 + 1/(mu+L) g^2. Shared with the SGD bounds.
    """
    one_step = r**2 - 2 * h * (mu * L / (mu + L) * r**2 + g**2 / (mu + L)) + h**2 * g**2
    coeff_g = sp.factor(sp.expand(one_step).coeff(g, 2))  # = h (h - 2/(mu+L)) <= 0 for h <= 2/(mu+L)
    # ... so the bound is largest when g is smallest, and g >= mu r by strong convexity:
    contracted = sp.factor(sp.expand(one_step.subs(g, mu * r)))
    # h <= 2/(mu+L) <= 1/mu, so 1 - h mu >= 0 and the square root of (1 - h mu)^2 is 1 - h mu.
    factor = 1 - h * mu
    assert sp.simplify(factor**2 - contracted / r**2) == 0
    return one_step, coeff_g, contracted, factor


def gd_strongly_convex() -> Bound:
    h = sp.Symbol("h", positive=True)
    one_step, coeff_g, contracted, factor = distance_step(h)
    rate = sp.simplify(factor.subs(h, 1 / L))
    expr = rate**k * R
    return Bound(
        id="gd.strongly_convex",
        title="GD, step 1/L, strongly convex",
        quantity="dist",
        expr=expr,
        iterations=solve_k(expr, eps),
        hyperparameters={"lr": 1 / L},
        assumptions=("f mu-strongly convex and L-smooth (mu > 0)", "constant step 1/L"),
        tight=True,
        source="Nesterov (2018), Lectures on Convex Optimization, Thm 2.1.12 (interpolation inequality) "
        "and Thm 2.1.15; tight on f = mu/2 ||x||^2",
        derivation=(
            Step("One step from x with r = ||x - x*||, g = ||grad f(x)||, after the interpolation "
                 "inequality <grad f(x), x - x*> >= mu L/(mu+L) r^2 + g^2/(mu+L) (Thm 2.1.12):", one_step),
            Step("The coefficient of g^2 is non-positive for h <= 2/(mu+L):", coeff_g),
            Step("so the right side is largest at the smallest g, and g >= mu r (strong convexity):",
                 contracted),
            Step("Per-step factor on the distance for step h:", factor),
            Step("With h = 1/L (attained by f = mu/2 ||x||^2, so tight):", rate),
            Step("Hence ||x_k - x*|| <=", expr),
            Step("Solving for k: k(eps) =", solve_k(expr, eps)),
        ),
        derived={"rate": rate},
        notes=(STEP_NOTE,),
    )


def gd_convex() -> Bound:
    # Per step with h = 1/L: the descent lemma f(x+) <= f(x) - g^2/(2L) and convexity
    # f(x) - f* <= <grad f(x), x - x*> give f(x+) - f* <= L/2 (r_k^2 - r_{k+1}^2).
    j, K = sp.symbols("j K", integer=True, positive=True)
    rr = sp.Function("r")
    telescoped = sp.Sum(L / 2 * (rr(j - 1) ** 2 - rr(j) ** 2), (j, 1, K)).doit()
    expr = L * R**2 / (2 * k)
    return Bound(
        id="gd.convex",
        title="GD, step 1/L, convex",
        quantity="gap",
        expr=expr,
        iterations=solve_k(expr, eps),
        k_min=1,
        hyperparameters={"lr": 1 / L},
        assumptions=("f convex and L-smooth, with a minimiser x*", "constant step 1/L", "k >= 1"),
        tight=False,
        source="Beck (2017), First-Order Methods in Optimization, Thm 10.21; the tight constant "
        "L R^2/(4k+2) is Drori & Teboulle (2014), Math. Program. 145, Thm 3.1-3.2",
        derivation=(
            Step("Descent lemma with step 1/L: f(x_{j}) <= f(x_{j-1}) - ||grad f(x_{j-1})||^2/(2L); "
                 "with convexity f(x_{j-1}) - f* <= <grad f(x_{j-1}), x_{j-1} - x*> this gives "
                 "f(x_j) - f* <= L/2 (r_{j-1}^2 - r_j^2), r_j = ||x_j - x*||. Summed over j = 1..K:",
                 telescoped),
            Step("f(x_j) is non-increasing, so K (f(x_K) - f*) <= the sum <= L/2 r_0^2, i.e.", expr),
            Step("Solving for k: k(eps) =", solve_k(expr, eps)),
        ),
        derived={"tight_worst_case": L * R**2 / (4 * k + 2)},
        notes=(
            STEP_NOTE,
            "Derived constant: L R^2/(2k). Literature also has 2 L R^2/(k+4) (Nesterov 2018, Cor. 2.1.2) "
            "and the exact worst case L R^2/(4k+2) (Drori & Teboulle 2014), attained by a Huber function; "
            "this bound is within a factor 2 of it for large k.",
        ),
    )


BOUNDS = (gd_quadratic, gd_strongly_convex, gd_convex)
