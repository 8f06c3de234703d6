"""Nesterov's accelerated gradient method, and the FISTA momentum schedule.

    y_0 = x_0
    for k = 0, 1, ..., steps-1:
        x_{k+1} = y_k - lr * grad(y_k)                 # gradient step from the extrapolated point
        y_{k+1} = x_{k+1} + b_k * (x_{k+1} - x_k)      # momentum b_k: a constant or a schedule k -> b_k

The returned sequence is the gradient-step sequence x_0 ... x_steps (the points the bounds are stated for).

FISTA momentum (Beck & Teboulle): t_1 = 1, t_{j+1} = (1 + sqrt(1 + 4 t_j^2)) / 2, and in this indexing
b_k = (t_{k+1} - 1) / t_{k+2}, so b_0 = 0.

Sources: Y. Nesterov, "A method for solving the convex programming problem with convergence rate
O(1/k^2)", Soviet Math. Dokl. 27, 1983; Nesterov, Lectures on Convex Optimization (2018), Sec. 2.2;
A. Beck & M. Teboulle, "A fast iterative shrinkage-thresholding algorithm", SIAM J. Imaging Sci. 2(1), 2009.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from . import _validate as check


def nesterov(grad: Callable[[np.ndarray], np.ndarray], x0: np.ndarray, lr: float,
             momentum: float | Callable[[int], float], steps: int) -> np.ndarray:
    """Run `steps` accelerated steps from x0 (y_0 = x_0); return x_0 ... x_steps, shape (steps+1, d)."""
    check.function(grad, "grad")
    x0, lr, steps = check.x0(x0), check.real(lr, "lr"), check.integer(steps, "steps", 0)
    b = check.schedule(momentum, "momentum", low=0.0, high=1.0, open_low=False)

    xs = np.empty((steps + 1, x0.size))
    xs[0] = y = x0
    for k in range(steps):
        xs[k + 1] = y - lr * grad(y)
        y = xs[k + 1] + b(k) * (xs[k + 1] - xs[k])
    return xs


def fista_momentum() -> Callable[[int], float]:
    """The FISTA schedule k -> b_k = (t_{k+1} - 1) / t_{k+2} (t_1 = 1), so b_0 = 0 and b_k -> 1.

    Returns a fresh callable; the t_j are computed once and cached, so any k may be asked in any order.
    """
    t = [math.nan, 1.0]  # t[j] = t_j, 1-based as in Beck & Teboulle

    def b(k: int) -> float:
        k = check.integer(k, "k", 0)
        while len(t) < k + 3:
            t.append((1.0 + math.sqrt(1.0 + 4.0 * t[-1] ** 2)) / 2.0)
        return (t[k + 1] - 1.0) / t[k + 2]

    return b
