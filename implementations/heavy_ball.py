"""Polyak's heavy-ball method.

    x_{-1} = x_0
    for k = 0, 1, ..., steps-1:
        x_{k+1} = x_k - lr * grad(x_k) + momentum * (x_k - x_{k-1})

Source: B. T. Polyak, "Some methods of speeding up the convergence of iteration methods",
USSR Comput. Math. Math. Phys. 4(5), 1964; Polyak, Introduction to Optimization (1987), Sec. 3.2.1.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import _validate as check


def heavy_ball(grad: Callable[[np.ndarray], np.ndarray], x0: np.ndarray, lr: float, momentum: float,
               steps: int) -> np.ndarray:
    """Run `steps` heavy-ball steps from x0 (x_{-1} = x_0); return x_0 ... x_steps, shape (steps+1, d)."""
    check.function(grad, "grad")
    x0, lr, steps = check.x0(x0), check.real(lr, "lr"), check.integer(steps, "steps", 0)
    beta = check.real(momentum, "momentum", low=0.0, high=1.0, open_low=False)

    xs = np.empty((steps + 1, x0.size))
    xs[0] = x0
    x_prev = x0  # x_{-1} = x_0: the first step is a plain gradient step
    for k in range(steps):
        xs[k + 1] = xs[k] - lr * grad(xs[k]) + beta * (xs[k] - x_prev)
        x_prev = xs[k]
    return xs
