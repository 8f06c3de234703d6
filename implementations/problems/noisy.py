"""A quadratic observed through additive noise of exactly known variance, for the SGD bounds.

Two noise models, both with E ||g - grad f(x)||^2 = sigma2 / b for a batch of b indices, at every x:

finite (n given): f_i(x) = f(x) + z_i^T x with z_1..z_n drawn Gaussian, then centred and rescaled so
    that (1/n) sum z_i = 0 and (1/n) sum ||z_i||^2 = sigma2 exactly (to rounding). A true finite sum:
    sampling is done by the optimizer's rng, so runs and replicates are reproducible.
gaussian (n=None): every component-gradient call adds fresh N(0, sigma2 / (d b) I) noise drawn from a
    generator the problem owns (seeded from rng); idx only sets the batch size b. n = VIRTUAL_N (2^20)
    virtual components, so that any sampler (with or without replacement) can draw a batch.

Both keep f, x*, f*, L, mu of the underlying quadratic, and L_max = L (every f_i has Hessian H).
"""

from __future__ import annotations

import math

import numpy as np

from ._base import Problem, as_generator, propagates_nonfinite
from .quadratic import SpectrumKind, quadratic_spectrum

VIRTUAL_N = 2**20


def noisy_quadratic(d: int, mu: float, L: float, sigma2: float, rng: np.random.Generator | int, *,
                    n: int | None = 1024, kind: SpectrumKind = "linear") -> Problem:
    """`quadratic_spectrum(d, mu, L, rng, kind)` with gradient noise of variance sigma2 (see module doc)."""
    if not (math.isfinite(sigma2) and sigma2 >= 0):
        raise ValueError(f"sigma2 must be a finite number >= 0, got {sigma2!r}")
    rng = as_generator(rng)
    base = quadratic_spectrum(d, mu, L, rng, kind)
    H, c = base.hessian.copy(), base.hessian @ base.x_star
    if n is None:
        grad_i, grad_i_batched, n, how = _gaussian(H, c, sigma2, rng)
    else:
        grad_i, grad_i_batched, how = _finite(H, c, sigma2, n, rng)
    return Problem(
        name=f"noisy_{base.name}[sigma2={sigma2:g}, n={n}]", d=d, n=n, f=base.f, grad=base.grad,
        grad_i=grad_i, grad_i_batched=grad_i_batched, L=base.L, mu=base.mu, L_max=base.L,
        sigma2_star=float(sigma2), x_star=base.x_star.copy(), f_star=base.f_star,
        flops_grad=base.flops_grad, flops_component=base.flops_component, flops_value=base.flops_value,
        hessian=base.hessian.copy(), notes=f"{base.notes} Noise: {how}",
    )


def _finite(H, c, sigma2, n, rng):
    if not (isinstance(n, int | np.integer) and n >= 2):
        raise ValueError(f"n must be an int >= 2 (n = 1 leaves no room for zero-mean noise), got {n!r}")
    Z = rng.standard_normal((n, c.size))
    Z -= Z.mean(axis=0)
    power = np.mean(np.sum(Z * Z, axis=1))
    Z *= math.sqrt(sigma2 / power) if sigma2 > 0 else 0.0

    @propagates_nonfinite  # H.dot(x) + noise
    def grad_i(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
        return H.dot(x) - c + Z.take(idx, axis=0).mean(axis=0)

    @propagates_nonfinite
    def grad_i_batched(X: np.ndarray, IDX: np.ndarray) -> np.ndarray:
        return X.dot(H) - c + Z[IDX].mean(axis=1)

    return grad_i, grad_i_batched, "finite sum f_i = f + z_i^T x, mean z = 0, mean ||z_i||^2 = sigma2."


def _gaussian(H, c, sigma2, rng):
    noise = np.random.default_rng(rng.integers(2**63))
    scale = math.sqrt(sigma2 / c.size)

    @propagates_nonfinite  # H.dot(x) + noise
    def grad_i(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
        return H.dot(x) - c + (scale / math.sqrt(idx.size)) * noise.standard_normal(c.size)

    @propagates_nonfinite
    def grad_i_batched(X: np.ndarray, IDX: np.ndarray) -> np.ndarray:
        return X.dot(H) - c + (scale / math.sqrt(IDX.shape[1])) * noise.standard_normal(X.shape)

    return grad_i, grad_i_batched, VIRTUAL_N, f"fresh Gaussian N(0, sigma2/(d b) I) per call (n = {VIRTUAL_N} virtual)."
