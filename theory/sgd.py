"""SGD x_{k+1} = x_k - eta_k g_k with E[g_k] = grad f(x_k), E||g_k - grad f(x_k)||^2 <= sigma^2
on mu-strongly convex, L-smooth f. Bounds on E||x_k - x*||^2 (quantity dist_sq, in expectation).

sgd.constant    constant eta <= 2/(mu+L): (1 - eta mu)^(2k) R^2 + (1 - (1 - eta mu)^(2k)) F, noise floor
                F = eta sigma^2 / (mu (2 - eta mu)); exact (tight) on f = mu/2 x^2 with additive noise.
sgd.decreasing  eta_k = 2/(mu (k+1) + L): max(4 sigma^2/mu^2, (L+mu) R^2/mu) / (k + 1 + L/mu).
sgd.minibatch   batch of b samples with replacement: sigma^2 -> sigma^2/b; the step a target eps allows
                grows linearly in b up to the deterministic limit 2/(mu+L) (the critical batch size).
"""

from __future__ import annotations

import sympy as sp

from .bound import Bound, Step
from .gd import distance_step
from .solve import solve_k
from .symbols import L, R, b, eps, eta, k, mu, sigma

a = sp.Function("a")
BOUNDED_VARIANCE = (
    "f mu-strongly convex and L-smooth",
    "unbiased stochastic gradients with E||g - grad f(x)||^2 <= sigma^2 for every x (bounded variance)",
)
SOURCE_ONE_STEP = (
    "one-step recursion via Nesterov (2018) Thm 2.1.12 (as for GD) plus the variance term, cf. "
    "Moulines & Bach (2011), NeurIPS, Thm 1 and Bottou, Curtis & Nocedal (2018), SIAM Review 60(2), Thm 4.6"
)


def _constant_step(noise_var: sp.Expr) -> tuple[sp.Expr, sp.Expr, list[Step]]:
    """Solve the one-step recursion a_{k+1} = (1 - eta mu)^2 a_k + eta^2 * noise_var, a_0 = R^2."""
    one_step, _, contracted, factor = distance_step(eta)
    noisy = one_step + eta**2 * sp.Symbol("V", positive=True)
    rho_s = sp.Symbol("rho", positive=True)  # rho = (1 - eta mu)^2, kept opaque for rsolve
    solution = sp.rsolve(a(k + 1) - rho_s * a(k) - eta**2 * noise_var, a(k), {a(0): R**2})
    floor = sp.factor(eta**2 * noise_var / (1 - factor**2))
    # (1 - eta mu)^(2k), not ((1 - eta mu)^2)^k, which SymPy would rewrite with |1 - eta mu|:
    # eta <= 2/(mu+L) <= 1/mu keeps 1 - eta mu >= 0.
    expr = factor ** (2 * k) * R**2 + (1 - factor ** (2 * k)) * floor
    assert sp.simplify(solution.subs(rho_s, factor**2).subs(k, 7) - expr.subs(k, 7)) == 0
    steps = [
        Step("E||x+ - x*||^2 = ||x - x*||^2 - 2 eta <grad f, x - x*> + eta^2 ||grad f||^2 + eta^2 V with "
             "V = E||g - grad f||^2; after the interpolation inequality (as for GD):", noisy),
        Step("For eta <= 2/(mu+L) the g^2 coefficient is <= 0 and g >= mu r, so the deterministic part is",
             contracted),
        Step("giving a_{k+1} <= (1 - eta mu)^2 a_k + eta^2 V; solved with rsolve from a_0 = R^2:", solution),
        Step("The fixed point (noise floor) eta^2 V / (1 - (1 - eta mu)^2):", floor),
        Step("So E||x_k - x*||^2 <=", expr),
    ]
    return expr, floor, steps


def sgd_constant() -> Bound:
    expr, floor, steps = _constant_step(sigma**2)
    return Bound(
        id="sgd.constant",
        title="SGD, constant step, strongly convex",
        quantity="dist_sq",
        expr=expr,
        iterations=solve_k(expr, eps),
        hyperparameters={"lr": eta},
        assumptions=(*BOUNDED_VARIANCE, "constant step 0 < eta <= 2/(mu + L)"),
        in_expectation=True,
        tight=True,
        source=SOURCE_ONE_STEP + "; tight on f = mu/2 x^2 with additive noise of variance sigma^2",
        derivation=(*steps, Step("k(eps) for eps above the floor (none below it):", solve_k(expr, eps))),
        derived={"noise_floor": floor, "lr_max": 2 / (mu + L)},
    )


