"""Beyond convexity: stationarity bounds for L-smooth functions that are only bounded below.

Delta0 here is f(x_0) - f_low for any lower bound f_low <= inf f (for convex f the best f_low is f*), and
eps is a target for the squared gradient norm ||grad f||^2 (eps = epsilon^2 for an epsilon-stationary point).

gd.nonconvex          step 1/L:  min_{i<=k} ||grad f(x_i)||^2 <= 2 L Delta0 / (k + 1); the exact worst case
                      is 4 L Delta0 / (3k + 2) (Abbaszadehpeivasti, de Klerk & Zamani 2022), attained in 1-D.
sgd.nonconvex         constant step eta < 2/L, bounded variance sigma^2:  E||grad f(x_R)||^2, R uniform on
                      {0, ..., k-1},  <= (2 Delta0 / (k eta) + L sigma^2 eta) / (2 - L eta)   (Ghadimi & Lan 2013).
sgd.nonconvex_decreasing  eta_j = eta/sqrt(j+1) <= 1/L, batch b:  E||grad f(x_R)||^2, P(R = j) ~ eta_j,
                      <= (2 Delta0 + L sigma^2 eta^2 (1 + log k)/b) / (2 eta (sqrt(k+1) - 1))   (Ghadimi & Lan 2013).
sgd.nonconvex_horizon the step min(1/L, sqrt(2 Delta0/L)/(sigma sqrt(k))) fixed from the horizon k:
                      <= 2 L Delta0 / k + 2 sigma sqrt(2 L Delta0 / k)   (Ghadimi & Lan 2013, Cor. 2.2).
work.nonconvex_crossover  n* = k_SGD(eps)/k_GD(eps) from the two: SGD needs fewer component gradients iff
                      n > n*, about 4 sigma^2/eps for small eps.
lower.nonconvex       any zero-respecting first-order method, d >= k + 1: min_{i<=k} ||grad f(x_i)||^2 >=
                      L Delta0 / (1824 (k + 1)), i.e. ~ L Delta0 eps^-1 = L Delta0 epsilon^-2 gradient calls
                      (Carmon, Duchi, Hinder & Sidford 2020).
"""

from __future__ import annotations

import sympy as sp

from .bound import Bound, Step
from .registry import get
from .solve import solve_k
from .symbols import Delta0, L, b, eps, eta, k, sigma

g, h = sp.symbols("g h", positive=True)  # a gradient norm, a step (internal)
j = sp.Symbol("j", integer=True, nonnegative=True)
G = sp.Function("G")  # G(j) = ||grad f(x_j)||^2 (internal)

SMOOTH_BOUNDED_BELOW = (
    "f L-smooth (||grad f(x) - grad f(y)|| <= L ||x - y||), not necessarily convex",
    "f bounded below: Delta0 = f(x_0) - f_low with f_low <= inf f",
)
GL_SOURCE = "Ghadimi & Lan (2013), SIAM J. Optim. 23(4), 2341-2368"
DELTA_NOTE = ("Delta0 is f(x_0) - f_low for a known lower bound f_low <= inf f (the catalogue's Delta0 = "
              "f(x_0) - f* is the case f_low = f*); eps is a target for ||grad f||^2, so an epsilon-stationary "
              "point is eps = epsilon^2.")


def descent_step(step: sp.Expr) -> sp.Expr:
    """Guaranteed decrease f(x) - f(x - step grad f(x)) >= step (1 - L step / 2) ||grad f(x)||^2 on L-smooth f
    (the upper quadratic bound f(y) <= f(x) + <grad f(x), y - x> + L/2 ||y - x||^2 at y = x - step g)."""
    upper = -step * g**2 + L / 2 * step**2 * g**2  # f(y) - f(x) <= this
    return sp.factor(-upper / g**2)


