"""Gradient descent with a constant step size.

    for k = 0, 1, ..., steps-1:
        x_{k+1} = x_k - lr * grad(x_k)

Source: Nesterov, Lectures on Convex Optimization (2nd ed., 2018), Sec. 1.2.3 and 2.1.5;
Bubeck, Convex Optimization: Algorithms and Complexity (2015), Sec. 3.1.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import _validate as check


def gradient_descent(grad: Callable[[np.ndarray], np.ndarray], x0: np.ndarray, lr: float, steps: int,
                     ) -> np.ndarray:
    """Run `steps` gradient steps from x0; return the iterates x_0 ... x_steps, shape (steps+1, d)."""
    check.function(grad, "grad")
    x0, lr, steps = check.x0(x0), check.real(lr, "lr"), check.integer(steps, "steps", 0)

    xs = np.empty((steps + 1, x0.size))
    xs[0] = x0
    for k in range(steps):
        xs[k + 1] = xs[k] - lr * grad(xs[k])
    return xs
