"""Assignment momentum's answer key: the grader's own runs of the LRP cycle and of the iteration counts."""

from __future__ import annotations

import numpy as np

from ..spec import Variant
from ..specs.momentum import L_LRP, MU_LRP, STEPS_LRP, grad_lrp


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