def gd_nonconvex() -> Bound:
    per_step = descent_step(h)
    h_best = sp.solve(sp.diff(per_step, h), h)[0]
    decrease = sp.simplify(per_step.subs(h, h_best) * g**2)  # g^2/(2L)
    # The last iterate: f(x_k) - f_low >= f(x_k) - f(x_k - grad f(x_k)/L) >= ||grad f(x_k)||^2/(2L).
    summed = sp.Sum(G(j) / (2 * L), (j, 0, k))
    # min_j G(j) <= each G(j), so (K + 1) min / (2L) <= the sum <= Delta0.
    m = sp.Symbol("m", positive=True)
    expr = sp.solve(sp.Eq((k + 1) * m / (2 * L), Delta0), m)[0]
    # Any step 0 < eta < 2/L (Nesterov 2018, p. 28-29): the same telescoping with eta (1 - L eta/2) per step.
    any_step = sp.simplify(Delta0 / (k * per_step.subs(h, eta) + 1 / (2 * L)))
    # The exact worst case for eta <= 1/L (Abbaszadehpeivasti, de Klerk & Zamani 2022, Thm 2), derived in
    # 1-D below: along a segment of length eta g the slope can relax from -g to -g + L eta g/2 and back.
    tent = sp.integrate(L * sp.Min(sp.Symbol("t"), eta * g - sp.Symbol("t")), (sp.Symbol("t"), 0, eta * g))
    exact_step = sp.factor(sp.simplify((eta * g * g - tent) / g**2))  # decrease per step / g^2
    exact_any = sp.simplify(Delta0 / (k * exact_step + 1 / (2 * L)))
    tight = sp.simplify(exact_any.subs(eta, 1 / L))
    # Below which step does the exact worst case exceed the stated bound? (independent of k)
    lr_min = [r for r in sp.solve(sp.Eq(exact_step, 1 / (2 * L)), eta) if r.subs(L, 1) < 1]
    assert len(lr_min) == 1
    lr_min = sp.simplify(lr_min[0])
    return Bound(
        id="gd.nonconvex",
        title="GD, step 1/L, nonconvex L-smooth: smallest gradient",
        quantity="grad_sq_min",
        expr=expr,
        iterations=solve_k(expr, eps),
        hyperparameters={"lr": 1 / L},
        assumptions=(*SMOOTH_BOUNDED_BELOW, "constant step 1/L"),
        tight=False,
        source="Nesterov (2018), Lectures on Convex Optimization, Sec. 1.2.3 (p. 28-29); the exact worst case "
        "4 L Delta0/(3k + 2) is Abbaszadehpeivasti, de Klerk & Zamani (2022), Optim. Lett. 16(6), 1649-1661, "
        "Thm 2 (steps in (0, 1/L]), reproduced by PEPit's SmoothFunction class",
        derivation=(
            Step("A step x - h grad f(x) lowers an L-smooth f by at least (upper quadratic bound) g^2 times",
                 per_step),
            Step("which is largest at h =", h_best),
            Step("giving the descent lemma f(x_{j+1}) <= f(x_j) - ||grad f(x_j)||^2/(2L); the same inequality "
                 "from x_k with f >= f_low gives f(x_k) - f_low >= ||grad f(x_k)||^2/(2L):", decrease),
            Step("Telescoping the k steps and the last inequality (G(j) = ||grad f(x_j)||^2): the sum below is "
                 "at most f(x_0) - f_low = Delta0:", summed),
            Step("Each G(j) is at least min_{i<=k} G(i), so (k + 1) min/(2L) <= Delta0:", expr),
            Step("Any constant step 0 < eta < 2/L, the same way:", any_step),
            Step("Exact decrease per step in the worst case (the slope of a 1-D f may relax by L eta g/2 over "
                 "the step and return, PEP-tight for eta <= 1/L), per g^2:", exact_step),
            Step("so the exact worst case is", exact_any),
            Step("and at eta = 1/L (a factor 3/2 below the bound for large k):", tight),
            Step("The bound as stated (per-step decrease 1/(2L)) survives smaller steps down to", lr_min),
            Step("Solving for k: k(eps) =", solve_k(expr, eps)),
        ),
        derived={"any_step": any_step, "tight_worst_case_step": exact_any, "tight_worst_case": tight,
                 "lr_min": lr_min, "lr_max": 2 / L},
        k_min=0,
        notes=(
            DELTA_NOTE,
            "Stated for step 1/L; with step h/L it still holds for 2 - sqrt(2) <= h <= ~1.68 (derived lr_min; "
            "the upper end from PEPit's step-size sweep, docs/certification.md), and breaks outside.",
            "The minimum is over x_0..x_k, i.e. the k + 1 gradients GD computes in k steps. The worst case "
            "4 L Delta0/(3k + 2) (derived 'tight_worst_case') is attained by a 1-D function whose slope is "
            "-g at every iterate and tents up to -g/2 in between, then rises to 0 (tests/test_theory_nonconvex.py).",
        ),
    )


