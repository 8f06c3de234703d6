"""Assignment 4 (acceleration: OGM and triple momentum against Nesterov and the lower bounds), written only through
the spec: nothing in grading/ knows it. Variant: the step factor h of the derivation (eta = h/L with Nesterov's
critically damped momentum for it; h = 1 would be the registry's nesterov.strongly_convex rate), OGM's step count N,
the kappa and tolerance of the strongly convex race, the problem size, the sample points."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..spec import Answers, Graded, Variant, answer_key, expect
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
    same_expression(ans, "rate_nag", answer_key(NAME).reference_rate(variant), variant)


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
    gap, truth = number(ans, "ogm_gap", N), answer_key(NAME).reference_gap(N)
    expect(abs(gap - truth) <= 1e-6 * truth, f"ogm_gap({N}) = {gap:.6g} is not OGM's gap on the worst-case function")


def race_visible(ans: Answers, variant: Variant) -> None:
    for m in METHODS:
        c = number(ans, "iterations", m, variant["kappa"], variant["tol"])
        expect(c > 0 and float(c).is_integer(), f"iterations({m!r}, ...) must be a positive integer: {c}")


def race_hidden(ans: Answers, variant: Variant) -> None:
    key = answer_key(NAME)
    for m in METHODS:
        c, truth = number(ans, "iterations", m, variant["kappa"], variant["tol"]), key.reference_count(variant, m)
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
