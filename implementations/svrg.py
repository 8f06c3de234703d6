"""Stochastic variance-reduced gradient (SVRG), the reference for the (n + kappa) log(1/eps) regime.

    for s = 0, 1, ..., epochs-1:
        x~ = x~_s ;  g~ = grad(x~)                       # full gradient at the snapshot (n components)
        x_0 = x~
        for t = 0, ..., m-1:                             # m = inner_steps (default 2n)
            draw i uniform in {0, ..., n-1}
            x_{t+1} = x_t - lr * (grad_i(x_t, i) - grad_i(x~, i) + g~)
        x~_{s+1} = x_m            (snapshot="last",   option I)
                   x_t, t ~ U{0..m-1}   (snapshot="random", option II, the one the theorem is proved for;
                                         the epoch stops at t since later iterates would be discarded)

With lr = 1/(10 L_max) and m of order L_max/mu the snapshots contract by a constant factor per epoch,
at a cost of n + 2m component gradients: O((n + L_max/mu) log(1/eps)) in total.

Source: R. Johnson & T. Zhang, "Accelerating stochastic gradient descent using predictive variance
reduction", NeurIPS 2013 (Fig. 1 and Thm. 1).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np

from . import _validate as check
from ._sampling import replicate_rngs, uniform_indices

Gradient = Callable[[np.ndarray], np.ndarray]
ComponentGradient = Callable[[np.ndarray, np.ndarray], np.ndarray]


def svrg(grad: Callable[[np.ndarray], np.ndarray], grad_i: Callable[[np.ndarray, np.ndarray], np.ndarray],
         n: int, x0: np.ndarray, lr: float, epochs: int, rng: np.random.Generator,
         inner_steps: int | None = None, snapshot: Literal["last", "random"] = "last") -> np.ndarray:
    """Run `epochs` SVRG epochs from x0; return the snapshots x~_0 = x0 ... x~_epochs, shape (epochs+1, d)."""
    check.function(grad, "grad")
    check.function(grad_i, "grad_i")
    n, x0, lr = check.integer(n, "n", 1), check.x0(x0), check.real(lr, "lr")
    epochs, rng = check.integer(epochs, "epochs", 0), check.generator(rng)
    m = 2 * n if inner_steps is None else check.integer(inner_steps, "inner_steps", 1)
    if snapshot not in ("last", "random"):
        raise ValueError(f"snapshot must be 'last' or 'random', got {snapshot!r}")

    xs = np.empty((epochs + 1, x0.size))
    xs[0] = x0
    for s in range(epochs):
        snap, g_snap = xs[s], grad(xs[s])
        keep = m if snapshot == "last" else int(rng.integers(m))  # which inner iterate becomes x~_{s+1}
        x = snap
        for t, i in enumerate(uniform_indices(rng, n, 1, m)):
            if t == keep:
                break
            x = x - lr * (grad_i(x, i) - grad_i(snap, i) + g_snap)
        xs[s + 1] = x
    return xs


def svrg_replicates(grad: Gradient, grad_i_batched: ComponentGradient, n: int, x0: np.ndarray, lr: float, epochs: int,
                    rng: np.random.Generator | np.random.SeedSequence | int, replicates: int,
                    inner_steps: int | None = None, snapshot: Literal["last", "random"] = "last") -> np.ndarray:
    """`replicates` independent SVRG runs as one vectorised inner loop; return the snapshots, shape
    (replicates, epochs+1, d). Same law as `svrg` run by run (each replicate has its own child rng for its
    indices and its option-II draw); every replicate runs all m inner steps, and option II keeps x_t at its
    own drawn t. grad_i_batched(X, IDX) as for sgd_replicates (IDX of shape (R, 1))."""
    check.function(grad, "grad")
    check.function(grad_i_batched, "grad_i_batched")
    n, x0, lr = check.integer(n, "n", 1), check.x0(x0), check.real(lr, "lr")
    epochs = check.integer(epochs, "epochs", 0)
    rngs = replicate_rngs(rng, check.integer(replicates, "replicates", 1))
    m = 2 * n if inner_steps is None else check.integer(inner_steps, "inner_steps", 1)
    if snapshot not in ("last", "random"):
        raise ValueError(f"snapshot must be 'last' or 'random', got {snapshot!r}")

    snaps = np.empty((epochs + 1, len(rngs), x0.size))
    snaps[0] = x0
    rows = np.arange(len(rngs))
    for s in range(epochs):
        snap = snaps[s]
        g_snap = np.array([grad(row) for row in snap])  # full gradient at each replicate's snapshot
        keep = np.array([m if snapshot == "last" else int(g.integers(m)) for g in rngs])
        idx = np.stack([g.integers(n, size=(m, 1)) for g in rngs], axis=1)  # (m, R, 1)
        x, kept = snap.copy(), snap.copy()
        for t in range(m):
            x = x - lr * (grad_i_batched(x, idx[t]) - grad_i_batched(snap, idx[t]) + g_snap)
            kept[rows[keep == t + 1]] = x[keep == t + 1]
        snaps[s + 1] = kept
    return snaps.transpose(1, 0, 2)
