"""Total work to reach E||x - x*||^2 <= eps on a finite sum of n components, counted in component-gradient
evaluations (one costs O(d) flops; a full gradient costs n of them).

work.gd         GD, step 1/L:  n * log(R^2/eps) / (2 log(L/(L - mu)))      ~ n kappa/2 log(R^2/eps)
work.sgd        SGD, b = 1, eta_k = 2/(mu (k+1) + L):  nu/eps - gamma       ~ 4 sigma^2/(mu^2 eps)
work.crossover  n* = work.sgd / (work.gd / n): SGD needs fewer evaluations iff n > n*; for a given n,
                GD wins for every eps below eps_gd_wins (a LambertW, branch -1).
work.svrg       SVRG, eta = 1/(10 L), m = 50 L/mu, option II:  (n + 100 L/mu) log2(kappa R^2/eps)  ~ (n + kappa) log

`cheapest(n, eps, ...)` names the method the three work bounds predict cheapest (the three-way regime map).
"""

from __future__ import annotations

import sympy as sp

from .bound import Bound, Step
from .registry import get
from .solve import solve_k
from .symbols import L, R, eps, eta, k, m, mu, n

ASSUMPTIONS = (
    "finite sum f = (1/n) sum_i f_i, f mu-strongly convex and L-smooth",
    "one component gradient = one unit of work (O(d) flops); a full gradient = n units",
    "SGD samples one component per step; its gradient noise variance is at most sigma^2",
    "accuracy measured as E||x - x*||^2 <= eps, eps < R^2",
)
SOURCE = ("Bottou & Bousquet (2008), NeurIPS, 'The tradeoffs of large scale learning', Table 2; "
          "Bottou, Curtis & Nocedal (2018), SIAM Review 60(2), Sec. 4.4")


def _k_gd() -> tuple[sp.Expr, sp.Expr]:
    dist = get("gd.strongly_convex").expr  # ||x_k - x*|| <= (1 - mu/L)^k R
    dist_sq = sp.powsimp(sp.expand_power_base(dist**2, force=True))
    return dist_sq, solve_k(dist_sq, eps)


def work_gd() -> Bound:
    dist_sq, k_gd = _k_gd()
    expr = n * k_gd
    return Bound(
        id="work.gd",
        title="Work of GD (step 1/L) to reach eps",
        quantity="work",
        expr=expr,
        iterations=k_gd,
        hyperparameters={"lr": 1 / L},
        assumptions=ASSUMPTIONS,
        tight=True,
        source=SOURCE + "; iteration count from gd.strongly_convex",
        derivation=(
            Step("Squaring gd.strongly_convex: ||x_k - x*||^2 <=", dist_sq),
            Step("which reaches eps after k_GD(eps) =", k_gd),
            Step("steps of n component gradients each:", expr),
            Step("For small mu/L this is about", n * L / (2 * mu) * sp.log(R**2 / eps)),
        ),
    )


def work_sgd() -> Bound:
    dec = get("sgd.decreasing")
    k_sgd = dec.iterations
    return Bound(
        id="work.sgd",
        title="Work of SGD (b = 1, decreasing step) to reach eps",
        quantity="work",
        expr=k_sgd,
        iterations=k_sgd,
        hyperparameters=dict(dec.hyperparameters, batch_size=sp.Integer(1)),
        assumptions=ASSUMPTIONS,
        in_expectation=True,
        source=SOURCE + "; iteration count from sgd.decreasing",
        derivation=(
            Step("sgd.decreasing: E||x_k - x*||^2 <=", dec.expr),
            Step("reaches eps after k_SGD(eps) steps of one component gradient each:", k_sgd),
            Step("independent of n; about 4 sigma^2/(mu^2 eps) when noise dominates", None),
        ),
    )


def work_crossover() -> Bound:
    _, k_gd = _k_gd()
    k_sgd = get("sgd.decreasing").iterations
    n_star = sp.simplify(k_sgd / k_gd)
    # For fixed n: n k_GD(eps) = k_SGD(eps), i.e. (n/c) w + gamma = (nu/R^2) e^w with w = log(R^2/eps).
    nu_, gamma_, c_, w, v = sp.symbols("nu gamma c w v", positive=True)
    equation = sp.Eq(n / c_ * w + gamma_, nu_ / R**2 * sp.exp(w))
    # v = w + c gamma/n turns it into v e^{-v} = C:
    C = sp.simplify(c_ * nu_ / (n * R**2) * sp.exp(-c_ * gamma_ / n))
    check = sp.simplify((equation.lhs - equation.rhs).subs(w, v - c_ * gamma_ / n) * c_ / n)
    # Small eps <-> large v: the branch -1 of LambertW (v = -W_{-1}(-C) >= 1).
    w_sol = -sp.LambertW(-C, -1) - c_ * gamma_ / n
    dec = get("sgd.decreasing")
    values = {nu_: dec.derived["nu"], gamma_: dec.derived["gamma"], c_: 2 * sp.log(L / (L - mu))}
    # No real root (C > 1/e), or a root at eps >= R^2: GD wins at every accuracy below R^2.
    eps_gd_wins = sp.Piecewise((R**2, C > sp.exp(-1)), (sp.Min(R**2, R**2 * sp.exp(-w_sol)), True)).subs(values)
    return Bound(
        id="work.crossover",
        title="GD/SGD work crossover",
        quantity="n",
        direction="threshold",
        expr=n_star,
        iterations=None,
        assumptions=ASSUMPTIONS,
        in_expectation=True,
        source=SOURCE,
        derivation=(
            Step("SGD needs fewer component gradients iff n k_GD(eps) > k_SGD(eps), i.e. n > n* =", n_star),
            Step("For a given n, with w = log(R^2/eps), c = 2 log(L/(L - mu)), nu and gamma from "
                 "sgd.decreasing, the equality n k_GD = k_SGD reads", equation),
            Step("Substituting w = v - c gamma/n (times c/n) leaves v - (c nu/(n R^2)) e^{-c gamma/n} e^v:", check),
            Step("i.e. v e^{-v} = C with C =", C),
            Step("The small-eps root is v = -W_{-1}(-C), real when C <= 1/e (otherwise GD wins for every "
                 "eps < R^2); GD needs fewer evaluations for every eps below", eps_gd_wins),
        ),
        derived={"eps_gd_wins": eps_gd_wins},
        notes=(
            "Predictions use the upper bounds; GD's is tight, SGD's is loose by a constant (about 4 on "
            "quadratics), so the measured crossover sits below n* by about that factor.",
        ),
    )


