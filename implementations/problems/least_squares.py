"""Least-squares finite sums f(x) = (1/n) sum_i 1/2 (a_i^T x - b_i)^2, with their constants computed exactly.

    L = lambda_max(A^T A / n), mu = lambda_min(A^T A / n)       (eigvalsh; or prescribed via `spectrum`)
    L_max = max_i ||a_i||^2                                    (f_i'' = a_i a_i^T)
    x* by lstsq plus one step of iterative refinement; r* = A x* - b
    f* = (1/2n) ||r*||^2, sigma2_star = (1/n) sum_i r*_i^2 ||a_i||^2
Interpolating instances have b = A x_true, so x* = x_true, f* = 0 and sigma2_star = 0 by construction.

Cost model: one component gradient a_i (a_i^T x - b_i) costs 4d flops (two length-d multiply-adds);
a full gradient costs n of them, 4nd; a value 2nd.
"""

from __future__ import annotations

import numpy as np

from ._base import Problem, as_generator, haar_rotation, propagates_nonfinite


def least_squares(n: int, d: int, rng: np.random.Generator | int, *, noise: float | None = None,
                  interpolating: bool = False, spectrum: tuple[float, float] | None = None) -> Problem:
    """A strongly convex least-squares sum (n >= d).

    A has i.i.d. N(0, 1) entries, or, with spectrum=(mu, L), A = sqrt(n) U diag(sqrt(lambda)) V^T with
    lambda evenly spaced in [mu, L] so that L and mu are the prescribed numbers. b = A x_true + noise * eps
    (noise defaults to 0.5; interpolating=True means noise = 0).
    """
    rng = as_generator(rng)
    _check_sizes(n, d)
    if n < d:
        raise ValueError(f"n = {n} < d = {d} makes A^T A singular (mu = 0); use least_squares_rank_deficient")
    noise = _noise_level(noise, interpolating)
    if spectrum is None:
        A = rng.standard_normal((n, d))
    else:
        mu, L = spectrum
        if not (0 < mu <= L < np.inf):
            raise ValueError(f"spectrum must be (mu, L) with 0 < mu <= L, got {spectrum!r}")
        U, _ = np.linalg.qr(rng.standard_normal((n, d)))
        A = np.sqrt(n) * (U * np.sqrt(np.linspace(mu, L, d))) @ haar_rotation(d, rng).T
    x_true = rng.standard_normal(d)
    b = A @ x_true + noise * rng.standard_normal(n)
    if noise == 0:
        x_star = x_true
    else:
        x_star = np.linalg.lstsq(A, b, rcond=None)[0]
        x_star = x_star + np.linalg.lstsq(A, b - A @ x_star, rcond=None)[0]  # refinement
    hess = A.T @ A / n
    hess = (hess + hess.T) / 2
    lam = np.linalg.eigvalsh(hess)
    L, mu = (lam[-1], lam[0]) if spectrum is None else (spectrum[1], spectrum[0])
    kind = "interpolating" if noise == 0 else f"noise={noise:g}"
    return _make(f"least_squares[n={n}, d={d}, {kind}]", A, b, x_star, L=L, mu=mu, hessian=hess,
                 exact_zero=noise == 0,
                 notes="L, mu: eigvalsh(A^T A/n) (prescribed when spectrum is given); L_max = max ||a_i||^2; "
                       "x* by lstsq + refinement (x_true when interpolating); "
                       "f*, sigma2_star from r* = A x* - b.")


def least_squares_spread(n: int, d: int, rng: np.random.Generator | int, *, noise: float = 0.3,
                         tilt: float = 0.3) -> Problem:
    """A strongly convex least-squares sum whose components point in different directions, with L_max/mu
    about 2d: row i is a unit vector near the (i mod d)-th axis of a random rotation (tilted by `tilt` times a
    Gaussian), scaled by sqrt(s_i), s_i uniform in [0.5, 1]. The components' gradients then disagree away from
    x* (the variance SVRG removes), while L_max stays close to L: a finite sum for variance-reduced methods.
    n >= d; L, mu by eigvalsh as in least_squares."""
    rng = as_generator(rng)
    _check_sizes(n, d)
    if n < d:
        raise ValueError(f"n = {n} < d = {d} makes A^T A singular (mu = 0)")
    rows = np.eye(d)[np.arange(n) % d] + tilt * rng.standard_normal((n, d))
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    A = (rows * np.sqrt(rng.uniform(0.5, 1.0, n))[:, None]) @ haar_rotation(d, rng).T
    b = A @ rng.standard_normal(d) + noise * rng.standard_normal(n)
    x_star = np.linalg.lstsq(A, b, rcond=None)[0]
    x_star = x_star + np.linalg.lstsq(A, b - A @ x_star, rcond=None)[0]  # refinement
    hess = A.T @ A / n
    hess = (hess + hess.T) / 2
    lam = np.linalg.eigvalsh(hess)
    return _make(f"least_squares_spread[n={n}, d={d}, noise={noise:g}]", A, b, x_star, L=lam[-1], mu=lam[0],
                 hessian=hess, exact_zero=False,
                 notes="rows near the axes of a random rotation, ||a_i||^2 in [0.5, 1]; L, mu: eigvalsh(A^T A/n); "
                       "L_max = max ||a_i||^2; x* by lstsq + refinement.")


