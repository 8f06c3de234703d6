"""Counted first-order oracles: what an optimizer under test is allowed to see of a `Problem`.

`CountedOracle(problem)` hands out four callables and nothing else of the problem:

    grad(x)                   full gradient                          counts 1 full gradient
    grad_i(x, idx)            mean of grad f_i over the 1-D int idx  counts len(idx) component gradients
    grad_i_batched(X, IDX)    row-wise grad_i, X (R, d), IDX (R, b)  counts R*b component gradients
    value(x)                  f(x)                                   counts 1 value
plus the sizes n and d. Each call is validated (shape, finiteness, integer in-range non-empty indices)
and rejected with `OracleCallError` (a ValueError) saying what was expected. Results are fresh arrays.

Cost model (flops, documented per problem in `Problem.flops_*`): multiply-adds in matrix/vector products
count 2 flops; elementwise work (subtractions, scalings, sigmoids) is not counted.
    quadratic (dense H)      gradient = component = value: 2 d^2
    least squares, logistic  component gradient: 4d; full gradient: 4nd (= n components); value: 2nd
    flops = full * flops_grad + components * flops_component + values * flops_value
`work` is the same spend in component-gradient units: components + n * full (the "work" of the theory).

What is hidden, and its limits: the callables are plain closures over the problem's gradient functions
(for a quadratic, over H and c = H x* themselves, computed inline), their counters and the log. They hold
no reference to the Problem, x*, f* or the checker's constants, and `CountedOracle` keeps none either. But
in-process hiding is best effort only: the data a gradient needs (e.g. A and b, or H and c) is reachable
by introspection (`__closure__`, `gc`), and it determines x*. Real isolation (a separate process) is the
grader's job, not this module's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .problems import Problem

_F64 = np.dtype(np.float64)
_INTP = np.dtype(np.intp)
_INF = float("inf")
_NDARRAY = np.ndarray


class OracleCallError(ValueError):
    """A malformed oracle call: wrong shape, non-finite point, or bad indices."""


class Query(NamedTuple):
    """One logged oracle call (copies, so later mutation by the optimizer does not alter the log)."""

    kind: str  # "grad", "grad_i", "grad_i_batched" or "value"
    x: np.ndarray
    idx: np.ndarray | None
    result: np.ndarray | float


class CountedOracle:
    """The counted, validated view of a problem that an optimizer under test receives.

    record=True logs every query (x, idx and result, copied) in `log`, to check update rules later.
    """

    def __init__(self, problem: Problem, *, record: bool = False) -> None:
        if not isinstance(problem, Problem):
            raise TypeError(f"CountedOracle needs a Problem, got {type(problem).__name__}")
        self.n, self.d = problem.n, problem.d
        self.flops_grad = problem.flops_grad
        self.flops_component = problem.flops_component
        self.flops_value = problem.flops_value
        affine = getattr(problem.grad, "affine", None)
        grad = (_make_grad(problem.grad, problem.d, _propagates(problem.grad)) if affine is None
                else _make_affine_grad(*affine))
        grad_i = _make_grad_i(problem.grad_i, problem.n, problem.d, _propagates(problem.grad_i))
        batched = _make_grad_i_batched(problem.grad_i_batched, problem.n, problem.d,
                                       _propagates(problem.grad_i_batched))
        value = _make_value(problem.f, problem.d)
        # Each callable bumps a nonlocal int (the cheapest counter a closure has); its cell is read here.
        self._full, self._component, self._batched, self._values = map(_counter, (grad, grad_i, batched, value))
        self._log: list[Query] = []
        self._grad_i_plain = grad_i  # the unrecorded callable (ComponentRows batches only those)
        if record:
            grad, grad_i, batched, value = (_recorded(kind, fn, self._log) for kind, fn in (
                ("grad", grad), ("grad_i", grad_i), ("grad_i_batched", batched), ("value", value)))
        self.grad, self.grad_i, self.grad_i_batched, self.value = grad, grad_i, batched, value

    @property
    def full_gradients(self) -> int:
        return self._full.cell_contents

    @property
    def component_gradients(self) -> int:
        return self._component.cell_contents + self._batched.cell_contents

    @property
    def values(self) -> int:
        return self._values.cell_contents

    @property
    def work(self) -> int:
        """Spend in component-gradient units: component gradients + n per full gradient."""
        return self.component_gradients + self.n * self.full_gradients

    @property
    def flops(self) -> float:
        return (self.full_gradients * self.flops_grad + self.component_gradients * self.flops_component
                + self.values * self.flops_value)

    @property
    def log(self) -> tuple[Query, ...]:
        return tuple(self._log)

    def counts(self) -> dict[str, float]:
        """A snapshot of every counter."""
        return {"full_gradients": self.full_gradients, "component_gradients": self.component_gradients,
                "values": self.values, "work": self.work, "flops": self.flops}

    def reset(self) -> None:
        """Zero the counters and clear the log."""
        for cell in (self._full, self._component, self._batched, self._values):
            cell.cell_contents = 0
        self._log.clear()

    def __repr__(self) -> str:
        return f"CountedOracle(n={self.n}, d={self.d}, {self.counts()})"


class ComponentRows(list):
    """The grad_i callables of R counted oracles over one problem (one per replicate, in order), plus `answer`:
    one query from each of several replicates evaluated by one grad_i_batched call instead of one call per
    replicate (the grading sandbox serves a batch of replicates' queries this way), each counted on its own
    replicate's oracle exactly as grad_i would count it."""

    def __init__(self, oracles: list[CountedOracle], problem: Problem) -> None:
        super().__init__(o.grad_i for o in oracles)
        self._oracles, self._batched, self._n, self._d = oracles, problem.grad_i_batched, problem.n, problem.d
        self._plain = all(o.grad_i is o._grad_i_plain for o in oracles)  # no query log to keep

    def answer(self, rows: list[int], X: np.ndarray, IDX: np.ndarray) -> np.ndarray | None:
        """G[j] = grad_i of replicate rows[j] at (X[j], IDX[j]); None when any query is malformed or any answer
        not finite (ask those replicates' grad_i one by one then: each gets its own exact error)."""
        if not (self._plain and X.dtype == _F64 and X.ndim == 2 and X.shape == (len(rows), self._d)
                and IDX.ndim == 2 and IDX.shape[0] == len(rows) and IDX.shape[1] >= 1 and IDX.dtype.kind in "iu"
                and np.isfinite(X).all() and 0 <= IDX.min() and IDX.max() < self._n
                and all(0 <= r < len(self) for r in rows)):
            return None
        with np.errstate(all="ignore"):
            G = self._batched(X, IDX.astype(np.intp, copy=False))
        if not np.isfinite(G).all():
            return None
        b = IDX.shape[1]
        for r in rows:
            self._oracles[r]._component.cell_contents += b
        return G


# The fast paths keep the per-call overhead to a few hundred nanoseconds: identity checks on shape
# and dtype, Python-level range checks on small index arrays, and a finiteness test that costs one
# comparison when the problem allows it. For gradients marked `propagates_nonfinite` (every entry of the
# result is a dot product over all of x, so IEEE arithmetic makes each entry inf or nan as soon as one
# entry of x is: inf*0 = nan, inf + finite = inf, nan + anything = nan), a finite first entry of the
# result proves x finite; a non-finite one sends x to the exact check, which rejects it, or accepts a
# finite x whose gradient overflowed. (Computing on a non-finite x can make numpy warn "invalid value
# encountered in dot" before the rejection; if warnings are errors, or np.seterr says raise, the clear
# OracleCallError still wins.) Otherwise x is tested before the call with one BLAS dot: sum(x) = x.1 is
# finite iff every entry is, barring an overflow past 1e308 that the exact check sorts out.

def _propagates(fn: Callable) -> bool:
    return getattr(fn, "propagates_nonfinite", False) is True


def _make_grad(fn: Callable, d: int, propagates: bool) -> Callable:
    shape, ones, where = (d,), np.ones(d), "grad(x)"
    calls = 0

    def grad(x: np.ndarray) -> np.ndarray:
        nonlocal calls
        try:
            ok = x.shape == shape and x.dtype is _F64
        except AttributeError:
            ok = False
        if ok and propagates:  # finiteness is read off the result
            try:
                g = fn(x)
            except _FP_ERRORS as exc:
                _blame(exc, _as_point, x, shape, where)
            if not -_INF < g.item(0) < _INF:
                _as_point(x, shape, where)  # raises, unless x is finite and only its gradient overflowed
        else:
            try:
                ok = ok and -_INF < x.dot(ones) < _INF
            except _FP_ERRORS:  # inf - inf in the sum, with warnings as errors
                ok = False
            if not ok:
                x = _as_point(x, shape, where)
            g = fn(x)
        calls += 1
        return g

    return grad


def _make_affine_grad(H: np.ndarray, c: np.ndarray) -> Callable:
    """`_make_grad` for grad(x) = H x - c, computed inline: a quadratic's step is cheap enough that the
    problem's own Python frame is ~4% of it."""
    shape, where = c.shape, "grad(x)"
    calls = 0

    def grad(x: np.ndarray) -> np.ndarray:
        nonlocal calls
        try:
            ok = x.shape == shape and x.dtype is _F64
        except AttributeError:
            ok = False
        if not ok:
            x = _as_point(x, shape, where)
        try:
            g = H.dot(x) - c
        except _FP_ERRORS as exc:
            _blame(exc, _as_point, x, shape, where)
        if not -_INF < g.item(0) < _INF:  # H x - c propagates non-finite entries of x to every entry
            _as_point(x, shape, where)
        calls += 1
        return g

    return grad


def _make_grad_i(fn: Callable, n: int, d: int, propagates: bool) -> Callable:
    shape, ones, where = (d,), np.ones(d), "grad_i(x, idx)"
    calls = 0

    def grad_i(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
        nonlocal calls
        try:
            ok = x.shape == shape and x.dtype is _F64
            ok_idx = idx.ndim == 1 and idx.dtype is _INTP
        except AttributeError:
            ok = ok_idx = False
        unchecked = ok and propagates  # x's finiteness is read off the result
        if not unchecked:
            try:
                ok = ok and -_INF < x.dot(ones) < _INF
            except _FP_ERRORS:  # inf - inf in the sum, with warnings as errors
                ok = False
            if not ok:
                x = _as_point(x, shape, where)
        if not ok_idx:
            idx = _as_indices(idx, 1, where)
        m = idx.size
        if m == 1:  # the common SGD case: one Python comparison
            if not 0 <= idx.item() < n:
                _bad_range(idx, n, where)
        elif m <= 16:  # sorting a short list (~0.2 us) beats numpy's min and max (~1 us each)
            lst = idx.tolist()
            lst.sort()
            if not lst or lst[0] < 0 or lst[-1] >= n:
                _bad_range(idx, n, where)
        elif not (0 <= idx.item(idx.argmin()) and idx.item(idx.argmax()) < n):  # argmin/max: ~0.15 us each
            _bad_range(idx, n, where)
        try:
            g = fn(x, idx)
        except _FP_ERRORS as exc:
            _blame(exc, _as_point, x, shape, where)
        if unchecked and not -_INF < g.item(0) < _INF:
            _as_point(x, shape, where)
        calls += m
        return g

    return grad_i


def _make_grad_i_batched(fn: Callable, n: int, d: int, propagates: bool) -> Callable:
    where = "grad_i_batched(X, IDX)"
    ones_cache = [np.ones(0)]  # a list, so concurrent callers with other R each use a matching vector
    calls = 0

    def grad_i_batched(X: np.ndarray, IDX: np.ndarray) -> np.ndarray:
        nonlocal calls
        ok = type(X) is _NDARRAY and X.dtype is _F64 and X.ndim == 2 and X.shape[1] == d
        unchecked = ok and propagates  # as in grad_i: row r of the result is all non-finite if X[r] is not
        if not (unchecked or (ok and np.isfinite(X).all())):
            X = _as_points(X, d, where)
        if type(IDX) is not _NDARRAY or IDX.dtype is not _INTP or IDX.ndim != 2 or not IDX.size:
            IDX = _as_indices(IDX, 2, where)
        if IDX.shape[0] != X.shape[0]:
            raise OracleCallError(f"{where}: IDX must have one row per row of X ({X.shape[0]}), "
                                  f"got shape {IDX.shape}")
        if IDX.item(IDX.argmin()) < 0 or IDX.item(IDX.argmax()) >= n:  # ~0.3 us each, vs ~1 us for min/max
            _bad_range(IDX, n, where)
        try:
            G = fn(X, IDX)
        except _FP_ERRORS as exc:
            _blame(exc, _as_points, X, d, where)
        if unchecked:
            first, ones = G[:, 0], ones_cache[0]
            if ones.size != first.size:
                ones_cache[0] = ones = np.ones(first.size)
            try:
                finite = -_INF < first.dot(ones) < _INF
            except _FP_ERRORS:  # inf - inf across rows, with warnings as errors
                finite = False
            if not finite:
                _as_points(X, d, where)
        calls += IDX.size
        return G

    return grad_i_batched


def _make_value(fn: Callable, d: int) -> Callable:
    shape = (d,)
    calls = 0

    def value(x: np.ndarray) -> float:
        nonlocal calls
        x = _as_point(x, shape, "value(x)")
        v = float(fn(x))
        calls += 1
        return v

    return value


def _counter(fn: Callable) -> object:
    """The closure cell of fn's `calls` counter."""
    return fn.__closure__[fn.__code__.co_freevars.index("calls")]


def _recorded(kind: str, fn: Callable, log: list[Query]) -> Callable:
    """fn, logging each successful call as a Query of copies (record=True; kept off the unrecorded path)."""

    def recorded(*args: np.ndarray) -> np.ndarray | float:
        result = fn(*args)
        idx = np.array(args[1]) if len(args) > 1 else None
        log.append(Query(kind, np.array(args[0], dtype=np.float64), idx,
                         result.copy() if isinstance(result, np.ndarray) else result))
        return result

    return recorded


# Floating-point trouble raised as an exception: under np.seterr(all="raise") or warnings-as-errors.
_FP_ERRORS = (FloatingPointError, RuntimeWarning)


def _blame(exc: BaseException, check: Callable, *args: object) -> None:
    """numpy raised inside the gradient: a non-finite point (check(*args) raises) gets the clear error,
    anything else propagates."""
    try:
        check(*args)
    except OracleCallError as err:
        raise err from None
    raise exc


def _as_point(x: object, shape: tuple[int], where: str) -> np.ndarray:
    """The slow path: convert, then check shape and finiteness exactly (x.x may overflow for finite x)."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "iuf":
        raise OracleCallError(f"{where}: x must be a real array of shape {shape}, got dtype {arr.dtype}")
    if arr.shape != shape:
        raise OracleCallError(f"{where}: x must have shape {shape}, got shape {arr.shape}")
    arr = arr.astype(_F64, copy=False)
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise OracleCallError(f"{where}: x must be finite, got {arr[bad[0]]} at index {bad[0]}")
    return arr


def _as_points(X: object, d: int, where: str) -> np.ndarray:
    arr = np.asarray(X)
    if arr.ndim != 2 or arr.shape[1] != d or arr.dtype.kind not in "iuf":
        raise OracleCallError(f"{where}: X must be a real array of shape (R, {d}), got {arr.dtype} {arr.shape}")
    arr = np.ascontiguousarray(arr, dtype=_F64)
    if not np.isfinite(arr).all():
        r, j = np.argwhere(~np.isfinite(arr))[0]
        raise OracleCallError(f"{where}: X must be finite, got {arr[r, j]} at X[{r}, {j}]")
    return arr


def _as_indices(idx: object, ndim: int, where: str) -> np.ndarray:
    arr = np.asarray(idx)
    if arr.dtype.kind not in "iu":
        what = "a 1-D integer array" if ndim == 1 else "an (R, b) integer array"
        raise OracleCallError(f"{where}: idx must be {what} (e.g. from rng.integers), got dtype {arr.dtype}")
    if arr.ndim != ndim:
        raise OracleCallError(f"{where}: idx must have {ndim} dimension(s), got shape {arr.shape}")
    if arr.size == 0:
        raise OracleCallError(f"{where}: idx must be non-empty, got shape {arr.shape}")
    return arr.astype(_INTP, copy=False) if arr.dtype.kind == "i" or arr.max() <= np.iinfo(_INTP).max else arr


def _bad_range(idx: np.ndarray, n: int, where: str) -> None:
    if idx.size == 0:
        raise OracleCallError(f"{where}: idx must be non-empty")
    bad = idx[(idx < 0) | (idx >= n)].ravel()
    raise OracleCallError(f"{where}: indices must lie in [0, n) = [0, {n}), got {bad[0]}")
