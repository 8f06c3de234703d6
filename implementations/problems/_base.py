"""The `Problem` record shared by every constructor, and small helpers for building one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Vector = np.ndarray
VectorFn = Callable[[np.ndarray], np.ndarray]
ComponentFn = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True, eq=False, repr=False)
class Problem:
    """f(x) = (1/n) sum_i f_i(x) on R^d with its constants. Deterministic problems have n = 1 (f_1 = f).

    What an optimizer may use (through `CountedOracle`): grad, grad_i, grad_i_batched, f, n, d.
    grad_i(x, idx) is the mean of grad f_i(x) over the integer array idx; grad_i_batched(X, IDX)
    does it row-wise for X of shape (R, d) and IDX of shape (R, b).

    Constants (for the checker and for choosing hyperparameters):
        L, mu        smoothness and strong-convexity constants of f (mu = 0: merely convex)
        L_max        max_i of the smoothness constant of f_i
        sigma2_star  noise at the optimum, (1/n) sum_i ||grad f_i(x*)||^2 (batch size 1)
    For the checker only: x_star, f_star, hessian (quadratics), and nearest_minimizer(x0) when the
    minimiser is not unique (mu = 0): the minimiser closest to x0, the limit of gradient methods.
    flops_grad / flops_component / flops_value: cost model used by the oracle (see oracles.py).
    The gradient callables may carry attributes the oracle relies on (they travel with the function, so a
    Problem whose grad is replaced keeps no stale promise): `propagates_nonfinite` (see the decorator below)
    and, on grad, `affine = (H, c)` when it computes H.dot(x) - c, which the oracle then inlines.
    `notes` says which constants are exact and how they were obtained.
    """

    name: str
    d: int
    n: int
    f: Callable[[np.ndarray], float]
    grad: VectorFn
    grad_i: ComponentFn
    grad_i_batched: ComponentFn
    L: float
    mu: float
    L_max: float
    sigma2_star: float
    x_star: Vector
    f_star: float
    flops_grad: float
    flops_component: float
    flops_value: float
    hessian: np.ndarray | None = None
    nearest_minimizer: VectorFn | None = None
    notes: str = ""

    def __post_init__(self) -> None:
        for arr in (self.x_star, self.hessian):
            if arr is not None:
                arr.flags.writeable = False  # the checker's ground truth must not drift

    @property
    def kappa(self) -> float:
        """L / mu (inf for a merely convex problem)."""
        return self.L / self.mu if self.mu > 0 else float("inf")

    @property
    def interpolating(self) -> bool:
        """True when every f_i is minimised at x* (no noise at the optimum)."""
        return self.sigma2_star == 0.0

    def minimizer_near(self, x0: np.ndarray) -> np.ndarray:
        """The minimiser closest to x0 (x_star when it is unique)."""
        if self.nearest_minimizer is None:
            return self.x_star.copy()
        return self.nearest_minimizer(np.asarray(x0, dtype=np.float64))

    def __repr__(self) -> str:
        return (f"Problem({self.name!r}, d={self.d}, n={self.n}, L={self.L:.6g}, mu={self.mu:.6g}, "
                f"L_max={self.L_max:.6g}, sigma2_star={self.sigma2_star:.6g})")


def as_generator(rng: np.random.Generator | int, name: str = "rng") -> np.random.Generator:
    """Constructors take a Generator or an int seed; None is refused so every instance is reproducible."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise TypeError(f"{name} must be a numpy Generator or an int seed, got {type(rng).__name__}")


def haar_rotation(d: int, rng: np.random.Generator) -> np.ndarray:
    """A Haar-distributed orthogonal d x d matrix (QR of a Gaussian matrix with the sign fix)."""
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    return q * np.sign(np.where(np.diag(r) == 0, 1.0, np.diag(r)))


def propagates_nonfinite(fn: Callable) -> Callable:
    """Mark a gradient callable whose result is inf or nan in every entry (every row, for a batched one)
    as soon as its point has one non-finite entry: each entry is a dot product over all of x, and IEEE
    arithmetic keeps inf/nan (inf*0 = nan, inf + finite = inf, nan + anything = nan). The oracle then
    reads x's finiteness off one entry of the result instead of testing x (oracles.py); tests check the
    promise for every marked problem (tests/test_oracles.py)."""
    fn.propagates_nonfinite = True
    return fn


def quadratic_problem(name: str, H: np.ndarray, c: np.ndarray, x_star: np.ndarray, f_star: float, *,
                      L: float, mu: float, notes: str, const: float = 0.0,
                      nearest_minimizer: VectorFn | None = None) -> Problem:
    """f(x) = 1/2 x^T H x - c^T x + const as a single-component problem (n = 1, grad_i = grad).

    The callables close over H, c and const only, never over x_star or f_star.
    """
    H = np.ascontiguousarray(H, dtype=np.float64)
    c = np.ascontiguousarray(c, dtype=np.float64)
    d = c.size

    def f(x: np.ndarray) -> float:
        return float(0.5 * x.dot(H.dot(x)) - c.dot(x) + const)

    @propagates_nonfinite
    def grad(x: np.ndarray) -> np.ndarray:
        return H.dot(x) - c

    grad.affine = (H, c)

    @propagates_nonfinite
    def grad_i(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
        return H.dot(x) - c

    @propagates_nonfinite
    def grad_i_batched(X: np.ndarray, IDX: np.ndarray) -> np.ndarray:
        return X.dot(H) - c  # H is symmetric: row r is H x_r - c

    return Problem(name=name, d=d, n=1, f=f, grad=grad, grad_i=grad_i, grad_i_batched=grad_i_batched,
                   L=float(L), mu=float(mu), L_max=float(L), sigma2_star=0.0,
                   x_star=np.array(x_star, dtype=np.float64), f_star=float(f_star),
                   flops_grad=2.0 * d * d, flops_component=2.0 * d * d, flops_value=2.0 * d * d,
                   hessian=H.copy(), nearest_minimizer=nearest_minimizer, notes=notes)
