"""Deliberately wrong optimizers (mutants) and correct variants, each with the property expected to judge it.

The checks must show their teeth: every mutant here must be caught, by the named property, with a clear
message; every correct variant must pass. tests/test_checks_teeth.py runs them all; they also make good
material for teaching (what each bug looks like from the outside).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..implementations import gradient_descent, heavy_ball, sgd
from .precision_variants import gd_bfloat16_weights


@dataclass(frozen=True)
class Mutant:
    name: str
    method: str
    fn: Callable[..., Any]
    caught_by: str | None  # the property that must fail (None: a correct variant that must pass)
    message: str = ""  # a fragment the failure message must contain


# ---- gradient descent --------------------------------------------------------------------------------
def gd_half_step(grad, x0, lr, steps):
    return gradient_descent(grad, x0, lr / 2, steps)


def gd_stale_gradient(grad, x0, lr, steps):
    xs, g_prev = [np.array(x0, dtype=float)], np.zeros_like(x0, dtype=float)
    for _ in range(steps):
        g = grad(xs[-1])
        xs.append(xs[-1] - lr * g_prev)  # uses the previous step's gradient
        g_prev = g
    return np.array(xs)


def gd_extra_calls(grad, x0, lr, steps):
    xs = [np.array(x0, dtype=float)]
    for _ in range(steps):
        grad(xs[-1])  # a wasted evaluation
        xs.append(xs[-1] - lr * grad(xs[-1]))
    return np.array(xs)


def gd_aliasing(grad, x0, lr, steps):
    x = np.array(x0, dtype=float)
    xs = [x]
    for _ in range(steps):
        x -= lr * grad(x)  # in place: every row of the result is the same final array
        xs.append(x)
    return np.array(xs)


def gd_nan(grad, x0, lr, steps):
    xs = gradient_descent(grad, x0, lr, steps)
    xs[-1] = np.nan
    return xs


def gd_wrong_shape(grad, x0, lr, steps):
    return gradient_descent(grad, x0, lr, steps)[1:]  # forgets x_0


def gd_raises(grad, x0, lr, steps):
    raise RuntimeError("student bug")


def gd_list_output(grad, x0, lr, steps):
    xs = [list(x0)]
    for _ in range(steps):
        xs.append(list(np.asarray(xs[-1]) - lr * grad(np.asarray(xs[-1], dtype=float))))
    return xs


def gd_reads_the_data(grad, x0, lr, steps):
    """Cheats: digs the Hessian out of the oracle's closures, solves for x*, and still makes one call per step."""
    H = c = None
    stack = [grad]
    seen = set()
    while stack:
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        for cell in getattr(fn, "__closure__", None) or ():
            v = cell.cell_contents
            if isinstance(v, np.ndarray) and v.ndim == 2:
                H = v
            elif isinstance(v, np.ndarray) and v.ndim == 1 and v.size == len(x0):
                c = v
            elif callable(v):
                stack.append(v)
    x_star = np.linalg.lstsq(H, c, rcond=None)[0] if H is not None and c is not None else np.array(x0)
    xs = [np.array(x0, dtype=float)]
    for _ in range(steps):
        grad(xs[-1])
        xs.append(x_star.copy())
    return np.array(xs)


def gd_slow(grad, x0, lr, steps):
    return gradient_descent(grad, x0, lr / 10, steps)


def gd_step_above_two_over_l(grad, x0, lr, steps):
    return gradient_descent(grad, x0, 2.5 * lr, steps)  # 2.5/L where 1/L is prescribed: beyond 2/L


# ---- heavy ball ------------------------------------------------------------------------------------------
def hb_wrong_momentum_sign(grad, x0, lr, momentum, steps):
    return heavy_ball(grad, x0, lr, momentum, steps) if momentum == 0 else _hb(grad, x0, lr, -momentum, steps)


def _hb(grad, x0, lr, momentum, steps, x_prev=None):
    xs = [np.array(x0, dtype=float)]
    prev = xs[0] if x_prev is None else x_prev
    for _ in range(steps):
        x = xs[-1]
        xs.append(x - lr * grad(x) + momentum * (x - prev))
        prev = x
    return np.array(xs)


def hb_zero_history(grad, x0, lr, momentum, steps):
    return _hb(grad, x0, lr, momentum, steps, x_prev=np.zeros_like(x0, dtype=float))  # x_{-1} = 0


def hb_torch_style(grad, x0, lr, momentum, steps):
    """Correct: torch's buffer form buf = momentum * buf + g; x -= lr * buf is heavy ball with x_{-1} = x_0."""
    x, buf, xs = np.array(x0, dtype=float), None, [np.array(x0, dtype=float)]
    for _ in range(steps):
        g = grad(x)
        buf = g if buf is None else momentum * buf + g
        x = x - lr * buf
        xs.append(x)
    return np.array(xs)


# ---- Nesterov ----------------------------------------------------------------------------------------------
def _b(momentum, k):
    return momentum(k) if callable(momentum) else momentum


def nesterov_grad_at_x(grad, x0, lr, momentum, steps):
    xs, y = [np.array(x0, dtype=float)], np.array(x0, dtype=float)
    for k in range(steps):
        x_new = y - lr * grad(xs[-1])  # the gradient at x_k, not at the look-ahead point y_k
        y = x_new + _b(momentum, k) * (x_new - xs[-1])
        xs.append(x_new)
    return np.array(xs)


def nesterov_momentum_off_by_one(grad, x0, lr, momentum, steps):
    xs, y = [np.array(x0, dtype=float)], np.array(x0, dtype=float)
    for k in range(steps):
        x_new = y - lr * grad(y)
        y = x_new + _b(momentum, k + 1) * (x_new - xs[-1])
        xs.append(x_new)
    return np.array(xs)


