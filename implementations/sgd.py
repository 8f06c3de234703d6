"""Stochastic gradient descent on a finite sum f = (1/n) sum_i f_i, sampling with replacement.

    for k = 0, 1, ..., steps-1:
        draw idx: batch_size indices uniform in {0, ..., n-1}, with replacement
        x_{k+1} = x_k - lr_k * grad_i(x_k, idx)        # grad_i = mean of grad f_i over idx

`sgd_replicates` runs R independent copies at once, one (R, d) array per step; replicate r uses the
generator `replicate_rngs(rng, R)[r]` and follows the same path as `sgd` would with it.

Sources: H. Robbins & S. Monro, "A stochastic approximation method", Ann. Math. Stat. 22(3), 1951;
L. Bottou, F. E. Curtis & J. Nocedal, "Optimization methods for large-scale machine learning",
SIAM Review 60(2), 2018, Sec. 4.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import _validate as check
from ._sampling import CHUNK, replicate_rngs, uniform_indices

ComponentGrad = Callable[[np.ndarray, np.ndarray], np.ndarray]


def sgd(grad_i: ComponentGrad, n: int, x0: np.ndarray, lr: float | Callable[[int], float], steps: int,
        rng: np.random.Generator, batch_size: int = 1) -> np.ndarray:
    """Run `steps` SGD steps from x0; return x_0 ... x_steps, shape (steps+1, d).

    lr is a float or a schedule k -> lr_k; rng is a numpy Generator (the only source of randomness).
    """
    check.function(grad_i, "grad_i")
    n, batch_size = check.integer(n, "n", 1), check.integer(batch_size, "batch_size", 1)
    x0, steps, rng = check.x0(x0), check.integer(steps, "steps", 0), check.generator(rng)
    lr = check.schedule(lr, "lr")

    xs = np.empty((steps + 1, x0.size))
    xs[0] = x0
    for k, idx in enumerate(uniform_indices(rng, n, batch_size, steps)):
        xs[k + 1] = xs[k] - lr(k) * grad_i(xs[k], idx)
    return xs


def sgd_replicates(grad_i_batched: ComponentGrad, n: int, x0: np.ndarray, lr: float | Callable[[int], float],
                   steps: int, rng: np.random.Generator | np.random.SeedSequence | int, replicates: int,
                   batch_size: int = 1) -> np.ndarray:
    """Run `replicates` independent SGD runs as one vectorised loop; return shape (replicates, steps+1, d)
    (a transposed view of a step-major buffer; np.ascontiguousarray it if a copy per replicate is wanted).

    grad_i_batched(X, IDX) takes X of shape (R, d) and IDX of shape (R, batch_size) and returns the
    (R, d) array whose row r is grad_i(X[r], IDX[r]). rng is a Generator (children are spawned from
    it), a SeedSequence or an int seed: with a seed, replicate r equals
    `sgd(grad_i, n, x0, lr, steps, replicate_rngs(seed, replicates)[r], batch_size)` up to rounding.
    """
    check.function(grad_i_batched, "grad_i_batched")
    n, batch_size = check.integer(n, "n", 1), check.integer(batch_size, "batch_size", 1)
    x0, steps, lr = check.x0(x0), check.integer(steps, "steps", 0), check.schedule(lr, "lr")
    rngs = replicate_rngs(rng, check.integer(replicates, "replicates", 1))

    x = np.tile(x0, (len(rngs), 1))  # row r is replicate r
    xs = np.empty((steps + 1, len(rngs), x0.size))  # step-major: each step writes one contiguous block
    xs[0] = x
    for k, idx in enumerate(_replicate_indices(rngs, n, batch_size, steps)):
        xs[k + 1] = x = x - lr(k) * grad_i_batched(x, idx)
    return xs.transpose(1, 0, 2)  # a (replicates, steps+1, d) view, no copy


def _replicate_indices(rngs: list[np.random.Generator], n: int, batch_size: int, steps: int):
    """Per step an (R, batch_size) index array; row r is the stream `uniform_indices(rngs[r], ...)` gives."""
    for start in range(0, steps, CHUNK):
        size = (min(CHUNK, steps - start), batch_size)
        yield from np.stack([g.integers(n, size=size) for g in rngs], axis=1)
