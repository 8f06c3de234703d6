"""Assignment momentum's answer key: the best momentum for the variant's step, and the grader's own runs of the LRP
cycle and of the iteration counts."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..spec import Variant
from ..specs.momentum import L_LRP, MU_LRP, STEPS_LRP, grad_lrp


def rate_for_step(variant: Variant) -> Any:
    """The heavy ball's best rate with the step fixed at eta = h/L (1 < h < 4), derived as Polyak (1964, Thm 9)
    derives his parameters: along the eigenvector of lambda the error follows z^2 - (1 + beta - eta lambda) z +
    beta, whose roots are complex or double, of modulus s = sqrt(beta), exactly when (1 - s)^2 <= eta lambda <=
    (1 + s)^2. Both ends of [mu, L] bind: s >= 1 - sqrt(h mu/L) at lambda = mu, s >= sqrt(h) - 1 at lambda = L.
    A smaller beta leaves real roots at the binding end, the larger of modulus above s (dr/dbeta = (r - 1) /
    (2r - t) < 0 there), so the smallest admissible s is the rate. At Polyak's step both terms are equal."""
    import sympy as sp

    from ...theory import SYMBOLS

    L, mu, s = SYMBOLS["L"], SYMBOLS["mu"], sp.Symbol("s", positive=True)
    eta = sp.nsimplify(variant["h"]) / L
    at_mu = [r for r in sp.solve(sp.Eq((1 - s) ** 2, eta * mu), s) if r.subs({L: 100, mu: 1}) < 1]
    at_L = [r for r in sp.solve(sp.Eq((1 + s) ** 2, eta * L), s) if r.is_positive]
    return sp.Max(at_mu[0], at_L[0])


def momentum_for_step(variant: Variant) -> Any:
    return rate_for_step(variant) ** 2


def regimes(variant: Variant) -> list[dict[str, tuple[float, float]]]:
    """Sample ranges on each side of kappa_c = h / (2 - sqrt h)^2, where both ends bind (there h/L is Polyak's
    step): below it lambda = L decides the rate, above it lambda = mu. An answer with one end only fails one."""
    h = float(variant["h"])
    kappa_c = h / (2 - np.sqrt(h)) ** 2
    return [{"mu": (0.9, 1.0), "L": (1.0, 0.8 * kappa_c)}, {"mu": (0.9, 1.0), "L": (1.25 * kappa_c, 50 * kappa_c)}]


def reference_lrp(variant: Variant) -> np.ndarray:
    """The grader's own run: ratecheck's heavy ball with Polyak's parameters (heavy_ball.quadratic) on grad_lrp."""
    from ...implementations import heavy_ball
    from ...theory import SYMBOLS, get

    hp = get("heavy_ball.quadratic").hyperparameters
    values = {SYMBOLS["L"]: L_LRP, SYMBOLS["mu"]: MU_LRP}
    lr, beta = float(hp["lr"].subs(values)), float(hp["momentum"].subs(values))
    return heavy_ball(grad_lrp, np.array([variant["x0_lrp"]]), lr, beta, STEPS_LRP)


def reference_count(method: str, kappa: float, eps: float = 1e-6) -> int | None:
    """The grader's own run of `iterations(method, kappa)`: ratecheck's implementations with the notebook's
    steps (30 kappa for GD, 30 sqrt(kappa) for the momentum methods) and Polyak's parameters from the registry."""
    from ...implementations import gradient_descent, heavy_ball, nesterov
    from ...implementations.problems import quadratic_spectrum, worst_case_start
    from ...theory import SYMBOLS, get

    problem = quadratic_spectrum(10, 1.0, kappa, 0)
    x0 = worst_case_start(problem, "both")
    if method == "gd":
        xs = gradient_descent(problem.grad, x0, 1.0 / kappa, int(30 * kappa))
    elif method == "heavy_ball":
        hp = get("heavy_ball.quadratic").hyperparameters
        values = {SYMBOLS["L"]: kappa, SYMBOLS["mu"]: 1.0}
        xs = heavy_ball(problem.grad, x0, float(hp["lr"].subs(values)), float(hp["momentum"].subs(values)),
                        int(30 * np.sqrt(kappa)))
    else:
        q = (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)
        xs = nesterov(problem.grad, x0, 1.0 / kappa, q, int(30 * np.sqrt(kappa)))
    dist = np.linalg.norm(xs - problem.x_star, axis=1)
    return int(np.argmax(dist <= eps)) if np.any(dist <= eps) else None