# ---- SGD ---------------------------------------------------------------------------------------------------
def _lr(lr, k):
    return lr(k) if callable(lr) else lr


def sgd_biased_sampling(grad_i, n, x0, lr, steps, rng, batch_size=1):
    xs = [np.array(x0, dtype=float)]
    for k in range(steps):
        idx = rng.integers(0, max(1, n - 1), size=batch_size)  # never draws the last component
        xs.append(xs[-1] - _lr(lr, k) * grad_i(xs[-1], idx))
    return np.array(xs)


def sgd_full_gradient(grad_i, n, x0, lr, steps, rng, batch_size=1):
    xs = [np.array(x0, dtype=float)]
    for k in range(steps):
        xs.append(xs[-1] - _lr(lr, k) * grad_i(xs[-1], np.arange(n)))  # all n components: that is GD
    return np.array(xs)


def sgd_frozen_schedule(grad_i, n, x0, lr, steps, rng, batch_size=1):
    return sgd(grad_i, n, x0, _lr(lr, 0), steps, rng, batch_size)  # lr_0 for ever


def sgd_sum_not_mean(grad_i, n, x0, lr, steps, rng, batch_size=1):
    xs = [np.array(x0, dtype=float)]
    for k in range(steps):
        idx = rng.integers(0, n, size=batch_size)
        g = sum(grad_i(xs[-1], np.array([i])) for i in idx)  # sums the batch instead of averaging
        xs.append(xs[-1] - _lr(lr, k) * g)
    return np.array(xs)


def sgd_unseeded(grad_i, n, x0, lr, steps, rng, batch_size=1):
    return sgd(grad_i, n, x0, lr, steps, np.random.default_rng(), batch_size)  # ignores the given rng


def sgd_slow(grad_i, n, x0, lr, steps, rng, batch_size=1):
    return sgd(grad_i, n, x0, (lambda k: _lr(lr, k) / 10), steps, rng, batch_size)


def sgd_without_replacement(grad_i, n, x0, lr, steps, rng, batch_size=1):
    """Correct: a batch of distinct indices (uniform marginals, smaller variance)."""
    xs = [np.array(x0, dtype=float)]
    for k in range(steps):
        idx = rng.choice(n, size=min(batch_size, n), replace=False)
        xs.append(xs[-1] - _lr(lr, k) * grad_i(xs[-1], idx))
    return np.array(xs)


MUTANTS: tuple[Mutant, ...] = (
    Mutant("gd: half the step", "gd", gd_half_step, "bound", "exceeds the bound"),
    Mutant("gd: stale gradient", "gd", gd_stale_gradient, "conformance", "does not follow the gd update"),
    Mutant("gd: extra oracle calls", "gd", gd_extra_calls, "discipline", "expected exactly one gradient per step"),
    Mutant("gd: aliased iterates", "gd", gd_aliasing, "discipline", "not x0"),
    Mutant("gd: NaN iterate", "gd", gd_nan, "discipline", "is not finite"),
    Mutant("gd: wrong shape", "gd", gd_wrong_shape, "discipline", "expected (steps+1, d)"),
    Mutant("gd: raises", "gd", gd_raises, "discipline", "raised RuntimeError: student bug"),
    Mutant("gd: reads the problem's data", "gd", gd_reads_the_data, "impossibility", "faster than any first-order"),
    Mutant("gd: ten times too small a step", "gd", gd_slow, "regimes", "theory predicts GD"),
    Mutant("heavy ball: wrong momentum sign", "heavy-ball", hb_wrong_momentum_sign, "bound", "exceeds the bound"),
    Mutant("heavy ball: x_{-1} = 0", "heavy-ball", hb_zero_history, "conformance", "heavy-ball update"),
    Mutant("nesterov: gradient at x_k", "nesterov", nesterov_grad_at_x, "conformance", "y_k = x_k + b_{k-1}"),
    Mutant("nesterov: momentum off by one", "nesterov", nesterov_momentum_off_by_one, "conformance", "step 1"),
    Mutant("sgd: biased sampling", "sgd", sgd_biased_sampling, "conformance", "not uniform"),
    Mutant("sgd: full gradients inside", "sgd", sgd_full_gradient, "discipline", "component gradients"),
    Mutant("sgd: frozen schedule", "sgd", sgd_frozen_schedule, "statistics", "exceeds sgd.decreasing"),
    Mutant("sgd: sum instead of mean", "sgd", sgd_sum_not_mean, "statistics", "exceeds sgd.minibatch"),
    Mutant("sgd: ignores its rng", "sgd", sgd_unseeded, "discipline", "same seed"),
    Mutant("sgd: ten times too small a step", "sgd", sgd_slow, "regimes", "theory predicts SGD"),
    Mutant("gd: step 2.5/L (above 2/L) on a nonconvex f", "gd", gd_step_above_two_over_l, "stationarity",
           "exceeds the bound gd.nonconvex"),
    Mutant("sgd: frozen schedule on a nonconvex f", "sgd", sgd_frozen_schedule, "stationarity",
           "exceeds sgd.nonconvex_decreasing"),
    Mutant("sgd: sum instead of mean on a nonconvex f", "sgd", sgd_sum_not_mean, "stationarity",
           "exceeds sgd.nonconvex_decreasing"),
    Mutant("gd: bfloat16 weights behind a float32 interface", "gd", gd_bfloat16_weights, "stall", "rounded away"),
    Mutant("gd: list output", "gd", gd_list_output, None),
    Mutant("heavy ball: torch-style momentum buffer", "heavy-ball", hb_torch_style, None),
    Mutant("sgd: sampling without replacement", "sgd", sgd_without_replacement, None),
)
