"""Running an optimizer under test through a counted oracle, without letting it crash the checker."""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..implementations import CountedOracle, OracleCallError, oracles
from ..implementations.oracles import ComponentRows, Query
from ..implementations.problems import Problem
from ..methods import Method, get
from . import precision
from .methods import f_low


class Unsupported(Exception):
    """Raised by an optimizer (an adapter) that cannot express a setting's hyperparameters, e.g. a momentum
    schedule for torch.optim.SGD. `run` lets it through and the checker reports the setting as skipped."""


@dataclass
class Run:
    """What one call of the optimizer produced: iterates (steps+1, d) or the reason there are none."""

    xs: np.ndarray | None
    error: str | None
    counts: dict[str, float] = field(default_factory=dict)
    log: tuple[Query, ...] = ()
    steps: int = 0
    dtype: str = "float64"  # the precision of the iterates as the optimizer returned them (checks.precision)

    @property
    def precision(self) -> precision.Precision:
        return precision.get(self.dtype)


def run(method: str | Method, optimizer: Any, problem: Problem, x0: np.ndarray, hp: dict[str, Any], steps: int,
        seed: int | None = None, record: bool = False) -> Run:
    """One run. numpy's floating-point warnings are silenced while the optimizer runs (np.errstate, which
    is context-local): a diverging optimizer would print one per example, and what matters - a non-finite
    iterate, a rejected oracle call - is reported by the checks themselves."""
    m = get(method)
    oracle = CountedOracle(problem, record=record)
    x0_given = np.array(x0, dtype=float)
    rng = np.random.default_rng(seed) if m.stochastic else None
    try:
        with np.errstate(all="ignore"):
            out = m.call(optimizer, oracle, x0_given, hp, steps, rng)
    except (KeyboardInterrupt, MemoryError, Unsupported):
        raise
    except BaseException as exc:
        return Run(None, _raised(exc), oracle.counts(), oracle.log, steps)
    return _validate(out, x0_given, x0, problem, oracle, steps)


def run_replicates(method: str | Method, optimizer: Any, problem: Problem, x0: np.ndarray, hp: dict[str, Any],
                   steps: int, seeds: Any) -> list[Run]:
    """`run` once per seed. An optimizer that offers `replicated(grads, n, x0s, lr, steps, rngs, batch_size)`
    (the grading sandbox does) gets all replicates in one call, so that it can batch their oracle queries;
    each replicate still has its own counted oracle, rng and x0, and is validated on its own. That protocol is
    the grad_i teaching form's (SGD's), so other methods always run one by one."""
    batched = getattr(optimizer, "replicated", None)
    if get(method).signature.oracles != ("grad_i",) or not callable(batched):
        return [run(method, optimizer, problem, x0, hp, steps, seed=int(s)) for s in seeds]
    oracles = [CountedOracle(problem) for _ in seeds]
    x0s = [np.array(x0, dtype=float) for _ in seeds]
    rngs = [np.random.default_rng(int(s)) for s in seeds]
    try:
        with np.errstate(all="ignore"):
            outs = batched(ComponentRows(oracles, problem), problem.n, x0s, hp["lr"], steps, rngs,
                           hp.get("batch_size", 1))
    except (KeyboardInterrupt, MemoryError, Unsupported):
        raise
    except BaseException as exc:
        return [Run(None, _raised(exc), o.counts(), (), steps) for o in oracles]
    return [Run(None, _raised(out), o.counts(), (), steps) if isinstance(out, BaseException)
            else _validate(out, x0g, x0, problem, o, steps) for out, x0g, o in zip(outs, x0s, oracles, strict=True)]


def _raised(exc: BaseException) -> str:
    tb = traceback.extract_tb(exc.__traceback__)
    at = "at"
    if isinstance(exc, OracleCallError):  # a malformed call: point at the optimizer's line, not the oracle's
        tb, at = [f for f in tb if f.filename != oracles.__file__] or tb, "called at"
    where = f" ({at} {tb[-1].filename}:{tb[-1].lineno})" if tb else ""
    return f"the optimizer raised {type(exc).__name__}: {exc}{where}"


