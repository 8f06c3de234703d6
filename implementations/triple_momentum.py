"""Van Scoy, Freeman & Lynch's triple momentum method (TM).

    xi_{-1} = xi_0 = x_0
    for k = 0, 1, ..., steps-1:
        y_k      = (1 + gamma) xi_k - gamma xi_{k-1}                          # where the gradient is taken
        xi_{k+1} = (1 + beta) xi_k - beta xi_{k-1} - alpha grad(y_k)          # the state

The returned sequence is the state xi_0 ... xi_steps. The theorem's output x_k = (1 + delta) xi_k - delta xi_{k-1}
(delta = rho^2/(1 - rho^2)) is a function of two consecutive states: `output(xis, delta)`.

With rho = 1 - sqrt(mu/L): alpha = (1 + rho)/L, beta = rho^2/(2 - rho), gamma = rho^2/((1 + rho)(2 - rho))
(`tm_parameters`); the theory is theory/triple_momentum.py.

Source: B. Van Scoy, R. A. Freeman & K. M. Lynch, "The fastest known globally convergent first-order method for
minimizing strongly convex functions", IEEE Control Syst. Lett. 2(1) (2018), 49-54.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from . import _validate as check


def triple_momentum(grad: Callable[[np.ndarray], np.ndarray], x0: np.ndarray, alpha: float, beta: float,
                    gamma: float, steps: int) -> np.ndarray:
    """Run `steps` TM steps from x0 (xi_{-1} = xi_0 = x0); return xi_0 ... xi_steps, shape (steps+1, d)."""
    check.function(grad, "grad")
    x0, steps = check.x0(x0), check.integer(steps, "steps", 0)
    alpha = check.real(alpha, "alpha")
    beta = check.real(beta, "beta", low=0.0, high=1.0, open_low=False)
    gamma = check.real(gamma, "gamma", low=0.0, open_low=False)

    xis = np.empty((steps + 1, x0.size))
    xis[0] = x0
    for k in range(steps):
        xi, xi_prev = xis[k], xis[k - 1] if k else xis[0]
        y = (1 + gamma) * xi - gamma * xi_prev
        xis[k + 1] = (1 + beta) * xi - beta * xi_prev - alpha * grad(y)
    return xis


def tm_parameters(L: float, mu: float) -> dict[str, float]:
    """alpha, beta, gamma (the teaching form's arguments), delta and rho of Van Scoy et al. for 0 < mu < L."""
    L, mu = check.real(L, "L"), check.real(mu, "mu", high=L)
    rho = 1 - math.sqrt(mu / L)
    return {"alpha": (1 + rho) / L, "beta": rho**2 / (2 - rho), "gamma": rho**2 / ((1 + rho) * (2 - rho)),
            "delta": rho**2 / (1 - rho**2), "rho": rho}


def output(xis: np.ndarray, delta: float) -> np.ndarray:
    """The output sequence x_k = (1 + delta) xi_k - delta xi_{k-1} (xi_{-1} = xi_0) of a run's states xis."""
    xis = np.asarray(xis, dtype=float)
    prev = np.concatenate([xis[:1], xis[:-1]])
    return (1 + delta) * xis - delta * prev