def sgd_minibatch() -> Bound:
    # b i.i.d. samples (with replacement): the variance of their mean is sigma^2 / b.
    expr, floor, steps = _constant_step(sigma**2 / b)
    lr_for_eps = sp.solve(sp.Eq(floor, eps / 2), eta)
    lr_for_eps = next(s for s in lr_for_eps if s.subs({eps: 1, b: 1, mu: 1, sigma: 1}) > 0)
    lr_max = 2 / (mu + L)
    b_crit = sp.solve(sp.Eq(lr_for_eps, lr_max), b)[0]
    return Bound(
        id="sgd.minibatch",
        title="Mini-batch SGD, constant step, strongly convex",
        quantity="dist_sq",
        expr=expr,
        iterations=solve_k(expr, eps),
        hyperparameters={"lr": eta, "batch_size": b},
        assumptions=(
            *BOUNDED_VARIANCE,
            "each step averages b component gradients sampled independently with replacement",
            "constant step 0 < eta <= 2/(mu + L)",
        ),
        in_expectation=True,
        tight=True,
        source=SOURCE_ONE_STEP + "; linear scaling of the step with b up to a critical batch size: "
        "Goyal et al. (2017), arXiv:1706.02677; McCandlish et al. (2018), arXiv:1812.06162",
        derivation=(
            Step("The mean of b independent unbiased samples has variance sigma^2/b; the constant-step "
                 "recursion with V = sigma^2/b:", None),
            *steps,
            Step("The step that puts the floor at eps/2 grows linearly in b:", lr_for_eps),
            Step("until it reaches the deterministic limit 2/(mu+L), at the critical batch size", b_crit),
            Step("k(eps) =", solve_k(expr, eps)),
        ),
        derived={"noise_floor": floor, "lr_for_eps": lr_for_eps, "lr_max": lr_max,
                 "lr_admissible": sp.Min(lr_for_eps, lr_max), "critical_batch": b_crit},
        notes=(
            "Admissible step: the guarantee needs eta <= 2/(mu+L) whatever b; for a target eps the usable step "
            "is min(lr_for_eps, 2/(mu+L)), so batches beyond critical_batch buy no larger step. Under the "
            "finite-sum 'expected smoothness' model (Gower et al. 2019, ICML) the limit itself grows with b "
            "through L_max; that needs L_max, which is outside this catalogue's symbols.",
        ),
    )


def sgd_decreasing() -> Bound:
    tt, nu = sp.symbols("t nu", positive=True)  # t = k + gamma
    beta_, gamma_ = 2 / mu, 1 + L / mu
    schedule = beta_ / (k + gamma_)
    # With eta_k mu <= 1 (true here), (1 - eta_k mu)^2 <= 1 - eta_k mu:
    recursion = (1 - beta_ * mu / tt) * nu / tt + beta_**2 * sigma**2 / tt**2
    # If nu >= beta^2 sigma^2/(beta mu - 1) = 4 sigma^2/mu^2 the noise term is at most nu/t^2:
    after_nu = (1 - beta_ * mu / tt) * nu / tt + nu / tt**2
    induction_gap = sp.factor(sp.simplify(after_nu - nu / (tt + 1)))  # <= 0
    nu_val = sp.Max(4 * sigma**2 / mu**2, gamma_ * R**2)
    expr = nu_val / (k + gamma_)
    return Bound(
        id="sgd.decreasing",
        title="SGD, decreasing step 2/(mu (k+1) + L), strongly convex",
        quantity="dist_sq",
        expr=expr,
        iterations=solve_k(expr, eps),
        hyperparameters={"lr": sp.simplify(schedule)},
        assumptions=(*BOUNDED_VARIANCE, "step eta_k = 2/(mu (k + 1) + L), i.e. beta/(k + gamma) with "
                     "beta = 2/mu, gamma = 1 + L/mu"),
        in_expectation=True,
        tight=False,
        source="Bottou, Curtis & Nocedal (2018), SIAM Review 60(2), Thm 4.7 (induction), applied to the "
        "distance recursion of sgd.constant",
        derivation=(
            Step("Schedule eta_k = beta/(k + gamma):", sp.simplify(schedule)),
            Step("eta_0 = 2/(mu + L) is admissible and eta_k mu <= 1, so a_{k+1} <= (1 - eta_k mu) a_k + "
                 "eta_k^2 sigma^2. Induction hypothesis a_k <= nu/t (t = k + gamma) gives a_{k+1} <=",
                 recursion),
            Step("With nu >= beta^2 sigma^2/(beta mu - 1) = 4 sigma^2/mu^2 this is at most", after_nu),
            Step("which is below nu/(t + 1): the difference is", induction_gap),
            Step("The base case a_0 = R^2 <= nu/gamma holds with nu = max(4 sigma^2/mu^2, gamma R^2):", nu_val),
            Step("So E||x_k - x*||^2 <=", expr),
            Step("k(eps) =", solve_k(expr, eps)),
        ),
        derived={"nu": nu_val, "gamma": gamma_},
    )


BOUNDS = (sgd_constant, sgd_decreasing, sgd_minibatch)
