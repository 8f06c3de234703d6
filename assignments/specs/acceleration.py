"""Assignment 4 (acceleration: OGM and triple momentum against Nesterov and the lower bounds), written only through
the spec: nothing in grading/ knows it. Variant: the step factor h of the derivation (eta = h/L with Nesterov's
critically damped momentum for it; h = 1 would be the registry's nesterov.strongly_convex rate), OGM's step count N,
the kappa and tolerance of the strongly convex race, the problem size, the sample points."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..spec import Answers, Graded, Variant, expect
from .common import close, expression_form, number, properties, same_expression

NAME = "acceleration"
BASELINES = ("nesterov",)  # triple momentum is compared with Nesterov's method (graded in momentum, not here)
STEPS = (0.5, 0.6, 2 / 3, 0.75, 0.8, 0.9)
DEFAULT = {"h": 0.5, "N": 20, "kappa": 100.0, "tol": 1e-6, "d": 8, "seed": 0}
PLAN = {"max_examples": 6}  # ratecheck's checks of ogm and triple-momentum: every property, 6 examples each
METHODS = ("nesterov", "triple_momentum")


def draw(rng: np.random.Generator) -> dict[str, Any]:
    return {"h": float(rng.choice(STEPS)), "N": int(rng.integers(12, 41)),
            "kappa": float(np.round(10 ** rng.uniform(1.7, 2.7))), "tol": float(rng.choice([1e-6, 1e-8])),
            "d": int(rng.integers(6, 13)), "seed": int(rng.integers(1, 2**31))}


def reference_rate(variant: Variant) -> Any:
    """Nesterov's method with eta = h/L and beta = (1 - s)/(1 + s), s = sqrt(h mu/L), on the mu-eigendirection of a
    quadratic: e_{k+1} = (1 + beta)(1 - q) e_k - beta (1 - q) e_{k-1}, q = h mu/L (Lessard, Recht & Packard 2016,
    Sec. 2.2's quadratic analysis). The spectral radius is the largest root modulus of z^2 - (1+beta)(1-q) z +
    beta(1-q); at this beta the discriminant vanishes (a double root). Larger lambda give complex roots of smaller
    modulus sqrt(beta (1 - h lambda/L)), so this is the rate on the whole spectrum."""
    import sympy as sp

    from ...theory import SYMBOLS

    L, mu, z = SYMBOLS["L"], SYMBOLS["mu"], sp.Symbol("z")
    q = sp.nsimplify(variant["h"]) * mu / L
    beta = (1 - sp.sqrt(q)) / (1 + sp.sqrt(q))
    roots = sp.solve(z**2 - (1 + beta) * (1 - q) * z + beta * (1 - q), z)
    return sp.simplify(roots[0])  # a double root: both entries are equal


def reference_gap(N: int) -> float:
    """f(y_N) - f* of ratecheck's OGM (lr = 1/L) on Nesterov's worst-case convex function in R^(2N+1), L = 1."""
    from ...implementations import ogm
    from ...implementations.problems import nesterov_worst_case

    problem = nesterov_worst_case(2 * N + 1, 1.0)
    ys = ogm(problem.grad, np.zeros(2 * N + 1), 1.0, N)
    return float(problem.f(ys[-1]) - problem.f_star)


def reference_count(variant: Variant, method: str) -> int:
    """First k with ||x_k - x*|| <= tol: Nesterov (constant momentum) or triple momentum's output, ratecheck's
    implementations on quadratic_spectrum(d, 1, kappa, 0) from the 'both' worst-case start."""
    from ...implementations import nesterov, triple_momentum
    from ...implementations.problems import quadratic_spectrum, worst_case_start
    from ...implementations.triple_momentum import output, tm_parameters

    kappa, steps = variant["kappa"], int(40 * np.sqrt(variant["kappa"]))
    problem = quadratic_spectrum(variant["d"], 1.0, kappa, 0)
    x0 = worst_case_start(problem, "both")
    if method == "nesterov":
        xs = nesterov(problem.grad, x0, 1 / kappa, (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1), steps)
    else:
        t = tm_parameters(kappa, 1.0)
        xs = output(triple_momentum(problem.grad, x0, t["alpha"], t["beta"], t["gamma"], steps), t["delta"])
    return int(np.argmax(np.linalg.norm(xs - problem.x_star, axis=1) <= variant["tol"]))


# ---- the graded cells -----------------------------------------------------------------------------------------
def ogm_visible(ans: Answers, variant: Variant) -> None:
    fn = ans.function("ogm", "ogm")
    x0 = np.array([1.0, -2.0])
    xs = fn(lambda x: x, x0, 0.5, 3)
    expect(isinstance(xs, np.ndarray) and xs.shape == (4, 2), f"expected an array of shape (4, 2), got {xs!r}")
    expect(close(xs[0], [1.0, -2.0]) and close(x0, [1.0, -2.0]), "the first row is y_0 = x_0 (and x0 is unchanged)")
    one = fn(lambda x: 2.0 * x, np.array([1.0]), 0.25, 1)  # theta_1 = 2 by the last-step rule: y_1 = 0.25
    expect(close(one, [[1.0], [0.25]]), f"one step on f = x^2 (lr 1/4) should give y_1 = 0.25, got {one}")


def tm_visible(ans: Answers, variant: Variant) -> None:
    fn = ans.function("triple_momentum", "triple-momentum")
    xs = fn(lambda x: 2.0 * x, np.array([1.0]), 0.25, 0.0, 0.0, 3)  # beta = gamma = 0: gradient descent
    expect(isinstance(xs, np.ndarray) and xs.shape == (4, 1), f"expected an array of shape (4, 1), got {xs!r}")
    expect(np.allclose(xs[:, 0], [1.0, 0.5, 0.25, 0.125]), f"beta = gamma = 0 is gradient descent; got {xs[:, 0]}")
    xs = fn(lambda x: 2.0 * x, np.array([1.0]), 0.25, 0.5, 0.0, 2)  # xi_{-1} = xi_0: the first step is plain
    expect(close(xs[:2], [[1.0], [0.5]]), f"with xi_(-1) = xi_0 the first step has no momentum; got {xs[:2, 0]}")


def rate_visible(ans: Answers, variant: Variant) -> None:
    expression_form(ans, "rate_nag", ["L", "mu"], variant, lambda v: bool(np.all((v > 0) & (v < 1))),
                    "a rate lies in (0, 1)")


def rate_hidden(ans: Answers, variant: Variant) -> None:
    same_expression(ans, "rate_nag", reference_rate(variant), variant)


def gap_visible(ans: Answers, variant: Variant) -> None:
    from ...implementations.problems import nesterov_worst_case

    N = variant["N"]
    problem = nesterov_worst_case(2 * N + 1, 1.0)
    start = float(problem.f(np.zeros(2 * N + 1)) - problem.f_star)
    gap = number(ans, "ogm_gap", N)
    expect(0 < gap < start, f"ogm_gap({N}) = {gap:g} should lie between 0 and the start's gap {start:.4g}")


def gap_hidden(ans: Answers, variant: Variant) -> None:
    """The grader runs OGM itself on the same function: a made-up number earns nothing."""
    N = variant["N"]
    gap, truth = number(ans, "ogm_gap", N), reference_gap(N)
    expect(abs(gap - truth) <= 1e-6 * truth, f"ogm_gap({N}) = {gap:.6g} is not OGM's gap on the worst-case function")


def race_visible(ans: Answers, variant: Variant) -> None:
    for m in METHODS:
        c = number(ans, "iterations", m, variant["kappa"], variant["tol"])
        expect(c > 0 and float(c).is_integer(), f"iterations({m!r}, ...) must be a positive integer: {c}")


def race_hidden(ans: Answers, variant: Variant) -> None:
    for m in METHODS:
        c, truth = number(ans, "iterations", m, variant["kappa"], variant["tol"]), reference_count(variant, m)
        expect(abs(c - truth) <= 1, f"iterations({m!r}, {variant['kappa']:g}, {variant['tol']:g}) = {c:g} is not "
               "what that method takes from the worst-case start")


GRADED = (
    Graded("test_ogm_visible", 2, "visible", visible=ogm_visible),
    Graded("test_tm_visible", 2, "visible", visible=tm_visible),
    Graded("test_ogm_hidden", 3, "hidden", hidden=properties("ogm", "ogm", PLAN)),
    Graded("test_tm_hidden", 3, "hidden", hidden=properties("triple_momentum", "triple-momentum", PLAN)),
    Graded("test_rate", 3, "derivation", visible=rate_visible, hidden=rate_hidden),
    Graded("test_ogm_gap", 2, "measurement", visible=gap_visible, hidden=gap_hidden),
    Graded("test_race", 2, "measurement", visible=race_visible, hidden=race_hidden),
)
