"""Quadratics f(x) = 1/2 (x - x*)^T H (x - x*) + f* with a prescribed spectrum, and their worst-case starts.

Exact by construction: H = Q diag(lambda) Q^T with Q a Haar rotation, so L = max(lambda) and
mu = min(lambda) are the prescribed numbers (eigvalsh(H) agrees to rounding, ~1e-15 relative).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from ._base import Problem, as_generator, haar_rotation, quadratic_problem

SpectrumKind = Literal["linear", "uniform", "geometric", "extremes"]


def quadratic(eigenvalues: np.ndarray, rng: np.random.Generator | int, *, x_star: np.ndarray | None = None,
              f_star: float = 0.0, name: str = "quadratic") -> Problem:
    """The quadratic with Hessian spectrum `eigenvalues` (>= 0) in a random rotation.

    x* defaults to a standard normal vector. L = max eigenvalue and mu = min eigenvalue, exactly.
    With zero eigenvalues (mu = 0) the minimisers form x* + null(H); x_star is then the min-norm one
    and nearest_minimizer(x0) = x* + P_null (x0 - x*).
    """
    lam = np.asarray(eigenvalues, dtype=np.float64)
    if lam.ndim != 1 or lam.size == 0 or not np.isfinite(lam).all() or (lam < 0).any() or lam.max() <= 0:
        raise ValueError(f"eigenvalues must be a non-empty 1-D array of finite numbers >= 0, not all 0; "
                         f"got {eigenvalues!r}")
    rng = as_generator(rng)
    d = lam.size
    Q = haar_rotation(d, rng)
    x_star = rng.standard_normal(d) if x_star is None else np.asarray(x_star, dtype=np.float64)
    if x_star.shape != (d,):
        raise ValueError(f"x_star must have shape ({d},) to match the eigenvalues, got {x_star.shape}")
    null = Q[:, lam == 0]
    x_star = x_star - null @ (null.T @ x_star)  # the min-norm minimiser (x_star itself when mu > 0)
    H = (Q * lam) @ Q.T
    H = (H + H.T) / 2  # exactly symmetric, so eigvalsh and the batched X @ H agree with H @ x
    c = H @ x_star
    nearest = None
    if null.shape[1]:
        def nearest(x0: np.ndarray) -> np.ndarray:
            return x_star + null @ (null.T @ (x0 - x_star))

    return quadratic_problem(
        name, H, c, x_star, f_star, L=lam.max(), mu=lam.min(), const=f_star + 0.5 * x_star @ c,
        nearest_minimizer=nearest,
        notes="H = Q diag(eigenvalues) Q^T, Q Haar: L = max, mu = min eigenvalue exactly; "
              "x* chosen, f* chosen; gradient H x - H x*.",
    )


def spectrum(d: int, mu: float, L: float, rng: np.random.Generator | int, kind: SpectrumKind = "linear",
             ) -> np.ndarray:
    """d eigenvalues in [mu, L] that include both ends exactly (d = 1 needs mu = L).

    linear: evenly spaced; uniform: i.i.d. uniform in between; geometric: log-spaced (mu > 0);
    extremes: half at mu, half at L (repeated eigenvalues).
    """
    if not (isinstance(d, int | np.integer) and d >= 1):
        raise ValueError(f"d must be an int >= 1, got {d!r}")
    if not (np.isfinite(L) and np.isfinite(mu) and 0 <= mu <= L and L > 0):
        raise ValueError(f"need 0 <= mu <= L with L > 0, got mu={mu!r}, L={L!r}")
    if d == 1 and mu != L:
        raise ValueError(f"d = 1 has a single eigenvalue, so mu must equal L; got mu={mu}, L={L}")
    rng = as_generator(rng)
    if kind == "linear":
        lam = np.linspace(mu, L, d)
    elif kind == "uniform":
        lam = np.sort(rng.uniform(mu, L, d))
    elif kind == "geometric":
        if mu <= 0:
            raise ValueError("kind='geometric' needs mu > 0")
        lam = np.geomspace(mu, L, d)
    elif kind == "extremes":
        lam = np.where(np.arange(d) < d // 2, mu, L)
    else:
        raise ValueError(f"kind must be one of 'linear', 'uniform', 'geometric', 'extremes'; got {kind!r}")
    lam[0], lam[-1] = mu, L  # the constants are the prescribed numbers, not rounded ones
    return lam


def quadratic_spectrum(d: int, mu: float, L: float, rng: np.random.Generator | int,
                       kind: SpectrumKind = "linear", **kwargs) -> Problem:
    """A d-dimensional quadratic with mu = min and L = max eigenvalue exactly (see `spectrum`)."""
    rng = as_generator(rng)
    kwargs.setdefault("name", f"quadratic[{kind}, d={d}, kappa={L / mu if mu else np.inf:.3g}]")
    return quadratic(spectrum(d, mu, L, rng, kind), rng, **kwargs)


def worst_case_start(problem: Problem, which: Literal["min", "max", "both"] = "min", radius: float = 1.0,
                     ) -> np.ndarray:
    """x0 = x* + radius * v, v a unit eigenvector of the Hessian: of its smallest eigenvalue ("min"),
    its largest ("max"), or (v_min + v_max)/sqrt(2) ("both").

    These make the linear-rate bounds of gradient methods tight on quadratics: with lr = 1/L, GD's
    error along v_min shrinks by exactly (1 - mu/L) per step; with lr = 2/(L + mu) "both" makes
    ||x_k - x*|| = ((L - mu)/(L + mu))^k ||x_0 - x*|| exactly.
    """
    if problem.hessian is None:
        raise ValueError(f"worst_case_start needs a quadratic problem with a Hessian; "
                         f"{problem.name} has none")
    _, V = np.linalg.eigh(problem.hessian)
    v = {"min": V[:, 0], "max": V[:, -1], "both": (V[:, 0] + V[:, -1]) / np.sqrt(2.0)}.get(which)
    if v is None:
        raise ValueError(f"which must be 'min', 'max' or 'both', got {which!r}")
    return problem.x_star + radius * v


def quadratic_worst_case(d: int, mu: float, L: float, rng: np.random.Generator | int,
                         which: Literal["min", "max", "both"] = "min", radius: float = 1.0,
                         kind: SpectrumKind = "linear") -> tuple[Problem, np.ndarray]:
    """(problem, x0): a quadratic_spectrum instance and its worst_case_start."""
    problem = quadratic_spectrum(d, mu, L, rng, kind)
    return problem, worst_case_start(problem, which, radius)