def _sgd_recursion() -> tuple[sp.Expr, sp.Expr, list[Step]]:
    """E f(x_{j+1}) <= E f(x_j) - eta_j (1 - L eta_j/2) E||grad f(x_j)||^2 + L eta_j^2 sigma^2 / 2."""
    gamma = sp.Symbol("gamma", positive=True)
    noise = sp.Symbol("V", nonnegative=True)  # E||g - grad f||^2 <= V
    # E<grad f, g> = ||grad f||^2 and E||g||^2 = ||grad f||^2 + V under unbiasedness:
    one_step = -gamma * g**2 + L / 2 * gamma**2 * (g**2 + noise)
    coeff = sp.factor(-sp.expand(one_step).coeff(g, 2))
    # Sum over j < k with constant gamma, divide by k gamma (1 - L gamma / 2): the uniform R has weights
    # proportional to gamma_j (1 - L gamma_j/2), i.e. uniform for a constant step (Ghadimi & Lan Thm 2.1).
    avg = sp.simplify((Delta0 + k * L * gamma**2 * sigma**2 / 2) / (k * coeff))
    return one_step, avg.subs(gamma, eta), [
        Step("Unbiased g with E||g - grad f(x)||^2 <= sigma^2 in the upper quadratic bound: E f(x+) - f(x) <= "
             "(g = ||grad f(x)||, V = sigma^2)", one_step),
        Step("so E||grad f(x_j)||^2 is multiplied by", coeff),
    ]


def sgd_nonconvex() -> Bound:
    _, avg, steps = _sgd_recursion()
    expr = sp.simplify(avg)
    floor = sp.limit(expr, k, sp.oo)
    return Bound(
        id="sgd.nonconvex",
        title="SGD, constant step, nonconvex L-smooth: gradient at a random iterate",
        quantity="grad_sq_avg",
        expr=expr,
        iterations=solve_k(expr, eps),
        hyperparameters={"lr": eta},
        k_min=1,
        assumptions=(*SMOOTH_BOUNDED_BELOW,
                     "unbiased stochastic gradients with E||g - grad f(x)||^2 <= sigma^2 for every x",
                     "constant step 0 < eta < 2/L", "k >= 1 steps; R uniform on {0, ..., k-1}"),
        in_expectation=True,
        source=GL_SOURCE + ", Thm 2.1 (eq. 2.4 with constant steps; there P(R = j) is proportional to "
        "2 eta_j - L eta_j^2, uniform here)",
        derivation=(
            *steps,
            Step("Summed over j = 0..k-1 (telescoping E f down to f_low) and divided by k eta (1 - L eta/2): "
                 "the mean over j < k of E||grad f(x_j)||^2, which is E||grad f(x_R)||^2 for R uniform, is at most",
                 expr),
            Step("As k grows it settles at the noise floor", floor),
            Step("k(eps) for eps above the floor (none below it):", solve_k(expr, eps)),
        ),
        derived={"noise_floor": floor, "lr_max": 2 / L},
        notes=(
            DELTA_NOTE,
            "The noise floor is attained by f = L/2 x^2 with additive noise of variance sigma^2 (the exact "
            "recursion in tests/test_theory_nonconvex.py), so no smaller floor holds for the class.",
            "E||grad f(x_R)||^2 is an average over iterates, not the last one: it also bounds "
            "min_{j<k} E||grad f(x_j)||^2. A check can average ||grad f(x_j)||^2 over j < k and independent runs "
            "instead of drawing R.",
        ),
    )


