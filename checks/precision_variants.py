"""Optimizers written in a lower precision, correct and wrong: what checks.mutants is for float64.

Each factory takes a precision name ("float32", "bfloat16", ...) and returns a teaching-form function that
keeps its iterates in that dtype, as NumPy code written for it does: x0 and every oracle answer are cast to
the dtype, hyperparameters too, and the arithmetic stays there. The checks must pass the correct ones and
catch every wrong one by the property named in VARIANTS: lower precision excuses rounding, never a bug.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .precision import numpy_dtype


def _cast(dtype: np.dtype) -> Callable[[Any], np.ndarray]:
    return lambda v: np.asarray(v, dtype=np.float64).astype(dtype)


def _at(v: Any, k: int) -> float:
    return v(k) if callable(v) else v


def gd(name: str, step: float = 1.0, via: str | None = None) -> Callable[..., np.ndarray]:
    """GD in `name`; step scales lr (0.5: the half-step bug); via casts each gradient through that dtype
    first (e.g. "float16": a gradient squeezed through float16 inside a float32 optimizer)."""
    dt, c = numpy_dtype(name), _cast(numpy_dtype(name))
    squeeze = _cast(numpy_dtype(via)) if via else (lambda g: g)

    def gradient_descent(grad, x0, lr, steps):
        x, h = c(x0), dt.type(step * lr)
        xs = [x]
        for _ in range(steps):
            x = (x - h * c(squeeze(grad(x)))).astype(dt)
            xs.append(x)
        return np.array(xs)

    return gradient_descent


def gd_stored_in(name: str, storage: str) -> Callable[..., np.ndarray]:
    """GD whose weights live in `storage` (e.g. bfloat16) but whose iterates are handed back in `name`
    (float32): updates below half an ulp of the stored weights are rounded away (the stall property)."""
    out, store = numpy_dtype(name), numpy_dtype(storage)

    def gradient_descent(grad, x0, lr, steps):
        x = _cast(store)(x0)
        xs = [x.astype(out)]
        for _ in range(steps):
            x = (x.astype(out) - out.type(lr) * grad(x.astype(out)).astype(out)).astype(store)
            xs.append(x.astype(out))
        return np.array(xs)

    return gradient_descent


def heavy_ball(name: str, sign: float = 1.0) -> Callable[..., np.ndarray]:
    """Heavy ball in `name` (sign -1: the wrong momentum sign)."""
    dt, c = numpy_dtype(name), _cast(numpy_dtype(name))

    def hb(grad, x0, lr, momentum, steps):
        x = c(x0)
        prev, h, b = x, dt.type(lr), dt.type(sign * momentum)
        xs = [x]
        for _ in range(steps):
            x, prev = (x - h * c(grad(x)) + b * (x - prev)).astype(dt), x
            xs.append(x)
        return np.array(xs)

    return hb


def nesterov(name: str, grad_at_x: bool = False) -> Callable[..., np.ndarray]:
    """Nesterov in `name` (grad_at_x: the gradient at x_k instead of the look-ahead point y_k)."""
    dt, c = numpy_dtype(name), _cast(numpy_dtype(name))

    def nag(grad, x0, lr, momentum, steps):
        x = y = c(x0)
        h, xs = dt.type(lr), [x]
        for k in range(steps):
            x_new = (y - h * c(grad(x if grad_at_x else y))).astype(dt)
            y = (x_new + dt.type(_at(momentum, k)) * (x_new - x)).astype(dt)
            x = x_new
            xs.append(x)
        return np.array(xs)

    return nag


def sgd(name: str, summed: bool = False) -> Callable[..., np.ndarray]:
    """SGD in `name` (summed: the mini-batch summed instead of averaged)."""
    dt, c = numpy_dtype(name), _cast(numpy_dtype(name))

    def stochastic(grad_i, n, x0, lr, steps, rng, batch_size=1):
        x = c(x0)
        xs = [x]
        for k in range(steps):
            idx = rng.integers(0, n, size=batch_size)
            g = grad_i(x, idx) * (len(idx) if summed else 1)
            x = (x - dt.type(_at(lr, k)) * c(g)).astype(dt)
            xs.append(x)
        return np.array(xs)

    return stochastic


def triple_momentum(name: str) -> Callable[..., np.ndarray]:
    """Van Scoy et al.'s triple momentum in `name` (returns the states xi_k, as the reference does)."""
    dt, c = numpy_dtype(name), _cast(numpy_dtype(name))

    def tm(grad, x0, alpha, beta, gamma, steps):
        xi = prev = c(x0)
        a, b, g = dt.type(alpha), dt.type(beta), dt.type(gamma)
        xs = [xi]
        for _ in range(steps):
            y = ((1 + g) * xi - g * prev).astype(dt)
            xi, prev = ((1 + b) * xi - b * prev - a * c(grad(y))).astype(dt), xi
            xs.append(xi)
        return np.array(xs)

    return tm


