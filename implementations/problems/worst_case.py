"""Nesterov's worst-case quadratics for the lower bounds (Lectures on Convex Optimization, 2018).

Convex (Sec. 2.1.2, eq. 2.1.18): for k <= d active coordinates,
    f_k(x) = L/4 (1/2 [x_1^2 + sum_{i=1}^{k-1} (x_i - x_{i+1})^2 + x_k^2] - x_1)
    x*_i = 1 - i/(k+1) (i <= k), 0 beyond;   f* = L/8 (-1 + 1/(k+1))
For any method with x_j in x_0 + span(grad f(x_0), ..., grad f(x_{j-1})) started at x_0 = 0 and
j <= (d-1)/2, f_{2j+1} gives f(x_j) - f* >= 3L ||x_0 - x*||^2 / (32 (j+1)^2)  (Thm 2.1.7).

Strongly convex (Thm 2.1.13), here truncated to d coordinates (with the boundary term x_d^2 kept so
the Hessian is (L-mu)/4 tridiag(-1, 2, -1) + mu I, all eigenvalues strictly inside (mu, L)):
    f(x) = (L-mu)/8 [x_1^2 + sum_{i=1}^{d-1} (x_i - x_{i+1})^2 + x_d^2 - 2 x_1] + mu/2 ||x||^2
    x*_i = (q^i - q^{2(d+1)-i}) / (1 - q^{2(d+1)}),  q = (sqrt(kappa)-1)/(sqrt(kappa)+1);  f* = -(L-mu)/8 x*_1
(the exact solution of the truncated problem: the recurrence x_{i+1} - 2 (kappa+1)/(kappa-1) x_i + x_{i-1} = 0
with x_0 = 1 and x_{d+1} = 0). As d grows it tends to Nesterov's x*_i = q^i.

L and mu are the nominal class parameters the lower bounds are stated with: the true extreme Hessian
eigenvalues (in `hessian`) lie strictly inside [mu, L]. Start from x_0 = 0.
"""

from __future__ import annotations

import math

import numpy as np

from ._base import Problem, quadratic_problem


def laplacian(k: int) -> np.ndarray:
    """The k x k tridiagonal matrix tridiag(-1, 2, -1)."""
    return 2.0 * np.eye(k) - np.eye(k, k=1) - np.eye(k, k=-1)


def nesterov_worst_case(d: int, L: float, mu: float = 0.0, *, active: int | None = None) -> Problem:
    """Nesterov's worst-case function in R^d: convex (mu = 0, `active` = k coordinates, default d) or
    strongly convex (mu > 0, truncated to d). x*, f* are closed forms (see module docstring)."""
    if not (isinstance(d, int | np.integer) and d >= 1):
        raise ValueError(f"d must be an int >= 1, got {d!r}")
    if not (math.isfinite(L) and math.isfinite(mu) and 0 <= mu < L):
        raise ValueError(f"need 0 <= mu < L (both finite), got mu={mu!r}, L={L!r}")
    k = d if active is None else active
    if not (isinstance(k, int | np.integer) and 1 <= k <= d):
        raise ValueError(f"active must be an int in [1, d={d}], got {active!r}")
    if mu > 0 and k != d:
        raise ValueError("the strongly convex version uses all d coordinates; leave active=None")

    if mu == 0:
        H = np.zeros((d, d))
        H[:k, :k] = L / 4 * laplacian(k)
        i = np.arange(1, d + 1)
        x_star = np.where(i <= k, 1.0 - i / (k + 1), 0.0)
        f_star = L / 8 * (-1.0 + 1.0 / (k + 1))

        def nearest(x0: np.ndarray) -> np.ndarray:
            return np.concatenate([x_star[:k], x0[k:]])  # coordinates beyond k are free

        name, notes = f"nesterov_worst_case[d={d}, k={k}, L={L:g}]", "Nesterov (2.1.18): x*, f* closed form."
    else:
        kappa = L / mu
        q = (math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1)
        H = (L - mu) / 4 * laplacian(d) + mu * np.eye(d)
        i = np.arange(1, d + 1)
        x_star = (q**i - q ** (2 * (d + 1) - i)) / (1 - q ** (2 * (d + 1)))
        f_star = -(L - mu) / 8 * x_star[0]
        nearest = None
        name = f"nesterov_worst_case[d={d}, L={L:g}, mu={mu:g}]"
        notes = "Nesterov Thm 2.1.13 truncated to d: x*, f* closed form for the truncated problem."
    c = np.zeros(d)
    c[0] = L / 4 if mu == 0 else (L - mu) / 4
    return quadratic_problem(name, H, c, x_star, f_star, L=L, mu=mu, notes=notes,
                             nearest_minimizer=nearest if mu == 0 and k < d else None)