def sgd_nonconvex_decreasing() -> Bound:
    """Ghadimi & Lan's Thm 2.1 for the anytime step eta_j = eta/sqrt(j + 1) <= 1/L with batches of b."""
    t, gamma = sp.Symbol("t", positive=True), sp.Symbol("gamma", positive=True)
    noise = sp.Symbol("V", nonnegative=True)
    # One step with step gamma and a batch mean (variance sigma^2/b, b independent draws), as in _sgd_recursion:
    one_step = -gamma * g**2 + L / 2 * gamma**2 * (g**2 + noise)
    coeff = sp.factor(-sp.expand(one_step).coeff(g, 2))  # gamma (1 - L gamma/2) >= gamma/2 for gamma <= 1/L
    assert sp.simplify(coeff.subs(gamma, 1 / L) - 1 / (2 * L)) == 0
    # sum_j eta_j/2 E G_j <= Delta0 + L sigma^2/(2b) sum_j eta_j^2, so with P(R = j) proportional to eta_j:
    sq_sum = eta**2 * (1 + sp.integrate(1 / t, (t, 1, k)))  # sum_{j<k} 1/(j+1) <= 1 + log k
    lin_sum = eta * sp.integrate(t ** sp.Rational(-1, 2), (t, 1, k + 1))  # sum_{i=1}^k i^{-1/2} >= this
    expr = sp.simplify((2 * Delta0 + L * sigma**2 / b * sq_sum) / lin_sum)
    return Bound(
        id="sgd.nonconvex_decreasing",
        title="SGD, step eta/sqrt(j+1), batch b, nonconvex L-smooth: gradient at a step-weighted random iterate",
        quantity="grad_sq_avg",
        expr=expr,
        iterations=None,  # log k and sqrt k: no closed form
        hyperparameters={"lr": eta / sp.sqrt(k + 1), "batch_size": b},
        k_min=1,
        assumptions=(*SMOOTH_BOUNDED_BELOW,
                     "unbiased stochastic gradients with E||g_i - grad f(x)||^2 <= sigma^2 for every x and one "
                     "component; a batch is the mean of b independent uniform draws (variance sigma^2/b)",
                     "step eta_j = eta/sqrt(j + 1) with 0 < eta <= 1/L (no horizon fixed in advance)",
                     "k >= 1 steps; P(R = j) proportional to eta_j on {0, ..., k-1}"),
        in_expectation=True,
        source=GL_SOURCE + ", Thm 2.1 (eq. 2.4) with the relaxation 2 eta_j - L eta_j^2 >= eta_j (eta_j <= 1/L), "
        "which turns its weights 2 eta_j - L eta_j^2 into eta_j; the sums bounded by integrals",
        derivation=(
            Step("A step gamma on a batch mean (E||g - grad f||^2 <= V = sigma^2/b) multiplies "
                 "E||grad f(x_j)||^2 by", coeff),
            Step("which is >= gamma/2 for gamma <= 1/L. Telescoping to f_low: sum_j eta_j E G_j <= 2 Delta0 + "
                 "L sigma^2/b sum_j eta_j^2, and sum_{j<k} eta_j^2 = eta^2 H_k <=", sq_sum),
            Step("while sum_{j<k} eta_j = eta sum_{i=1}^k i^{-1/2} >= eta int_1^{k+1} t^{-1/2} dt =", lin_sum),
            Step("So with P(R = j) = eta_j / sum_i eta_i, E||grad f(x_R)||^2 <=", expr),
        ),
        derived={"lr_max": 1 / L},
        notes=(DELTA_NOTE, "O(log k / sqrt k) without knowing the horizon; at b = 1 and a fixed horizon the "
               "step of sgd.nonconvex_horizon is better by the log factor.",
               "A constant step eta frozen at eta_0 settles at sgd.nonconvex's noise floor L sigma^2 eta/(b (2 - "
               "L eta)), above this bound once k is large: what a frozen schedule looks like."),
    )


