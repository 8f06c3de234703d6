"""Kim & Fessler's optimized gradient method (OGM), with its last-step theta rule.

    y_0 = x_0 ;  theta_0 = 1
    for k = 0, 1, ..., steps-1:
        x_{k+1} = y_k - lr * grad(y_k)                                     # gradient step (primary sequence)
        theta_{k+1} = (1 + sqrt(1 + 4 theta_k^2)) / 2        if k + 1 < steps
                      (1 + sqrt(1 + 8 theta_k^2)) / 2        if k + 1 = steps   (the last step)
        y_{k+1} = x_{k+1} + (theta_k - 1)/theta_{k+1} (x_{k+1} - x_k)     # Nesterov's momentum ...
                          + theta_k/theta_{k+1} (x_{k+1} - y_k)           # ... plus OGM's extra term

The returned sequence is y_0 = x_0 ... y_steps (the points the bound is stated for: f(y_steps) - f* <=
L R^2/(2 theta_steps^2) with lr = 1/L). y_steps depends on `steps`: a run of N steps and the first N steps of a
longer run differ in their last point.

Source: D. Kim & J. A. Fessler, "Optimized first-order methods for smooth convex minimization", Math. Program.
159 (2016), 81-107 (OGM, Thm 2); Y. Drori, "The exact information-based complexity of smooth convex
minimization", J. Complexity 39 (2017) (optimality).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from . import _validate as check


def ogm_theta(steps: int) -> list[float]:
    """The schedule theta_0 ... theta_steps of a `steps`-step run (the last one by the last-step rule)."""
    steps = check.integer(steps, "steps", 0)
    theta = [1.0]
    for k in range(steps):
        c = 8.0 if k + 1 == steps else 4.0
        theta.append((1.0 + math.sqrt(1.0 + c * theta[-1] ** 2)) / 2.0)
    return theta


def ogm(grad: Callable[[np.ndarray], np.ndarray], x0: np.ndarray, lr: float, steps: int) -> np.ndarray:
    """Run `steps` OGM steps from x0 (y_0 = x_0); return y_0 ... y_steps, shape (steps+1, d)."""
    check.function(grad, "grad")
    x0, lr, steps = check.x0(x0), check.real(lr, "lr"), check.integer(steps, "steps", 0)
    theta = ogm_theta(steps)

    ys = np.empty((steps + 1, x0.size))
    ys[0] = x = x0
    for k in range(steps):
        x_prev, x = x, ys[k] - lr * grad(ys[k])
        ys[k + 1] = x + (theta[k] - 1) / theta[k + 1] * (x - x_prev) + theta[k] / theta[k + 1] * (x - ys[k])
    return ys