def ogm(name: str) -> Callable[..., np.ndarray]:
    """Kim & Fessler's OGM in `name` (theta schedule in float64, rounded where it is used)."""
    from ..implementations.ogm import ogm_theta

    dt, c = numpy_dtype(name), _cast(numpy_dtype(name))

    def optimized(grad, x0, lr, steps):
        theta, h = ogm_theta(steps), dt.type(lr)
        y = x = c(x0)
        ys = [y]
        for k in range(steps):
            x_prev, x = x, (y - h * c(grad(y))).astype(dt)
            a, b = dt.type((theta[k] - 1) / theta[k + 1]), dt.type(theta[k] / theta[k + 1])
            y = (x + a * (x - x_prev) + b * (x - y)).astype(dt)
            ys.append(y)
        return np.array(ys)

    return optimized


def svrg(name: str) -> Callable[..., np.ndarray]:
    """Johnson & Zhang's SVRG in `name` (option I, the last inner iterate; option II draws t as the
    reference does)."""
    from ..implementations._sampling import uniform_indices

    dt, c = numpy_dtype(name), _cast(numpy_dtype(name))

    def variance_reduced(grad, grad_i, n, x0, lr, epochs, rng, inner_steps=None, snapshot="last"):
        m, h = 2 * n if inner_steps is None else inner_steps, dt.type(lr)
        xs = [c(x0)]
        for _ in range(epochs):
            snap = xs[-1]
            g_snap = c(grad(snap))
            keep = m if snapshot == "last" else int(rng.integers(m))
            x = snap
            for t, i in enumerate(uniform_indices(rng, n, 1, m)):
                if t == keep:
                    break
                x = (x - h * (c(grad_i(x, i)) - c(grad_i(snap, i)) + g_snap)).astype(dt)
            xs.append(x)
        return np.array(xs)

    return variance_reduced


@dataclass(frozen=True)
class Variant:
    name: str
    method: str
    build: Callable[[str], Callable[..., Any]]  # precision name -> teaching-form function
    caught_by: str | None  # None: correct, must pass every property
    message: str = ""


VARIANTS: tuple[Variant, ...] = (
    Variant("gd", "gd", gd, None),
    Variant("heavy ball", "heavy-ball", heavy_ball, None),
    Variant("nesterov", "nesterov", nesterov, None),
    Variant("sgd", "sgd", sgd, None),
    Variant("triple momentum", "triple-momentum", triple_momentum, None),
    Variant("ogm", "ogm", ogm, None),
    Variant("svrg", "svrg", svrg, None),
    Variant("gd: half the step", "gd", lambda p: gd(p, step=0.5), "bound", "exceeds the bound"),
    Variant("heavy ball: wrong momentum sign", "heavy-ball", lambda p: heavy_ball(p, sign=-1.0), "bound"),
    Variant("nesterov: gradient at x_k", "nesterov", lambda p: nesterov(p, grad_at_x=True), "conformance",
            "y_k = x_k + b_{k-1}"),
    Variant("sgd: sum instead of mean", "sgd", lambda p: sgd(p, summed=True), "statistics", "exceeds sgd.minibatch"),
    Variant("gd: gradient cast through float16", "gd", lambda p: gd(p, via="float16"), "conformance",
            "does not follow the gd update"),
    Variant("gd: bfloat16 weights behind the interface", "gd", lambda p: gd_stored_in(p, "bfloat16"), "stall",
            "rounded away"),
)


def gd_bfloat16_weights(grad, x0, lr, steps):
    """float32 GD whose weights are kept in bfloat16 (the stall mutant of checks.mutants)."""
    return gd_stored_in("float32", "bfloat16")(grad, x0, lr, steps)


__all__ = ["VARIANTS", "Variant", "gd", "gd_bfloat16_weights", "gd_stored_in", "heavy_ball", "nesterov", "ogm",
           "sgd", "svrg", "triple_momentum"]