def sgd_nonconvex_horizon() -> Bound:
    _, avg, _ = _sgd_recursion()
    D = sp.Symbol("D", positive=True)  # Ghadimi & Lan's free constant D~ (the best choice is sqrt(2 Delta0/L))
    step = sp.Min(1 / L, D / (sigma * sp.sqrt(k)))
    # eta <= 1/L makes 2 - L eta >= 1, and 1/eta = max(L, sigma sqrt(k)/D) <= L + sigma sqrt(k)/D:
    relaxed = 2 * Delta0 / k * (L + sigma * sp.sqrt(k) / D) + L * sigma**2 * D / (sigma * sp.sqrt(k))
    d_best = sp.solve(sp.diff(relaxed, D), D)
    d_best = next(s for s in d_best if s.is_positive is not False)
    expr = sp.expand(sp.simplify(relaxed.subs(D, d_best)))
    step_best = step.subs(D, d_best)
    # k(eps): expr is a quadratic in u = 1/sqrt(k) with one positive root (solve_k on k itself also returns
    # the root of the squared equation with the wrong sign of sqrt(k)).
    u = sp.Symbol("u", positive=True)
    in_u = sp.expand(expr.subs(k, 1 / u**2))
    u_eps = [r for r in sp.solve(sp.Eq(in_u, eps), u) if r.subs({L: 1, Delta0: 1, sigma: 1, eps: 1}) > 0]
    assert len(u_eps) == 1
    k_of_eps = sp.simplify(1 / u_eps[0] ** 2)
    return Bound(
        id="sgd.nonconvex_horizon",
        title="SGD, step ~ 1/sqrt(k) fixed from the horizon, nonconvex: gradient at a random iterate",
        quantity="grad_sq_avg",
        expr=expr,
        iterations=k_of_eps,
        hyperparameters={"lr": step_best},
        k_min=1,
        assumptions=(*SMOOTH_BOUNDED_BELOW,
                     "unbiased stochastic gradients with E||g - grad f(x)||^2 <= sigma^2 for every x",
                     "the horizon k fixed in advance; constant step min(1/L, sqrt(2 Delta0/L)/(sigma sqrt(k)))",
                     "R uniform on {0, ..., k-1}"),
        in_expectation=True,
        source=GL_SOURCE + ", Cor. 2.2 (eq. 2.13 with D~ = D_f = sqrt(2 Delta0/L))",
        derivation=(
            Step("Constant step for horizon k (Cor. 2.2, D the free constant D~):", step),
            Step("From sgd.nonconvex, with 2 - L eta >= 1 and 1/eta <= L + sigma sqrt(k)/D:", relaxed),
            Step("The D minimising it:", d_best),
            Step("So E||grad f(x_R)||^2 <=", expr),
            Step("A quadratic in u = 1/sqrt(k):", in_u),
            Step("whose positive root at eps gives k(eps) = 1/u^2 =", k_of_eps),
        ),
        derived={"exact_at_step": sp.simplify(avg.subs(eta, step_best))},
        notes=(DELTA_NOTE, "O(1/sqrt(k)): SGD needs ~ sigma^2 L Delta0 / eps^2 steps, the eps^-4 = epsilon^-4 rate "
               "that Arjevani et al. (2023), Math. Program. 199, show is optimal for stochastic first-order "
               "methods.", "derived exact_at_step: the sgd.nonconvex bound at this step (no relaxation)."),
    )


# Carmon et al. (2020): the hard chain \bar f_T on R^T and its three properties (i)-(iii) below, built from
#   Psi(t) = 0 for t <= 1/2, exp(1 - 1/(2t - 1)^2) for t > 1/2;   Phi(t) = sqrt(e) int_{-inf}^t exp(-s^2/2) ds.
ELL1 = 152  # (iii): grad \bar f_T is ell1-Lipschitz with ell1 <= 152
GAP_PER_COORD = 12  # (i): \bar f_T(0) - inf \bar f_T <= 12 T;  (ii): ||grad \bar f_T(x)|| > 1 while x_T = 0


