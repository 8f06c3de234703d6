"""Nonconvex finite sums with exactly known (or proven) L and a proven lower bound f_low.

    logistic_nonconvex(n, d, lam, rng)   f_i(x) = log(1 + exp(-y_i a_i^T x)) + lam sum_j x_j^2/(1 + x_j^2)
    logistic_nonconvex_data(A, y, lam)   the same on given data (labels +-1)
    cauchy_regression(n, d, rng, ...)    f_i(x) = c^2/2 log(1 + ((a_i^T x - b_i)/c)^2), outliers in b
    random_nonconvex(d, n, rng, ...)     f_i(x) = sum_j [a_j/2 y_j^2 - lam_j exp(-(y_j - s_j)^2/2)] + z_i^T x,
                                         y = Q^T x: exact L, curvature floor, f_low and gradient variance
    carmon_chain(T, L, Delta0, d)        Carmon et al.'s hard instance for lower.nonconvex

Every constructor returns a `NonconvexProblem`: a `Problem` (so the counted oracle and the optimizers take it)
whose minimiser is unknown, so x_star, f_star and sigma2_star are NaN, plus
    f_low    a proven lower bound on inf f (the Delta0 of theory/nonconvex.py is f(x_0) - f_low)
    sigma2   a proven bound on sup_x (1/n) sum_i ||grad f_i(x) - grad f(x)||^2 (batch size 1)
    L_exact  True when L = sup_x ||Hessian f(x)||_2 is attained (the point is in `notes`), False when L is
             only a proven upper bound
and mu, here the smallest curvature: a lower bound on lambda_min of the Hessian over all x, negative for
these problems (f + |mu|/2 ||x||^2 is convex).

Cost model as for the convex problems: a component gradient 4d flops, a full gradient 4nd, a value 2nd;
elementwise work (sigmoid, the regulariser) is not counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import erf, expit

from ._base import Problem, as_generator, haar_rotation

NAN = float("nan")
# Curvature of r(t) = t^2/(1 + t^2): r''(t) = (2 - 6t^2)/(1 + t^2)^3 lies in [-1/2, 2] (max at 0, min at t^2 = 1).
REG_CURV_MAX, REG_CURV_MIN = 2.0, -0.5
# Curvature of -exp(-t^2/2): (1 - t^2) exp(-t^2/2) lies in [-2 exp(-3/2), 1] (max at 0, min at t^2 = 3).
WELL_CURV_MIN = -2.0 * math.exp(-1.5)


@dataclass(frozen=True, eq=False, repr=False)
class NonconvexProblem(Problem):
    """A `Problem` without a known minimiser: see the module docstring for f_low, sigma2, L_exact and mu."""

    f_low: float = NAN
    sigma2: float = NAN
    L_exact: bool = False

    def __repr__(self) -> str:
        return (f"NonconvexProblem({self.name!r}, d={self.d}, n={self.n}, L={self.L:.6g} "
                f"({'exact' if self.L_exact else 'upper bound'}), mu={self.mu:.6g}, f_low={self.f_low:.6g}, "
                f"sigma2={self.sigma2:.6g})")


def _nonconvex(name, d, n, f, grad, grad_i, grad_i_batched, *, L, mu, L_max, f_low, sigma2, L_exact, notes,
               flops_component=None) -> NonconvexProblem:
    fc = 4.0 * d if flops_component is None else flops_component
    return NonconvexProblem(
        name=name, d=d, n=n, f=f, grad=grad, grad_i=grad_i, grad_i_batched=grad_i_batched, L=float(L),
        mu=float(mu), L_max=float(L_max), sigma2_star=NAN, x_star=np.full(d, NAN), f_star=NAN,
        flops_grad=n * fc, flops_component=fc, flops_value=n * fc / 2, notes=notes,
        f_low=float(f_low), sigma2=float(sigma2), L_exact=L_exact)


def _check_sizes(**sizes: object) -> None:
    for name, v in sizes.items():
        if not (isinstance(v, int | np.integer) and v >= 1):
            raise ValueError(f"{name} must be an int >= 1, got {v!r}")


def _positive(name: str, v: float) -> float:
    if not (np.isfinite(v) and v > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {v!r}")
    return float(v)


# ---- logistic regression with the nonconvex regulariser ---------------------------------------------------
def logistic_nonconvex(n: int, d: int, lam: float, rng: np.random.Generator | int, *,
                       scale: float = 1.0) -> NonconvexProblem:
    """Random data as in `logistic` (a_i ~ N(0, scale^2/d I), labels from a planted w) with the
    nonconvex regulariser lam sum_j x_j^2/(1 + x_j^2)."""
    rng = as_generator(rng)
    _check_sizes(n=n, d=d)
    A = rng.standard_normal((n, d)) * (scale / np.sqrt(d))
    w = rng.standard_normal(d) * 2.0
    y = np.where(rng.random(n) < expit(A @ w), 1.0, -1.0)
    return logistic_nonconvex_data(A, y, lam, name=f"logistic_nonconvex[n={n}, d={d}, lam={lam:g}]")


def logistic_nonconvex_data(A: np.ndarray, y: np.ndarray, lam: float, *, name: str | None = None
                            ) -> NonconvexProblem:
    """f(x) = (1/n) sum_i log(1 + exp(-y_i a_i^T x)) + lam sum_j x_j^2/(1 + x_j^2) on data A (n x d), y in {-1,+1}.

    Hessian: Z^T D(x) Z / n + lam diag(r''(x_j)) with Z = diag(y) A, D = sigmoid'(margins) in (0, 1/4] and
    r'' in [-1/2, 2]. Both parts are largest (in the Loewner order) at x = 0, where D = I/4 and r'' = 2, so
    L = ||Z||_2^2/(4n) + 2 lam exactly, attained at x = 0 (and it exceeds the most negative curvature -lam/2);
    likewise L_max = max_i ||a_i||^2/4 + 2 lam. mu = -lam/2 is a lower bound on the smallest curvature (not
    attained: D > 0). f_low = 0 (both terms are >= 0). The components differ only in the logistic term,
    grad f_i - grad f = -s_i z_i + mean_j s_j z_j with s in (0, 1), so sigma2 = (1/n) sum_i ||a_i||^2 bounds
    the variance at every x (the variance is at most the second moment).
    """
    A = np.asarray(A, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if A.ndim != 2 or y.shape != (A.shape[0],):
        raise ValueError(f"A must be (n, d) and y (n,), got A {A.shape} and y {y.shape}")
    if not np.all(np.isin(y, (-1.0, 1.0))):
        raise ValueError("labels y must be -1 or +1 (e.g. np.where(target == c, 1.0, -1.0))")
    if not np.all(np.isfinite(A)):
        raise ValueError("A has non-finite entries")
    lam = _positive("lam", lam)
    n, d = A.shape
    Z = np.ascontiguousarray(y[:, None] * A)
    row2 = np.einsum("ij,ij->i", Z, Z)

    def reg(x):
        return lam * np.sum(x * x / (1.0 + x * x), axis=-1)

    def reg_grad(x):
        return lam * 2.0 * x / (1.0 + x * x) ** 2

    def f(x: np.ndarray) -> float:
        return float(np.mean(np.logaddexp(0.0, -Z.dot(x))) + reg(x))

    def grad(x: np.ndarray) -> np.ndarray:
        return expit(-Z.dot(x)).dot(Z) / -n + reg_grad(x)

    def grad_i(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
        Zb = Z.take(idx, axis=0)
        return expit(-Zb.dot(x)).dot(Zb) / -idx.size + reg_grad(x)

    def grad_i_batched(X: np.ndarray, IDX: np.ndarray) -> np.ndarray:
        Zb = Z.take(IDX, axis=0)  # (R, batch, d)
        s = expit(-np.matmul(Zb, X[:, :, None])[..., 0])
        return np.matmul(s[:, None, :], Zb)[:, 0, :] / -IDX.shape[1] + reg_grad(X)

    L = np.linalg.norm(Z, 2) ** 2 / (4 * n) + REG_CURV_MAX * lam
    return _nonconvex(
        name or f"logistic_nonconvex_data[n={n}, d={d}, lam={lam:g}]", d, n, f, grad, grad_i, grad_i_batched,
        L=L, mu=REG_CURV_MIN * lam, L_max=row2.max() / 4 + REG_CURV_MAX * lam, f_low=0.0,
        sigma2=row2.mean(), L_exact=True,
        notes="L = ||Z||^2/(4n) + 2 lam, exact: the Hessian at x = 0; mu = -lam/2 a curvature lower bound; "
              "f_low = 0; sigma2 = mean ||a_i||^2 bounds the component variance everywhere.")


# ---- robust regression: the Cauchy loss -------------------------------------------------------------------
def cauchy_regression(n: int, d: int, rng: np.random.Generator | int, *, c: float = 1.0,
                      outliers: float = 0.1, noise: float = 0.0) -> NonconvexProblem:
    """f_i(x) = c^2/2 log(1 + r_i^2/c^2), r_i = a_i^T x - b_i, a_i ~ N(0, I); b = A x_true + noise, with a
    fraction `outliers` of b replaced by N(0, 10^2) draws (the reason for a robust loss).

    rho(r) = c^2/2 log(1 + r^2/c^2) has rho'' = (1 - r^2/c^2)/(1 + r^2/c^2)^2 in [-1/8, 1] (max at r = 0) and
    |rho'| <= c/2. So the Hessian A^T diag(rho''(r)) A / n <= A^T A / n: L = lambda_max(A^T A/n) is a proven
    upper bound, exact (attained at x_true, where every residual vanishes) when outliers = noise = 0, and
    otherwise only an upper bound (no x zeroes every residual). mu = -lambda_max/8 bounds the curvature
    below. f_low = 0. sigma2 = c^2/4 mean ||a_i||^2 bounds the variance everywhere (|rho'| <= c/2).
    """
    rng = as_generator(rng)
    _check_sizes(n=n, d=d)
    c = _positive("c", c)
    if not 0 <= outliers <= 1 or not (np.isfinite(noise) and noise >= 0):
        raise ValueError(f"need 0 <= outliers <= 1 and noise >= 0, got outliers={outliers!r}, noise={noise!r}")
    A = rng.standard_normal((n, d))
    x_true = rng.standard_normal(d)
    b = A @ x_true + noise * rng.standard_normal(n)
    bad = rng.random(n) < outliers
    b[bad] = 10.0 * rng.standard_normal(int(bad.sum()))
    A, b = np.ascontiguousarray(A), np.ascontiguousarray(b)
    row2 = np.einsum("ij,ij->i", A, A)
    c2 = c * c

    def f(x: np.ndarray) -> float:
        r = A.dot(x) - b
        return float(c2 / 2 * np.mean(np.log1p(r * r / c2)))

    def weight(r):  # rho'(r) = r / (1 + r^2/c^2)
        return r / (1.0 + r * r / c2)

    def grad(x: np.ndarray) -> np.ndarray:
        return weight(A.dot(x) - b).dot(A) / n

    def grad_i(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
        Ab = A.take(idx, axis=0)
        return weight(Ab.dot(x) - b.take(idx)).dot(Ab) / idx.size

    def grad_i_batched(X: np.ndarray, IDX: np.ndarray) -> np.ndarray:
        Ab = A.take(IDX, axis=0)
        w = weight(np.matmul(Ab, X[:, :, None])[..., 0] - b.take(IDX))
        return np.matmul(w[:, None, :], Ab)[:, 0, :] / IDX.shape[1]

    lam_max = float(np.linalg.eigvalsh(A.T @ A / n)[-1])
    exact = outliers == 0 and noise == 0
    return _nonconvex(
        f"cauchy_regression[n={n}, d={d}, c={c:g}, outliers={outliers:g}]", d, n, f, grad, grad_i,
        grad_i_batched, L=lam_max, mu=-lam_max / 8, L_max=row2.max(), f_low=0.0, sigma2=c2 / 4 * row2.mean(),
        L_exact=exact,
        notes=("L = lambda_max(A^T A/n) (rho'' <= 1), " + ("exact: attained at x_true (zero residuals); "
               if exact else "an upper bound (outliers/noise: no x zeroes every residual); ")
               + "mu = -L/8 a curvature lower bound; f_low = 0; sigma2 = c^2/4 mean ||a_i||^2."))


# ---- random nonconvex finite sums (for Hypothesis strategies) ----------------------------------------------
def random_nonconvex(d: int, n: int, rng: np.random.Generator | int, *, L: float = 1.0, depth: float = 4.0,
                     sigma: float = 0.0) -> NonconvexProblem:
    """f_i(x) = sum_j [a_j/2 y_j^2 - lam_j exp(-(y_j - s_j)^2/2)] + z_i^T x, y = Q^T x (Q Haar), sum_i z_i = 0.

    In the y coordinates the Hessian is diagonal with entries a_j + lam_j (1 - t^2) exp(-t^2/2), t = y_j - s_j,
    which range over [a_j - 2 exp(-3/2) lam_j, a_j + lam_j] (ends attained at t = +-sqrt(3) and t = 0). The
    scales are drawn so that max_j (a_j + lam_j) = L exactly (attained at y = s) and lam_j / a_j is about
    `depth` (nonconvex once depth > exp(3/2)/2 ~ 2.24); mu = min_j (a_j - 2 exp(-3/2) lam_j), also exact.
    f_low = -sum_j lam_j (a_j y^2/2 >= 0 and the well is >= -lam_j). The components differ by z_i^T x only, so
    the variance of grad f_i is exactly sigma2 = (1/n) sum ||z_i||^2 = sigma^2 at every x.
    """
    rng = as_generator(rng)
    _check_sizes(d=d, n=n)
    L, depth = _positive("L", L), _positive("depth", depth)
    if not (np.isfinite(sigma) and sigma >= 0):
        raise ValueError(f"sigma must be a finite number >= 0, got {sigma!r}")
    ratio = depth * np.exp(rng.uniform(-0.5, 0.5, d))  # lam_j / a_j
    total = np.exp(rng.uniform(np.log(0.1), 0.0, d))
    total[rng.integers(d)] = 1.0  # a_j + lam_j, largest = 1 before scaling by L
    a = L * total / (1.0 + ratio)
    lam = L * total - a
    s = rng.uniform(-2.0, 2.0, d)
    Q = haar_rotation(d, rng)
    z = rng.standard_normal((n, d))
    z -= z.mean(axis=0)
    if n == 1 or sigma == 0:
        z[:] = 0.0
    else:
        z *= sigma / np.sqrt(np.mean(np.einsum("ij,ij->i", z, z)))
    z = np.ascontiguousarray(z)

    def common_grad(X):  # X (..., d) -> gradient of sum_j [a_j/2 y_j^2 - lam_j exp(-(y_j - s_j)^2/2)]
        Y = X @ Q
        t = Y - s
        return (a * Y + lam * t * np.exp(-t * t / 2)) @ Q.T

    def f(x: np.ndarray) -> float:
        y = Q.T @ x
        t = y - s
        return float(np.sum(a / 2 * y * y - lam * np.exp(-t * t / 2)))  # the z_i^T x average to 0

    def grad(x: np.ndarray) -> np.ndarray:
        return common_grad(x)

    def grad_i(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
        return common_grad(x) + z.take(idx, axis=0).mean(axis=0)

    def grad_i_batched(X: np.ndarray, IDX: np.ndarray) -> np.ndarray:
        return common_grad(X) + z.take(IDX, axis=0).mean(axis=1)

    mu = float(np.min(a + WELL_CURV_MIN * lam))
    return _nonconvex(
        f"random_nonconvex[d={d}, n={n}, L={L:g}, depth={depth:g}, sigma={sigma:g}]", d, n, f, grad, grad_i,
        grad_i_batched, L=L, mu=mu, L_max=L, f_low=-float(lam.sum()), sigma2=float(sigma**2 if n > 1 else 0.0),
        L_exact=True, flops_component=4.0 * d * d,
        notes="L = max_j (a_j + lam_j), exact at y = s; mu exact at y_j = s_j +- sqrt(3); f_low = -sum lam_j; "
              "the component variance is exactly sigma2 everywhere.")


# ---- Carmon, Duchi, Hinder & Sidford's chain (lower.nonconvex) ---------------------------------------------
CHAIN_ELL1 = 152.0  # grad \bar f_T is 152-Lipschitz (Carmon et al. 2020; probed in the tests)
SQRT_E = math.sqrt(math.e)


def _psi(t):
    out = np.zeros_like(t)
    pos = t > 0.5
    out[pos] = np.exp(1.0 - 1.0 / (2.0 * t[pos] - 1.0) ** 2)
    return out


def _dpsi(t):
    out = np.zeros_like(t)
    pos = t > 0.5
    u = 2.0 * t[pos] - 1.0
    out[pos] = np.exp(1.0 - 1.0 / u**2) * 4.0 / u**3
    return out


def _phi(t):  # sqrt(e) int_{-inf}^t exp(-s^2/2) ds
    return SQRT_E * math.sqrt(math.pi / 2) * (1.0 + erf(t / math.sqrt(2.0)))


def _dphi(t):
    return SQRT_E * np.exp(-t * t / 2)


def chain_value(u: np.ndarray) -> float:
    """\\bar f_T(u) = -Psi(1) Phi(u_1) + sum_{i=2}^T [Psi(-u_{i-1}) Phi(-u_i) - Psi(u_{i-1}) Phi(u_i)]."""
    u = np.asarray(u, dtype=np.float64)
    prev, cur = u[:-1], u[1:]
    return float(-_phi(u[0]) + np.sum(_psi(-prev) * _phi(-cur) - _psi(prev) * _phi(cur)))  # Psi(1) = 1


def chain_grad(u: np.ndarray) -> np.ndarray:
    u = np.asarray(u, dtype=np.float64)
    g = np.zeros_like(u)
    g[0] = -_dphi(u[0])
    prev, cur = u[:-1], u[1:]
    g[1:] += -_psi(-prev) * _dphi(-cur) - _psi(prev) * _dphi(cur)
    g[:-1] += -_dpsi(-prev) * _phi(-cur) - _dpsi(prev) * _phi(cur)
    return g


def carmon_chain(T: int, L: float, Delta0: float, d: int | None = None) -> NonconvexProblem:
    """f(x) = (L s^2/152) \\bar f_T(x_{1..T}/s) in R^d (d >= T, extra coordinates unused), s = 152 eps/L with
    eps^2 = L Delta0 / (1824 T): L-smooth (L an upper bound: grad \\bar f_T is 152-Lipschitz), f(0) - inf f <=
    Delta0 (\\bar f_T(0) - inf \\bar f_T <= 12 T), and ||grad f(x)|| > eps whenever x_T = 0 (||grad \\bar f_T|| > 1
    there). Start at x_0 = 0; f_low = f(0) - Delta0. Deterministic (n = 1)."""
    _check_sizes(T=T)
    L, Delta0 = _positive("L", L), _positive("Delta0", Delta0)
    d = T if d is None else d
    if not (isinstance(d, int | np.integer) and d >= T):
        raise ValueError(f"d must be an int >= T = {T}, got {d!r}")
    eps = math.sqrt(L * Delta0 / (12 * CHAIN_ELL1 * T))
    s = CHAIN_ELL1 * eps / L
    scale = L * s * s / CHAIN_ELL1

    def f(x: np.ndarray) -> float:
        return scale * chain_value(x[:T] / s)

    def grad(x: np.ndarray) -> np.ndarray:
        out = np.zeros(d)
        out[:T] = scale / s * chain_grad(x[:T] / s)
        return out

    def grad_i(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
        return grad(x)

    def grad_i_batched(X: np.ndarray, IDX: np.ndarray) -> np.ndarray:
        return np.array([grad(x) for x in X])

    f0 = f(np.zeros(d))
    return _nonconvex(
        f"carmon_chain[T={T}, d={d}, L={L:g}, Delta0={Delta0:g}]", d, 1, f, grad, grad_i, grad_i_batched,
        L=L, mu=-L, L_max=L, f_low=f0 - Delta0, sigma2=0.0, L_exact=False,
        notes=f"Carmon et al. (2020): L an upper bound, f_low = f(0) - Delta0, ||grad f|| > {eps:.6g} "
              f"while x_T = 0.")


# ---- the exact worst case of GD on L-smooth functions (gd.nonconvex) ---------------------------------------
def gd_nonconvex_worst_case(L: float, Delta0: float, steps: int, h: float = 1.0) -> NonconvexProblem:
    """The 1-D function on which GD with step h/L (0 < h <= 1) from x_0 = 0 has min_{i<=steps} ||grad f(x_i)||^2
    equal to the exact worst case Delta0 / (steps (h - h^2/4)/L + 1/(2L)) (= 4 L Delta0/(3 steps + 2) at h = 1;
    Abbaszadehpeivasti, de Klerk & Zamani 2022):

        f'(x) = -c                                  x < 0
                -c + L min(t, S - t),  t = x - i S   on the i-th step [i S, (i+1) S), S = h c / L, i < steps
                min(-c + L (x - steps S), 0)        beyond: the slope rises to 0 and f stays at f_low

    so GD lands on x_i = i S with slope -c at every iterate. f'' is +-L or 0: L exact, mu = -L exact; f_low = 0
    = inf f (attained) with f(0) = Delta0. Start at x_0 = 0.
    """
    L, Delta0 = _positive("L", L), _positive("Delta0", Delta0)
    if not (isinstance(steps, int | np.integer) and steps >= 0):
        raise ValueError(f"steps must be an int >= 0, got {steps!r}")
    if not 0 < h <= 1:
        raise ValueError(f"h must be in (0, 1] (the worst case is exact there), got {h!r}")
    c = math.sqrt(Delta0 / (steps * (h - h * h / 4) / L + 1 / (2 * L)))
    S = h * c / L
    end = steps * S

    def slope(x):
        x = np.asarray(x, dtype=np.float64)
        t = x - np.clip(np.floor(x / S), 0, max(steps - 1, 0)) * S
        inside = -c + L * np.minimum(t, S - t)
        tail = np.minimum(-c + L * (x - end), 0.0)
        return np.where(x < 0, -c, np.where(x < end, inside, tail))

    def value(x: float) -> float:
        if x < 0:
            return Delta0 - c * x
        if x < end:
            i = min(math.floor(x / S), steps - 1)
            t = x - i * S
            part = -c * t + L * (t * t / 2 if t <= S / 2 else S * S / 4 - (S - t) ** 2 / 2)
            return Delta0 - i * (c * S - L * S * S / 4) + part
        tau = min(x - end, c / L)
        return Delta0 - steps * (c * S - L * S * S / 4) - c * tau + L * tau * tau / 2

    def f(x: np.ndarray) -> float:
        return float(value(float(x[0])))

    def grad(x: np.ndarray) -> np.ndarray:
        return slope(x).reshape(1)

    def grad_i(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
        return grad(x)

    def grad_i_batched(X: np.ndarray, IDX: np.ndarray) -> np.ndarray:
        return slope(X[:, 0])[:, None]

    return _nonconvex(
        f"gd_nonconvex_worst_case[L={L:g}, Delta0={Delta0:g}, steps={steps}, h={h:g}]", 1, 1, f, grad, grad_i,
        grad_i_batched, L=L, mu=-L, L_max=L, f_low=0.0, sigma2=0.0, L_exact=True,
        notes=f"the exact worst case of GD with step {h:g}/L over {steps} steps: slope -{c:.6g} at every iterate; "
              "L and mu = -L exact, f_low = 0 = inf f.")
