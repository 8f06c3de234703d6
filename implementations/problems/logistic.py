"""L2-regularised logistic regression: strongly convex, smooth, not quadratic.

    f_i(x) = log(1 + exp(-y_i a_i^T x)) + lam/2 ||x||^2,   f = (1/n) sum_i f_i,   y_i in {-1, +1}

Constants: mu = lam (the infimum of lambda_min of the Hessian, approached as ||x|| grows);
L = ||A||_2^2 / (4n) + lam and L_max = max_i ||a_i||^2 / 4 + lam are the bounds from sigmoid' <= 1/4, and
exact: at x = 0 every margin is 0 and sigmoid'(0) = 1/4, so the Hessian there attains them.
x* is solved by Newton's method until the gradient norm
is ~1e-15 relative to ||grad f(0)|| (the rounding floor); f* = f(x*), sigma2_star = mean ||grad f_i(x*)||^2.

Cost model: one component gradient costs 4d flops (a_i^T x and the scaled a_i), a full gradient 4nd,
a value 2nd; elementwise work (sigmoid, regulariser) is not counted.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from ._base import Problem, as_generator


def logistic(n: int, d: int, lam: float, rng: np.random.Generator | int, *, scale: float = 1.0) -> Problem:
    """n labelled points a_i ~ N(0, scale^2/d I), labels y_i ~ Bernoulli(sigmoid(a_i^T w)) for a planted w."""
    rng = as_generator(rng)
    for name, v in (("n", n), ("d", d)):
        if not (isinstance(v, int | np.integer) and v >= 1):
            raise ValueError(f"{name} must be an int >= 1, got {v!r}")
    if not (np.isfinite(lam) and lam > 0):
        raise ValueError(f"lam must be a finite number > 0 (it is mu), got {lam!r}")
    A = rng.standard_normal((n, d)) * (scale / np.sqrt(d))
    w = rng.standard_normal(d) * 2.0
    y = np.where(rng.random(n) < expit(A @ w), 1.0, -1.0)
    return logistic_data(A, y, lam, name=f"logistic[n={n}, d={d}, lam={lam:g}]")


def logistic_data(A: np.ndarray, y: np.ndarray, lam: float, *, name: str | None = None) -> Problem:
    """The same problem on given data: A (n x d), labels y in {-1, +1} (e.g. a real data set)."""
    A, y = np.asarray(A, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if A.ndim != 2 or y.shape != (A.shape[0],):
        raise ValueError(f"A must be (n, d) and y (n,), got A {A.shape} and y {y.shape}")
    if not np.all(np.isin(y, (-1.0, 1.0))):
        raise ValueError("labels y must be -1 or +1 (e.g. np.where(target == c, 1.0, -1.0))")
    if not (np.isfinite(lam) and lam > 0):
        raise ValueError(f"lam must be a finite number > 0 (it is mu), got {lam!r}")
    n, d = A.shape
    Z = np.ascontiguousarray(y[:, None] * A)  # f_i depends on y_i a_i only
    lam = float(lam)

    def f(x: np.ndarray) -> float:
        return float(np.mean(np.logaddexp(0.0, -Z.dot(x))) + 0.5 * lam * x.dot(x))

    def grad(x: np.ndarray) -> np.ndarray:
        return expit(-Z.dot(x)).dot(Z) / -n + lam * x

    def grad_i(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
        Zb = Z.take(idx, axis=0)
        return expit(-Zb.dot(x)).dot(Zb) / -idx.size + lam * x

    def grad_i_batched(X: np.ndarray, IDX: np.ndarray) -> np.ndarray:
        Zb = Z.take(IDX, axis=0)  # (R, batch, d)
        s = expit(-np.matmul(Zb, X[:, :, None])[..., 0])
        return np.matmul(s[:, None, :], Zb)[:, 0, :] / -IDX.shape[1] + lam * X

    x_star, gnorm = _newton(Z, lam, f, grad)
    comp = Z * -expit(-Z @ x_star)[:, None] + lam * x_star  # grad f_i(x*)
    return Problem(
        name=name or f"logistic_data[n={n}, d={d}, lam={lam:g}]", d=d, n=n, f=f, grad=grad, grad_i=grad_i,
        grad_i_batched=grad_i_batched,
        L=float(np.linalg.norm(Z, 2) ** 2 / (4 * n) + lam), mu=lam,
        L_max=float(np.max(np.einsum("ij,ij->i", Z, Z)) / 4 + lam),
        sigma2_star=float(np.mean(np.einsum("ij,ij->i", comp, comp))), x_star=x_star, f_star=f(x_star),
        flops_grad=4.0 * n * d, flops_component=4.0 * d, flops_value=2.0 * n * d,
        notes=f"mu = lam, L and L_max the sigmoid' <= 1/4 bounds (attained at x = 0); "
              f"x* by Newton (||grad f(x*)|| = {gnorm:.1e}).",
    )


def _newton(Z: np.ndarray, lam: float, f, grad) -> tuple[np.ndarray, float]:
    """Damped Newton from 0, run until the gradient norm stops decreasing (its rounding floor)."""
    n, d = Z.shape
    x = np.zeros(d)
    g = grad(x)
    gnorm = np.linalg.norm(g)
    tol = 1e-15 * gnorm
    for _ in range(200):
        if gnorm <= tol:
            break
        s = expit(Z @ x)
        dx = np.linalg.solve((Z.T * (s * (1 - s))) @ Z / n + lam * np.eye(d), g)
        t = 1.0
        while True:  # backtracking; the full step is taken near x*, giving quadratic convergence
            x_new = x - t * dx
            g_new = grad(x_new)
            new_norm = np.linalg.norm(g_new)
            if new_norm < gnorm or f(x_new) <= f(x) - 1e-4 * t * g.dot(dx) or t < 1e-12:
                break
            t /= 2
        if new_norm >= gnorm and gnorm < 1e-8:
            break  # at the rounding floor: another step cannot reduce the gradient
        x, g, gnorm = x_new, g_new, new_norm
    return x, float(gnorm)