def least_squares_rank_deficient(n: int, d: int, rank: int, rng: np.random.Generator | int, *,
                                 noise: float | None = None, interpolating: bool = False,
                                 spectrum: tuple[float, float] = (0.1, 1.0)) -> Problem:
    """A convex, not strongly convex least-squares sum: rank(A) = rank < d, so mu = 0 exactly.

    A = sqrt(n) U diag(sqrt(lambda)) V^T with U (n x rank), V (d x rank) orthonormal and the nonzero
    eigenvalues of A^T A/n evenly spaced in `spectrum`. x* = V diag(1/s) U^T b is the min-norm
    minimiser; nearest_minimizer(x0) = x* + (I - V V^T) x0 is the one gradient methods reach from x0.
    """
    rng = as_generator(rng)
    _check_sizes(n, d)
    if not (isinstance(rank, int | np.integer) and 1 <= rank < min(n + 1, d)):
        raise ValueError(f"rank must be an int with 1 <= rank <= n and rank < d, "
                         f"got rank={rank!r} (n={n}, d={d})")
    noise = _noise_level(noise, interpolating)
    lo, hi = spectrum
    if not (0 < lo <= hi < np.inf):
        raise ValueError(f"spectrum must be (lo, hi) with 0 < lo <= hi, got {spectrum!r}")
    U, _ = np.linalg.qr(rng.standard_normal((n, rank)))
    V, _ = np.linalg.qr(rng.standard_normal((d, rank)))
    s = np.sqrt(n * np.linspace(lo, hi, rank))
    A = (U * s) @ V.T
    b = A @ rng.standard_normal(d) + noise * rng.standard_normal(n)
    x_star = V @ ((U.T @ b) / s)

    def nearest(x0: np.ndarray) -> np.ndarray:
        return x_star + (x0 - V @ (V.T @ x0))

    kind = "interpolating" if noise == 0 else f"noise={noise:g}"
    return _make(f"least_squares_rank_deficient[n={n}, d={d}, rank={rank}, {kind}]", A, b, x_star,
                 L=hi, mu=0.0, hessian=(V * (s * s / n)) @ V.T, exact_zero=noise == 0, nearest=nearest,
                 notes="A = U diag(s) V^T built explicitly: L = max s^2/n, mu = 0 (rank < d); x* min-norm "
                       "= V diag(1/s) U^T b; L_max = max ||a_i||^2; f*, sigma2_star from r* = A x* - b.")


def _check_sizes(n: object, d: object) -> None:
    for name, v in (("n", n), ("d", d)):
        if not (isinstance(v, int | np.integer) and v >= 1):
            raise ValueError(f"{name} must be an int >= 1, got {v!r}")


def _noise_level(noise: float | None, interpolating: bool) -> float:
    if interpolating:
        if noise not in (None, 0, 0.0):
            raise ValueError(f"interpolating=True means noise = 0, got noise={noise!r}")
        return 0.0
    noise = 0.5 if noise is None else float(noise)
    if not (np.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")
    return noise


def _make(name, A, b, x_star, *, L, mu, hessian, exact_zero, notes, nearest=None) -> Problem:
    A, b = np.ascontiguousarray(A), np.ascontiguousarray(b)
    n, d = A.shape
    AT = np.ascontiguousarray(A.T)
    row2 = np.einsum("ij,ij->i", A, A)
    r = A @ x_star - b
    f_star = 0.0 if exact_zero else float(0.5 * np.mean(r * r))
    sigma2 = 0.0 if exact_zero else float(np.mean(r * r * row2))

    def f(x: np.ndarray) -> float:
        res = A.dot(x) - b
        return float(0.5 * res.dot(res) / n)

    @propagates_nonfinite
    def grad(x: np.ndarray) -> np.ndarray:
        return AT.dot(A.dot(x) - b) / n

    @propagates_nonfinite
    def grad_i(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
        Ab = A.take(idx, axis=0)
        return (Ab.dot(x) - b.take(idx)).dot(Ab) / idx.size

    @propagates_nonfinite
    def grad_i_batched(X: np.ndarray, IDX: np.ndarray) -> np.ndarray:
        if IDX.shape[1] == 1:  # plain SGD: one row of A per replicate
            Ab = A.take(IDX[:, 0], axis=0)
            return Ab * (np.einsum("rd,rd->r", Ab, X) - b.take(IDX[:, 0]))[:, None]
        Ab = A.take(IDX, axis=0)  # (R, batch, d); batched matmul beats einsum here
        res = np.matmul(Ab, X[:, :, None])[..., 0] - b.take(IDX)
        return np.matmul(res[:, None, :], Ab)[:, 0, :] / IDX.shape[1]

    return Problem(name=name, d=d, n=n, f=f, grad=grad, grad_i=grad_i, grad_i_batched=grad_i_batched,
                   L=float(L), mu=float(mu), L_max=float(row2.max()), sigma2_star=sigma2,
                   x_star=np.array(x_star, dtype=np.float64), f_star=f_star,
                   flops_grad=4.0 * n * d, flops_component=4.0 * d, flops_value=2.0 * n * d,
                   hessian=hessian, nearest_minimizer=nearest, notes=notes)
