"""A certified linear rate on L-smooth mu-strongly convex f for a multistep method, from an IQC LMI.

Lessard, Recht & Packard (2016), "Analysis and design of optimization algorithms via integral quadratic
constraints", SIAM J. Optim. 26(1), 57-95, Thm 4, with the sector IQC (Lemma 6) and the weighted off-by-one IQC
(Lemma 10). The method as a linear system in the error coordinates (x* a fixed point since sum x = sum y = 1):

    xi_{k+1} = A xi_k + B u_k,  y_k = C xi_k,  u_k = grad f(y_k),   xi_k = (x_k, ..., x_{k-n+1}) - x*

A the companion of the x coefficients, B = (-h, 0, ...), C the y coefficients. Off-by-one filter state
zeta_{k+1} = -L y_k + u_k (zeta_0 = 0); IQC outputs, each with M = [[0, 1], [1, 0]]:

    sector      (L y_k - u_k, u_k - mu y_k)
    off-by-one  (rho^2 zeta_k + L y_k - u_k, u_k - mu y_k)          (rho-hard for rho <= 1)

If P > 0 and lambda_1, lambda_2 >= 0 make F(rho) = [Ah Bh]^T P [Ah Bh] - rho^2 E^T P E + lambda_1 S_1 + lambda_2 S_2
negative semidefinite (Ah, Bh the system with the filter, E = [I 0], S_i the IQCs' quadratic forms in
(xi, zeta, u)), then V = (xi, zeta)^T P (xi, zeta) obeys V_k <= rho^(2k) V_0 (the theorem's proof; scalar LMI,
P kron I_d in d dimensions). Every sequence c^T xi_k (x_k itself, or the output) then obeys

    ||c^T xi_k|| <= sqrt((c^T P^-1 c) (e^T P e)) rho^k ||x_0 - x*||,   e = (1, ..., 1, 0)  (xi_0 = e (x_0 - x*))

by Cauchy-Schwarz in the P inner product: the paper's sqrt(cond P) constant before its last norm equivalence,
never larger than sqrt(cond P) ||c|| sqrt(n).

Solving: bisection on rho of "min t s.t. I <= P <= t I, F(rho) <= -MARGIN I, lambda >= 0" (cvxpy, Clarabel,
rho^2 a parameter so the problem is compiled once). MARGIN is the LMI's slack; the certificate itself is taken
RATE_MARGIN (1 - rho*) above the bisection's edge rho*, where P is better conditioned (a smaller constant) and
the solver accurate. VERIFY: F and P are re-evaluated at the returned P, lambda (lambda clipped at 0) in 50-digit
arithmetic (mpmath) from the coefficients at (L, mu); their extreme eigenvalues must be < 0 resp. > 0, else rho
is inflated and re-solved. No verified certificate below 1: None.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .multistep import Numeric

MARGIN = 1e-6
BISECTION_TOL = 1e-6
RATE_MARGIN = 0.01  # of 1 - rho: see _certify
DPS = 50


@dataclass(frozen=True)
class Certificate:
    rho: float
    constants: tuple[float, ...]  # one per requested sequence c, in order
    P: tuple[tuple[float, ...], ...]
    multipliers: tuple[float, float]
    min_eig_P: float
    max_eig_F: float  # both from the 50-digit re-evaluation

    @property
    def constant(self) -> float:
        return self.constants[0]


def _blocks(num: Numeric, L_: float, mu_: float) -> tuple[np.ndarray, ...]:
    """(W, E, S1, Z) in w = (xi, zeta, u): [Ah Bh] = W, F = W^T P W - rho^2 E^T P E + l1 S1 + l2 (S1 + rho^2 Z)."""
    return tuple(m.astype(float) for m in _blocks_obj(num, L_, mu_))


class _Problem:
    """The LMI compiled once per (method, L, mu); solve(rho) re-solves with a new rho^2."""

    def __init__(self, num: Numeric, L_: float, mu_: float) -> None:
        import cvxpy as cp

        W, E, S1, Z = _blocks(num, L_, mu_)
        N = num.n + 1
        self.P = cp.Variable((N, N), symmetric=True)
        self.lam = cp.Variable(2, nonneg=True)
        self.t = cp.Variable()
        self.r2 = cp.Parameter(nonneg=True)
        F = (W.T @ self.P @ W + (self.lam[0] + self.lam[1]) * S1
             + self.r2 * (-(E.T @ self.P @ E) + self.lam[1] * Z))
        F = (F + F.T) / 2
        cons = [self.P >> np.eye(N), self.P << self.t * np.eye(N), F << -MARGIN * np.eye(N + 1)]
        self.problem = cp.Problem(cp.Minimize(self.t), cons)

    def solve(self, rho: float) -> tuple[np.ndarray, np.ndarray] | None:
        import cvxpy as cp

        self.r2.value = rho**2
        try:
            with warnings.catch_warnings():  # "solution may be inaccurate": the verification decides
                warnings.simplefilter("ignore")
                self.problem.solve(solver=cp.CLARABEL, tol_feas=1e-10, tol_gap_abs=1e-10, tol_gap_rel=1e-10)
        except cp.error.SolverError:
            return None
        if self.problem.status not in ("optimal", "optimal_inaccurate") or self.P.value is None:
            return None
        return np.array(self.P.value), np.array(self.lam.value)


def verify(num: Numeric, L_: float, mu_: float, rho: float, P: np.ndarray, lam: np.ndarray
           ) -> tuple[float, float]:
    """(min eigenvalue of P, max eigenvalue of F(rho)) at exactly these numbers, in 50-digit arithmetic."""
    import mpmath as mp

    with mp.workdps(DPS):
        W, E, S1, Z = (mp.matrix(m.tolist()) for m in _blocks_mp(num, L_, mu_))
        Pm = mp.matrix(((P + P.T) / 2).tolist())
        l1, l2 = (mp.mpf(max(float(v), 0.0)) for v in lam)
        r2 = mp.mpf(rho) ** 2
        F = W.T * Pm * W - r2 * (E.T * Pm * E) + (l1 + l2) * S1 + l2 * r2 * Z
        F = (F + F.T) / 2
        return float(min(mp.eigsy(Pm, eigvals_only=True))), float(max(mp.eigsy(F, eigvals_only=True)))


def _blocks_mp(num: Numeric, L_: float, mu_: float) -> tuple[np.ndarray, ...]:
    """The same blocks with every entry an mpmath number computed from the same floats."""
    import mpmath as mp

    big = Numeric(tuple(mp.mpf(v) for v in num.x), tuple(mp.mpf(v) for v in num.y), mp.mpf(num.step), num.output)
    return _blocks_obj(big, mp.mpf(L_), mp.mpf(mu_))


def _blocks_obj(num: Numeric, L_: object, mu_: object) -> tuple[np.ndarray, ...]:
    """The blocks as object arrays (floats or mpmath numbers alike)."""
    n = num.n
    N = n + 1
    zero = L_ * 0
    W = np.full((N, N + 1), zero, dtype=object)
    for j in range(n):
        W[0, j] = num.x[j]
        W[n, j] = -L_ * num.y[j]
    for i in range(1, n):
        W[i, i - 1] = zero + 1
    W[0, N] = -num.step
    W[n, N] = zero + 1
    E = np.full((N, N + 1), zero, dtype=object)
    for i in range(N):
        E[i, i] = zero + 1
    ey = np.full(N + 1, zero, dtype=object)
    ey[:n] = list(num.y)
    eu, ez = np.full(N + 1, zero, dtype=object), np.full(N + 1, zero, dtype=object)
    eu[N], ez[n] = zero + 1, zero + 1
    a, b = L_ * ey - eu, eu - mu_ * ey
    S1 = np.outer(a, b) + np.outer(b, a)
    Z = np.outer(ez, b) + np.outer(b, ez)
    return W, E, S1, Z


def constants(P: np.ndarray, n: int, sequences: tuple[tuple[float, ...], ...]) -> tuple[float, ...]:
    """sqrt((c^T P^-1 c)(e^T P e)) per sequence c (module docstring), in 50-digit arithmetic, rounded up."""
    import mpmath as mp

    with mp.workdps(DPS):
        Pm = mp.matrix(((P + P.T) / 2).tolist())
        N = Pm.rows
        e = mp.matrix([1] * n + [0] * (N - n))
        start = (e.T * Pm * e)[0]
        Pinv = mp.inverse(Pm)
        out = []
        for c in sequences:
            cv = mp.matrix(list(c) + [0] * (N - len(c)))
            out.append(float(mp.sqrt((cv.T * Pinv * cv)[0] * start)) * (1 + 1e-12))
        return tuple(out)


def certify(num: Numeric, L_: float, mu_: float, sequences: tuple[tuple[float, ...], ...] = ((1.0,),)
            ) -> Certificate | None:
    """The smallest verified rho < 1 (to BISECTION_TOL) and the constants for `sequences`, or None.

    Solved for f/L (L = 1, mu/L, step h L): the same iterates, so the same rho and constants, and an LMI whose
    blocks are of one scale (at L = 1e4 the unscaled one is numerically infeasible for Clarabel)."""
    scaled = Numeric(num.x, num.y, num.step * float(L_), num.output)
    return _certify(scaled, 1.0, float(mu_) / float(L_), tuple(tuple(float(v) for v in c) for c in sequences))


@lru_cache(maxsize=512)
def _certify(num: Numeric, L_: float, mu_: float, sequences: tuple[tuple[float, ...], ...]) -> Certificate | None:
    problem = _Problem(num, L_, mu_)
    hi = 1.0 - 1e-9
    if problem.solve(hi) is None:
        return None
    lo = 0.0
    while hi - lo > BISECTION_TOL:
        mid = (lo + hi) / 2
        if problem.solve(mid) is None:
            lo = mid
        else:
            hi = mid
    # The certificate is taken RATE_MARGIN of the gap above the bisection's edge, where P is better conditioned
    # (a smaller constant) and the solver accurate; inflated geometrically until the re-evaluation agrees.
    gap = 1.0 - hi
    for i in range(10):
        rho = hi + gap * RATE_MARGIN * 2**i
        if rho >= 1:
            break
        sol = problem.solve(rho)
        if sol is not None:
            P, lam = sol
            min_p, max_f = verify(num, L_, mu_, rho, P, lam)
            if min_p > 0 and max_f < 0:
                return Certificate(rho, constants(P, num.n, sequences), tuple(map(tuple, P)),
                                   (float(max(lam[0], 0)), float(max(lam[1], 0))), min_p, max_f)
    return None
