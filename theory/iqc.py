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

from .multistep import GRID, Numeric

MARGIN = 1e-6
BISECTION_TOL = 1e-3  # of the gap 1 - rho at the bisection's start: far below RATE_MARGIN
RATE_MARGIN = 0.01  # of 1 - rho: see _certify
DPS = 50
SOLVER_OPTIONS = {"tol_feas": 1e-10, "tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10}


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


@lru_cache(maxsize=8)
def _template(N: int) -> tuple[object, ...]:
    """The LMI for a state of size N (n + 1 with the filter), compiled once per process: P enters F linearly,
    F = sum_{a <= b} P_ab Q_ab + (lambda_1 + lambda_2) S_1 + lambda_2 Z_2 with Q_ab = W^T B_ab W - rho^2 E^T B_ab E
    (B_ab the symmetric unit matrices) and Z_2 = rho^2 Z, so that every number of a method, (L, mu) and rho is a
    parameter value (cvxpy's DPP form) and a new instance costs no recompilation."""
    import cvxpy as cp

    P = cp.Variable((N, N), symmetric=True)
    lam = cp.Variable(2, nonneg=True)
    t = cp.Variable()
    pairs = [(a, b) for a in range(N) for b in range(a, N)]
    Q = [cp.Parameter((N + 1, N + 1), symmetric=True) for _ in pairs]
    S1, Z2 = cp.Parameter((N + 1, N + 1), symmetric=True), cp.Parameter((N + 1, N + 1), symmetric=True)
    F = cp.sum([P[a, b] * q for (a, b), q in zip(pairs, Q, strict=True)]) + (lam[0] + lam[1]) * S1 + lam[1] * Z2
    F = (F + F.T) / 2
    cons = [P >> np.eye(N), P << t * np.eye(N), F << -MARGIN * np.eye(N + 1)]
    return cp.Problem(cp.Minimize(t), cons), P, lam, pairs, Q, S1, Z2


class _Problem:
    """The LMI at one (method, L, mu): feasible(rho) for the bisection, solve(rho) for P and the multipliers."""

    def __init__(self, num: Numeric, L_: float, mu_: float) -> None:
        import cvxpy as cp

        W, E, S1, Z = _blocks(num, L_, mu_)
        N = num.n + 1
        self.problem, self.P, self.lam, pairs, self.Q, self.S1, self.Z2 = _template(N)
        unit = [np.outer(np.eye(N)[a], np.eye(N)[b]) for a, b in pairs]
        sym = [(u + u.T) / (2 if a == b else 1) for u, (a, b) in zip(unit, pairs, strict=True)]
        self.QW, self.QE = [W.T @ B @ W for B in sym], [E.T @ B @ E for B in sym]
        self.S1_value, self.Z = S1, Z
        # The bisection only needs feasibility. The solver's data is affine in rho^2 (each parameter is), so it
        # is taken at rho^2 = 0 and 1 and interpolated: one Clarabel call per rho instead of cvxpy's whole solve.
        self._set(0.0)
        d0, self.chain, self.inverse = self.problem.get_problem_data(cp.CLARABEL, solver_opts=dict(SOLVER_OPTIONS))
        self._set(1.0)
        d1, _, _ = self.problem.get_problem_data(cp.CLARABEL)
        self.data0, self.slope = d0, {key: d1[key] - d0[key] for key in ("A", "b", "c")}

    def _set(self, r2: float) -> None:
        for q, qw, qe in zip(self.Q, self.QW, self.QE, strict=True):
            q.value = qw - r2 * qe
        self.S1.value, self.Z2.value = self.S1_value, r2 * self.Z

    def _solve(self, rho: float) -> object | None:
        data = dict(self.data0)
        for key, slope in self.slope.items():
            data[key] = self.data0[key] + rho**2 * slope
        try:
            return self.chain.solver.solve_via_data(data, False, False, dict(SOLVER_OPTIONS))
        except Exception:  # a solver failure is "not certified here"
            return None

    def feasible(self, rho: float) -> bool:
        result = self._solve(rho)
        return result is not None and str(result.status) in ("Solved", "AlmostSolved")

    def solve(self, rho: float) -> tuple[np.ndarray, np.ndarray] | None:
        """P and the multipliers at rho (None if the solver finds none): the same interpolated data, the solution
        mapped back to the variables by cvxpy (unpack_results)."""
        result = self._solve(rho)
        if result is None:
            return None
        import cvxpy as cp

        try:
            with warnings.catch_warnings():  # "solution may be inaccurate": the verification decides
                warnings.simplefilter("ignore")
                self.problem.unpack_results(result, self.chain, self.inverse)
        except cp.error.SolverError:
            return None
        if self.problem.status not in ("optimal", "optimal_inaccurate") or self.P.value is None:
            return None
        return np.array(self.P.value), np.array(self.lam.value)


def _plausible(num: Numeric, L_: float, mu_: float, rho: float, P: np.ndarray, lam: np.ndarray) -> bool:
    """The same test as `verify` in float64, to skip the 50-digit one where it would clearly fail (it decides)."""
    W, E, S1, Z = _blocks(num, L_, mu_)
    P = (P + P.T) / 2
    l1, l2 = (max(float(v), 0.0) for v in lam)
    F = W.T @ P @ W - rho**2 * (E.T @ P @ E) + (l1 + l2) * S1 + l2 * rho**2 * Z
    return bool(np.linalg.eigvalsh(P).min() > 0 and np.linalg.eigvalsh((F + F.T) / 2).max() < 0)


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
    """The smallest verified rho < 1 (to BISECTION_TOL of its gap to 1) and the constants for `sequences`, or None.

    Solved for f/L (L = 1, mu/L, step h L): the same iterates, so the same rho and constants, and an LMI whose
    blocks are of one scale (at L = 1e4 the unscaled one is numerically infeasible for Clarabel)."""
    scaled = Numeric(num.x, num.y, num.step * float(L_), num.output)
    return _certify(scaled, 1.0, float(mu_) / float(L_), tuple(tuple(float(v) for v in c) for c in sequences))


@lru_cache(maxsize=512)
def _certify(num: Numeric, L_: float, mu_: float, sequences: tuple[tuple[float, ...], ...]) -> Certificate | None:
    """_solve_certificate, kept in theory.store. A stored certificate is checked again in float64 (`_plausible`)
    and its constants recomputed from its P, so a damaged entry is solved afresh, never trusted."""
    from . import store

    key = (num, L_, mu_)
    found, value = store.load_json("certificate", key)
    if found and value is None:
        return None
    if found:
        try:
            rho, P, lam = float(value["rho"]), np.array(value["P"], dtype=float), np.array(value["multipliers"])
            if 0 < rho < 1 and P.shape == (num.n + 1,) * 2 and lam.shape == (2,) and _plausible(
                    num, L_, mu_, rho, P, lam):
                return Certificate(rho, constants(P, num.n, sequences), tuple(map(tuple, P)),
                                   (float(lam[0]), float(lam[1])), float(value["min_eig_P"]),
                                   float(value["max_eig_F"]))
        except (KeyError, TypeError, ValueError):
            pass
    cert = _solve_certificate(num, L_, mu_, sequences)
    store.save_json("certificate", key, None if cert is None else
                    {"rho": cert.rho, "P": cert.P, "multipliers": cert.multipliers, "min_eig_P": cert.min_eig_P,
                     "max_eig_F": cert.max_eig_F})
    return cert


def _solve_certificate(num: Numeric, L_: float, mu_: float, sequences: tuple[tuple[float, ...], ...]
                       ) -> Certificate | None:
    problem = _Problem(num, L_, mu_)
    hi = 1.0 - 1e-9
    # No certificate can beat the rate on quadratics (they are in the class): the bisection starts there, at the
    # largest spectral radius on the lambda grid (a lower bound of the maximum), and probes just above it first;
    # only if that fails is rho = 1 - 1e-9 asked (no certificate at all: None).
    lo = min(float(num.radius(np.linspace(mu_, L_, GRID)).max()) * (1 - 1e-9), hi)
    probe = lo + 0.05 * (hi - lo)
    if problem.feasible(probe):
        hi = probe
    elif problem.feasible(hi):
        lo = probe
    else:
        return None
    tol = BISECTION_TOL * (1.0 - lo)
    while hi - lo > tol:
        mid = (lo + hi) / 2
        if problem.feasible(mid):
            hi = mid
        else:
            lo = mid
    # The certificate is taken RATE_MARGIN of the gap above the bisection's edge, where P is better conditioned
    # (a smaller constant) and the solver accurate; inflated geometrically until the re-evaluation agrees.
    gap = 1.0 - hi
    for i in range(10):
        rho = hi + gap * RATE_MARGIN * 2**i
        if rho >= 1:
            break
        sol = problem.solve(rho)
        if sol is not None and _plausible(num, L_, mu_, rho, *sol):
            P, lam = sol
            min_p, max_f = verify(num, L_, mu_, rho, P, lam)
            if min_p > 0 and max_f < 0:
                return Certificate(rho, constants(P, num.n, sequences), tuple(map(tuple, P)),
                                   (float(max(lam[0], 0)), float(max(lam[1], 0))), min_p, max_f)
    return None