def lower_nonconvex() -> Bound:
    T, s_, e_ = sp.symbols("T sigma_s epsilon", positive=True)
    # (i) from 0 <= Psi < e and 0 < Phi < sqrt(2 pi e): each of the T terms is >= -Psi Phi > -e sqrt(2 pi e).
    per_term = sp.E * sp.sqrt(2 * sp.pi * sp.E)
    assert float(per_term) < GAP_PER_COORD
    # Scaling f = (L s^2/ell1) \bar f_T(x/s): L-smooth, gradient (L s/ell1) grad \bar f_T(x/s).
    grad_scale = L * s_ / ELL1
    s_val = sp.solve(sp.Eq(grad_scale, e_), s_)[0]  # gradients > epsilon while x_T = 0
    gap = sp.simplify(L * s_val**2 / ELL1 * GAP_PER_COORD * T)  # f(0) - inf f <= this
    # Need gap <= Delta0; zero-respecting iterates x_0..x_{T-1} keep x_T = 0, so with T = k + 1:
    eps_sq = sp.solve(sp.Eq(gap.subs(T, k + 1), Delta0), e_)
    eps_sq = sp.simplify(next(s for s in eps_sq if s.is_positive is not False) ** 2)
    expr = eps_sq
    return Bound(
        id="lower.nonconvex",
        title="Lower bound, nonconvex L-smooth: smallest gradient",
        quantity="grad_sq_min",
        direction="lower",
        expr=expr,
        iterations=solve_k(expr, eps),
        validity="zero-respecting methods (each iterate in x_0 + the span of the gradients seen so far: GD, "
        "heavy ball, Nesterov, SGD on the exact gradient) in dimension d >= k + 1; every deterministic or "
        "randomized first-order method in a larger dimension, polynomial in k (the chain composed with a random "
        "rotation, as Carmon et al. 2020 do), with a numerical constant this catalogue does not record",
        assumptions=(
            "first-order methods started at x_0 = 0 (translate otherwise)",
            "worst case over L-smooth f on R^d with f(x_0) - inf f <= Delta0",
        ),
        source="Carmon, Duchi, Hinder & Sidford (2020), Math. Program. 184, 71-120, 'Lower bounds for finding "
        "stationary points I' (p = 1: epsilon^-2); the constant 1/1824 derived here from the chain's bounds 12 T "
        "and 152",
        derivation=(
            Step("Hard chain \\bar f_T on R^T: (i) \\bar f_T(0) - inf <= 12 T, since each of its T terms "
                 "is at least -Psi Phi > -e sqrt(2 pi e) =", sp.N(per_term, 6)),
            Step("(ii) ||grad \\bar f_T(x)|| > 1 whenever x_T = 0; (iii) grad \\bar f_T is 152-Lipschitz. "
                 "f(x) = (L s^2/152) \\bar f_T(x/s) is L-smooth, with gradients above", grad_scale),
            Step("so gradients exceed epsilon while x_T = 0 when s =", s_val),
            Step("and f(0) - inf f is then at most", gap),
            Step("A zero-respecting method discovers one coordinate per gradient, so x_0..x_{T-1} keep x_T = 0: "
                 "with T = k + 1 and the gap equal to Delta0, min_{i<=k} ||grad f(x_i)||^2 > epsilon^2 =", expr),
            Step("No such method can guarantee ||grad f||^2 <= eps before k(eps) =", solve_k(expr, eps)),
        ),
        derived={"gd_ratio": sp.simplify(get("gd.nonconvex").expr / expr)},
        notes=(
            DELTA_NOTE,
            "Same rate as gd.nonconvex (L Delta0 / eps): GD is optimal up to the constant (derived gd_ratio).",
            "The paper states the rate with an unspecified constant; 1/1824 = 1/(12 * 152) follows from its "
            "chain's properties (i)-(iii) and holds for zero-respecting methods; tests/test_theory_nonconvex.py "
            "builds \\bar f_T, probes (i)-(iii) numerically and runs GD on it.",
        ),
    )


def work_nonconvex_crossover() -> Bound:
    k_gd = get("gd.nonconvex").iterations  # steps of n component gradients each
    k_sgd = get("sgd.nonconvex_horizon").iterations  # steps of one component gradient each
    expr = sp.simplify(k_sgd / k_gd)
    small = sp.limit(expr * eps, eps, 0)  # n* ~ small / eps as eps -> 0
    return Bound(
        id="work.nonconvex_crossover",
        title="Nonconvex: n above which SGD needs fewer component gradients than GD to reach ||grad f||^2 <= eps",
        quantity="n",
        direction="threshold",
        expr=expr,
        assumptions=(*SMOOTH_BOUNDED_BELOW,
                     "finite sum f = (1/n) sum_i f_i; a full gradient costs n component gradients",
                     "GD with step 1/L judged by min_{i<=k} ||grad f(x_i)||^2 (gd.nonconvex); SGD, batch 1, "
                     "with the horizon step of sgd.nonconvex_horizon judged by E||grad f(x_R)||^2"),
        in_expectation=True,
        source="from gd.nonconvex (Nesterov 2018, Sec. 1.2.3) and sgd.nonconvex_horizon (" + GL_SOURCE
        + ", Cor. 2.2), as work.crossover does for the strongly convex bounds",
        derivation=(
            Step("GD reaches eps after k_GD(eps) steps of n component gradients:", k_gd),
            Step("SGD after k_SGD(eps) steps of one:", k_sgd),
            Step("so SGD needs fewer component gradients iff n > k_SGD/k_GD =", expr),
            Step("which for small eps is about (independent of L and Delta0) this over eps:", small),
        ),
        derived={"n_star_small_eps": small / eps},
        notes=(DELTA_NOTE, "Compares two upper bounds, as work.crossover does: where a bound is loose (sigma^2 a "
               "worst case over all x, GD's constant 3/2 above the exact one) the measured winner can differ."),
    )


BOUNDS = (gd_nonconvex, sgd_nonconvex, sgd_nonconvex_decreasing, sgd_nonconvex_horizon, lower_nonconvex,
          work_nonconvex_crossover)