def work_svrg() -> Bound:
    svrg = get("svrg.strongly_convex")
    prescribed = {eta: 1 / (10 * L), m: 50 * L / mu}
    alpha = sp.simplify(svrg.derived["rate"].subs(prescribed))
    assert alpha == sp.Rational(1, 2)
    # E||x~_s - x*||^2 <= 2/mu (E f(x~_s) - f*) <= 2/mu alpha^s Delta0, and Delta0 <= L R^2/2:
    dist_sq = sp.simplify(2 / mu * alpha**k * L * R**2 / 2)
    k_svrg = sp.log(dist_sq.subs(k, 0) / eps) / sp.log(2)  # log2(kappa R^2/eps)
    assert sp.simplify(sp.expand_log(solve_k(dist_sq, eps) - k_svrg, force=True)) == 0
    per_epoch = n + 2 * prescribed[m]
    expr = per_epoch * k_svrg
    return Bound(
        id="work.svrg",
        title="Work of SVRG (eta = 1/(10 L), m = 50 L/mu) to reach eps",
        quantity="work",
        expr=expr,
        iterations=k_svrg,
        hyperparameters={"lr": prescribed[eta], "inner_steps": prescribed[m],
                         "snapshot": svrg.hyperparameters["snapshot"]},
        assumptions=(*ASSUMPTIONS[:2], *svrg.assumptions[:1], ASSUMPTIONS[3]),
        in_expectation=True,
        source=SOURCE + "; Johnson & Zhang (2013), NeurIPS, Thm 1 and the (n + L/mu) log(1/eps) count after it; "
        "epoch count from svrg.strongly_convex",
        derivation=(
            Step("svrg.strongly_convex's factor at eta = 1/(10 L), m = 50 L/mu:", alpha),
            Step("With ||x - x*||^2 <= 2/mu (f(x) - f*) and Delta0 <= L R^2/2, E||x~_s - x*||^2 <=", dist_sq),
            Step("which reaches eps after k_SVRG(eps) epochs:", k_svrg),
            Step("each of n (the snapshot's full gradient) + 2m component gradients:", per_epoch),
            Step("Total:", expr),
        ),
        notes=(
            "Against work.gd (~ n kappa/2 log(R^2/eps)) and work.sgd (~ 4 sigma^2/(mu^2 eps)): SVRG's count grows "
            "like (n + kappa) log(1/eps), so it wins for large n at high accuracy, SGD at low accuracy, GD at small "
            "n; the constants are Johnson & Zhang's (loose: measured SVRG is faster).",
            "Option II stops an epoch at the drawn inner step, so n + 2m is the count of a full epoch (an upper "
            "bound on the reference implementation's).",
        ),
    )


BOUNDS = (work_gd, work_sgd, work_crossover, work_svrg)
WORK = {"gd": "work.gd", "sgd": "work.sgd", "svrg": "work.svrg"}


def works(n: float, eps: float, *, L: float, mu: float, R: float, sigma: float) -> dict[str, float]:
    """The component-gradient counts the work bounds predict for GD, SGD and SVRG at (n, eps)."""
    values = {"n": n, "eps": eps, "L": L, "mu": mu, "R": R, "sigma": sigma}
    out = {}
    for method, bound_id in WORK.items():
        bd = get(bound_id)
        out[method] = float(bd.evaluate(**{p: values[p] for p in bd.parameters}))
    return out


def cheapest(n: float, eps: float, *, L: float, mu: float, R: float, sigma: float) -> str:
    """"gd", "sgd" or "svrg": the method whose work bound is smallest at (n, eps) (the three-way regime map)."""
    w = works(n, eps, L=L, mu=mu, R=R, sigma=sigma)
    return min(w, key=w.__getitem__)
_ = k  # k is absent from work expressions by design: they are functions of eps