def _validate(out: Any, x0_given: np.ndarray, x0: np.ndarray, problem: Problem, oracle: CountedOracle,
              steps: int) -> Run:
    counts, log = oracle.counts(), oracle.log
    if not np.array_equal(x0_given, x0):
        return Run(None, "the optimizer modified x0 in place (it must not write into its input)", counts, log, steps)
    try:
        dtype, xs = precision.as_float64(out)  # the dtype is recorded before the cast loses it
    except (TypeError, ValueError) as exc:
        return Run(None, f"the optimizer returned {type(out).__name__}, which is not an array of iterates: "
                   f"{exc}", counts, log, steps)
    want = (steps + 1, problem.d)
    if xs.shape != want:
        return Run(None, f"the optimizer returned shape {xs.shape}; expected (steps+1, d) = {want}: "
                   "the iterates x_0 ... x_steps, one row each", counts, log, steps)
    bad = np.nonzero(~np.isfinite(xs).all(axis=1))[0]
    if bad.size:
        return Run(None, f"iterate x_{bad[0]} is not finite ({xs[bad[0]]})", counts, log, steps)
    return Run(xs, None, counts, log, steps, dtype)


def grad_sq(problem: Problem, xs: np.ndarray) -> np.ndarray:
    """||grad f(x)||^2 for each row x of xs (any leading shape), from the problem itself (not the counted
    oracle): grad_i_batched over all n components is the full gradient, one call per chunk of rows."""
    xs = np.asarray(xs, dtype=np.float64)
    flat = xs.reshape(-1, problem.d)
    rows = max(1, 2**20 // (problem.n * problem.d))  # keep the (rows, n, d) intermediates near 8 MB
    out = np.empty(len(flat))
    with np.errstate(all="ignore"):
        for s in range(0, len(flat), rows):
            X = flat[s:s + rows]
            g = problem.grad_i_batched(X, np.broadcast_to(np.arange(problem.n), (len(X), problem.n)))
            out[s:s + rows] = np.einsum("ij,ij->i", g, g)
    return out.reshape(xs.shape[:-1])


def measure(quantity: str, problem: Problem, xs: np.ndarray, x_star: np.ndarray) -> np.ndarray:
    """The measured quantity per iterate: dist, dist_sq, gap or grad_sq_min (the running min of ||grad f||^2;
    grad_sq_avg is a weighted mean of grad_sq the stationarity property forms). Huge (diverged) iterates
    overflow to inf, which the properties judge; numpy's warning about it is silenced, as during the run."""
    with np.errstate(all="ignore"):
        if quantity == "grad_sq_min":
            return np.minimum.accumulate(grad_sq(problem, xs))
        if quantity == "gap":
            return np.array([problem.f(x) for x in xs]) - problem.f_star
        dist = np.linalg.norm(xs - x_star, axis=1)
        return dist**2 if quantity == "dist_sq" else dist


def allowance(quantity: str, problem: Problem, x0: np.ndarray, x_star: np.ndarray) -> float:
    """Absolute floating-point allowance: observed <= bound * (1 + RTOL) + allowance counts as within.

    Rounding in x_k - x* or f(x_k) - f* is a few ulps of the magnitudes involved; 1e-10 of them is far
    above that and far below any violation a wrong method produces.
    """
    if quantity in ("grad_sq_min", "grad_sq_avg"):  # no x*: the scale of ||grad f||^2 and of L Delta0
        g0 = problem.grad(np.asarray(x0, dtype=float))
        return 1e-10 * (float(g0 @ g0) + problem.L * (abs(problem.f(x0)) + abs(f_low(problem))))
    scale_x = float(np.linalg.norm(x_star) + np.linalg.norm(x0 - x_star))
    if quantity == "dist":
        return 1e-10 * scale_x
    if quantity == "dist_sq":
        return 1e-10 * scale_x**2
    return 1e-10 * (abs(problem.f_star) + abs(problem.f(x0)) + problem.L * scale_x**2)


RTOL = 1e-7
