"""Rates of a fixed-coefficient multistep method on quadratics, derived on the spot from its coefficients.

The method (ratecheck.methods.multistep), n = len(x) = len(y), x_{-j} = x_0:

    x_{k+1} = sum_j x[j] x_{k-j} - h grad f(y_k),     y_k = sum_j y[j] x_{k-j}

On f = 1/2 (x - x*)^T A (x - x*) each eigencomponent e_k of x_k - x* (eigenvalue lambda in [mu, L]) obeys
xi_{k+1} = T(lambda) xi_k, xi_k = (e_k, ..., e_{k-n+1}), with the companion matrix T(lambda) whose first row is
x[j] - h lambda y[j] (rows below: the shift). Hence (Polyak 1987, Introduction to Optimization, Sec. 3.2.1, the
argument behind heavy_ball.quadratic):

    rate          max over lambda in [mu, L] of the spectral radius of T(lambda)  (the exact asymptotic rate)
    envelope E_k  sup over lambda of |c^T T(lambda)^k 1|, c picking the sequence (x_k, or the output); since
                  xi_0 = x_0 - x* in every slot, ||c-sequence_k - x*|| <= E_k ||x_0 - x*|| for EVERY k, with
                  equality approached on the worst eigenvector (heavy_ball.quadratic's (1 + (1 + q) k) q^k is
                  this E_k in closed form for Polyak's tuning).

Closed form (SymPy) for n <= 2: the characteristic polynomial is z^2 - t z + p with t, p linear in lambda, so the
radius is sqrt(p) where t^2 < 4 p (monotone in lambda) and (|t| + sqrt(t^2 - 4 p))/2 elsewhere; the real branch has
no interior stationary point (see _candidates), so the maximum is at mu, L or a root of the discriminant, solved
symbolically. The winning candidate is the critical lambda; the closed form is cross-checked against
the numeric maximum below and dropped (None) if they disagree. Numerically (any n): the radius on a grid of
GRID points (endpoints included), refined by bounded scalar maximisation around the best three.

E_k numerically: the recurrence run on the same grid, plus a first-order allowance (grid spacing / 2 times the
largest |d/dlambda| at the nodes, the derivative carried through the same recurrence), so the every-k bound is not
a grid undersample of the supremum.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

from .bound import Bound
from .symbols import L, mu

lam = sp.Symbol("lambda", positive=True)
z = sp.Symbol("z")
# The closed form must match the numeric radius from the float coefficients to this: at a double root of the
# characteristic polynomial (Polyak's tuning at its critical lambda) that radius moves by ~sqrt(ulp) ~ 1.5e-8 as
# the coefficients round, so 1e-9 would drop correct closed forms; a wrong branch is off by far more.
CLOSED_FORM_TOL = 1e-7
GRID = 2001  # lambda nodes for the numeric maximum and the envelope
LARGE_K = 4096  # beyond this the envelope is evaluated by matrix powers at the nodes (limits only)
K_EPS_MAX = 2048  # k(eps) is searched up to here; inf beyond (the checks run at most max_steps <= 1000 steps)


@dataclass(frozen=True)
class Coefficients:
    """A method's coefficients as SymPy expressions in L and mu only (hyperparameters substituted)."""

    x: tuple[sp.Expr, ...]
    y: tuple[sp.Expr, ...]
    step: sp.Expr
    output: tuple[sp.Expr, ...]

    def at(self, L_: float, mu_: float) -> Numeric:
        """The coefficients at (L, mu): evaluated in 30-digit arithmetic (mpmath), then rounded to floats."""
        import mpmath as mp

        x, y, step, out = _lambdified(self)
        with mp.workdps(30):
            L_mp, mu_mp = mp.mpf(L_), mp.mpf(mu_)
            return Numeric(tuple(float(f(L_mp, mu_mp)) for f in x), tuple(float(f(L_mp, mu_mp)) for f in y),
                           float(step(L_mp, mu_mp)), tuple(float(f(L_mp, mu_mp)) for f in out))

    def companion(self) -> sp.Matrix:
        """T(lambda): the first row x[j] - h lambda y[j], the shift below."""
        n = len(self.x)
        T = sp.zeros(n, n)
        for j in range(n):
            T[0, j] = self.x[j] - self.step * lam * self.y[j]
        for i in range(1, n):
            T[i, i - 1] = 1
        return T


@lru_cache(maxsize=64)
def _lambdified(co: Coefficients) -> tuple[Any, ...]:
    """The coefficients as mpmath functions of (L, mu), compiled once per method (subs + evalf cost
    milliseconds per (L, mu), and the checks evaluate at every drawn instance)."""

    def fn(e: sp.Expr) -> Any:
        return sp.lambdify((L, mu), e, modules="mpmath")

    return tuple(fn(e) for e in co.x), tuple(fn(e) for e in co.y), fn(co.step), tuple(fn(e) for e in co.output)


@dataclass(frozen=True)
class Numeric:
    """The coefficients at one (L, mu), as floats."""

    x: tuple[float, ...]
    y: tuple[float, ...]
    step: float
    output: tuple[float, ...]

    @property
    def n(self) -> int:
        return len(self.x)

    def companions(self, lams: np.ndarray) -> np.ndarray:
        """T(lambda) for every lambda, shape (len(lams), n, n)."""
        lams = np.atleast_1d(np.asarray(lams, dtype=float))
        T = np.zeros((lams.size, self.n, self.n))
        T[:, 0, :] = np.asarray(self.x)[None, :] - self.step * lams[:, None] * np.asarray(self.y)[None, :]
        for i in range(1, self.n):
            T[:, i, i - 1] = 1.0
        return T

    def radius(self, lams: np.ndarray) -> np.ndarray:
        return np.max(np.abs(np.linalg.eigvals(self.companions(lams))), axis=-1)


@dataclass(frozen=True)
class QuadraticRate:
    rate: float
    expr: sp.Expr | None  # equals the rate at this (L, mu); None when no closed form was found
    critical_lambda: float
    critical_lambda_expr: sp.Expr | None


def numeric_rate(c: Numeric, L_: float, mu_: float) -> tuple[float, float]:
    """(max spectral radius over [mu, L], where): dense grid with endpoints, refined around the best nodes."""
    from scipy.optimize import minimize_scalar

    grid = np.linspace(mu_, L_, GRID)
    r = c.radius(grid)
    best, where = float(r.max()), float(grid[int(r.argmax())])
    if L_ > mu_:
        for i in np.argsort(r)[-3:]:
            lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, GRID - 1)]
            res = minimize_scalar(lambda t: -float(c.radius(np.array([t]))[0]), bounds=(lo, hi), method="bounded",
                                  options={"xatol": 1e-12 * max(1.0, hi)})
            if -res.fun > best:
                best, where = float(-res.fun), float(res.x)
    return best, where


def _candidates(co: Coefficients) -> list[sp.Expr]:
    """The lambdas where the max of the radius of a (<= 2)-step method can sit (module docstring).

    With t = a0 + a1 lambda, p = b0 + b1 lambda the stationarity condition of the real branch,
    4 t'^2 (t^2 - 4p) - ((t^2 - 4p)')^2 = 16 (a0 a1 b1 - a1^2 b0 - b1^2), does not involve lambda (asserted
    below): the real branch is monotone between the discriminant's roots, so the candidates are mu, L and those
    roots. They are solved in the generic a0, a1, b0, b1 and then substituted (sp.solve on the substituted
    coefficients simplifies nested radicals for minutes)."""
    out: list[sp.Expr] = [mu, L]
    if len(co.x) == 1:
        return out
    a0, a1, b0, b1 = sp.symbols("a0 a1 b0 b1")
    disc = sp.expand((a0 + a1 * lam) ** 2 - 4 * (b0 + b1 * lam))
    assert not sp.expand(4 * a1**2 * disc - sp.diff(disc, lam) ** 2).has(lam)
    vals = {a0: co.x[0], a1: -co.step * co.y[0], b0: -co.x[1], b1: co.step * co.y[1]}
    if vals[a1] == 0:
        roots = sp.solve(disc.subs(a1, 0), lam) if vals[b1] != 0 else []
    else:
        roots = sp.solve(disc, lam)
    return out + [r.xreplace(vals) for r in roots]


def _branch(co: Coefficients, lam_c: sp.Expr, L_: float, mu_: float) -> sp.Expr:
    """The radius at lambda = lam_c as an expression, the branch (and sign of t) chosen at this (L, mu)."""
    vals = {L: L_, mu: mu_}
    t = (co.x[0] - co.step * lam * co.y[0]).subs(lam, lam_c)
    if len(co.x) == 1:
        return t if float(sp.N(t.subs(vals))) >= 0 else -t
    p = -(co.x[1] - co.step * lam * co.y[1]).subs(lam, lam_c)
    disc = t**2 - 4 * p
    tv, dv = float(sp.N(t.subs(vals))), float(sp.N(disc.subs(vals)))
    if dv <= 1e-14 * max(1.0, tv**2):
        return sp.sqrt(p)
    return ((t if tv >= 0 else -t) + sp.sqrt(disc)) / 2


def _tidy(e: sp.Expr) -> sp.Expr:
    return sp.simplify(e) if sp.count_ops(e) < 60 else e


def quadratic_rate(co: Coefficients, L_: float, mu_: float) -> QuadraticRate:
    """The exact rate on quadratics with spectrum in [mu, L] at these numbers, with its closed form where the
    symbolic candidates (n <= 2) give one that matches the numeric maximum."""
    num = co.at(L_, mu_)
    rate, where = numeric_rate(num, L_, mu_)
    if len(co.x) > 2:
        return QuadraticRate(rate, None, where, None)
    vals = {L: L_, mu: mu_}
    best: tuple[float, sp.Expr, float] | None = None
    for cand in _candidates(co):
        v = complex(sp.N(cand.subs(vals)))
        if abs(v.imag) > 1e-12 * max(1.0, abs(v.real)) or not mu_ * (1 - 1e-12) <= v.real <= L_ * (1 + 1e-12):
            continue
        r = float(num.radius(np.array([min(max(v.real, mu_), L_)]))[0])
        if best is None or r > best[0] * (1 + 1e-12):
            best = (r, cand, v.real)
    assert best is not None  # mu and L are always candidates
    if best[0] < rate * (1 - 1e-9) - 1e-15:  # the candidates missed the maximum: no closed form
        return QuadraticRate(rate, None, where, None)
    expr = _tidy(_branch(co, best[1], L_, mu_))
    exact = float(sp.N(expr.subs(vals), 30))
    if abs(exact - best[0]) > CLOSED_FORM_TOL * max(1.0, best[0]):
        return QuadraticRate(rate, None, where, None)
    return QuadraticRate(exact, expr, best[2], _tidy(best[1]))


def envelope(num: Numeric, L_: float, mu_: float, K: int, which: Sequence[float] | None = None) -> np.ndarray:
    """E_0 .. E_K: sup over lambda in [mu, L] of |c^T T(lambda)^k 1| (c = `which`, default x_k itself), with the
    first-order allowance of the module docstring.

    T's first row is a_j(lambda) = x[j] - h lambda y[j] and the rest a shift, so e_k = (T^k 1)_0 obeys the scalar
    recurrence e_{k+1} = sum_j a_j e_{k-j} (e_j = 1 for j <= 0), and its lambda-derivative d_{k+1} = sum_j
    (a_j d_{k-j} - h y[j] e_{k-j}): run on the whole grid at once, a few vector operations per k."""
    n = num.n
    c = np.zeros(n)
    c[: len(which or (1.0,))] = which or (1.0,)
    rec = _Recurrence(num, L_, mu_)
    e, d = rec.extend(K)
    if np.any(c[1:]):  # c^T (e_k, e_{k-1}, ...)
        rows = np.arange(K + 1)[:, None] + (n - 1 - np.arange(n))[None, :]
        s, ds = np.einsum("kjg,j->kg", e[rows], c), np.einsum("kjg,j->kg", d[rows], c)
    else:
        s, ds = c[0] * e[n - 1:], c[0] * d[n - 1:]
    return rec.sup(s, ds)


class _Recurrence:
    """The recurrence of `envelope` on the lambda grid, resumable: extend(m) runs m more steps from where the
    last call stopped and returns their rows (with the n rows before them), so a table can grow without
    recomputing its start.

    Row r holds (e_r, d_r) as one (2, GRID) array, so each term a_j (e, d)_{r-1-j} is one vector operation on
    both; terms whose a_j is zero on the whole grid (and whose y[j] is zero) are skipped."""

    def __init__(self, num: Numeric, L_: float, mu_: float) -> None:
        lams = np.linspace(mu_, L_, GRID)
        self.n = num.n
        a = np.asarray(num.x)[:, None] - num.step * np.asarray(num.y)[:, None] * lams[None, :]
        da = -num.step * np.asarray(num.y)
        self.terms = [(j, a[j], float(da[j])) for j in range(num.n) if np.any(a[j]) or da[j]]
        self.tail = np.zeros((num.n, 2, GRID))  # (e, d)_{1-n} .. (e, d)_0
        self.tail[:, 0] = 1.0
        self.half = 0.5 * (L_ - mu_) / (GRID - 1)

    def extend(self, m: int) -> tuple[np.ndarray, np.ndarray]:
        n = self.n
        rows, tmp = np.empty((m + n, 2, GRID)), np.empty((2, GRID))
        rows[:n] = self.tail
        with np.errstate(all="ignore"):
            for r in range(n, m + n):
                out = rows[r]
                if not self.terms:
                    out[:] = 0.0
                for i, (j, a, da) in enumerate(self.terms):
                    src = rows[r - 1 - j]
                    if i == 0:
                        np.multiply(a, src, out=out)
                    else:
                        out += np.multiply(a, src, out=tmp)
                    if da:
                        out[1] += np.multiply(src[0], da, out=tmp[0])
        self.tail = rows[m:].copy()
        return rows[:, 0], rows[:, 1]

    def sup(self, s: np.ndarray, ds: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return np.abs(s).max(axis=1) + self.half * np.abs(ds).max(axis=1)


@lru_cache(maxsize=1024)
def envelope_at(num: Numeric, L_: float, mu_: float, k: int, which: tuple[float, ...] | None = None) -> float:
    """E_k for a single large k (used for limits, k > LARGE_K), kept in theory.store: `_envelope_at`."""
    from . import store

    key = (num, L_, mu_, int(k), which)
    found, value = store.load_json("limit", key)
    if found and isinstance(value, float):
        return value
    value = _envelope_at(num, L_, mu_, int(k), which)
    store.save_json("limit", key, value)
    return value


def _envelope_at(num: Numeric, L_: float, mu_: float, k: int, which: tuple[float, ...] | None = None) -> float:
    """E_k by matrix powers at the grid nodes.

    Binary powering, as numpy's matrix_power, but stopped once a square is exactly zero at every node (it has
    underflowed: every higher power is zero too, so T^k is the zero matrix or, if no bit of k is left, the
    product so far). For a convergent method that is ~log2(700 / (1 - rate)) squarings instead of log2(k)."""
    c = np.zeros(num.n)
    c[: len(which or (1.0,))] = which or (1.0,)
    square, power, k = num.companions(np.linspace(mu_, L_, GRID)), None, int(k)
    with np.errstate(all="ignore"):
        while k:
            if k & 1:
                power = square if power is None else power @ square
            k >>= 1
            if not k:
                break
            square = square @ square
            if not square.any():
                power = np.zeros_like(square) if power is None or np.all(np.isfinite(power)) else power @ square
                break
    if power is None:  # k == 0
        return float(np.max(np.abs(c.sum()))) if num.n else 0.0
    return float(np.max(np.abs(power @ np.ones(num.n) @ c))) if num.n else 0.0


_TABLES: dict[tuple[Numeric, float, float], tuple[np.ndarray, _Recurrence]] = {}


def state_envelope(num: Numeric, L_: float, mu_: float, K: int) -> np.ndarray:
    """E_0 .. E_K for x_k (the sequence a teaching form returns), cached per (method, L, mu) in memory and in
    theory.store; a longer request resumes the recurrence where the table ends (growing it by at least a
    quarter), so a table costs about its final length once. A stored table does not keep the recurrence's state:
    a request beyond it runs the recurrence again from k = 0."""
    from . import store

    key = (num, L_, mu_)
    if key not in _TABLES:
        if len(_TABLES) > 512:
            _TABLES.clear()
        stored = store.load_array("envelope", key)
        _TABLES[key] = (stored, None) if stored is not None and stored.size else _fresh(num, L_, mu_)
    table, rec = _TABLES[key]
    if table.size <= K:
        if rec is None:
            table, rec = _fresh(num, L_, mu_)
        e, d = rec.extend(max(K + 1 - table.size, table.size // 4, 64))
        table = np.concatenate([table, rec.sup(e[num.n:], d[num.n:])])
        _TABLES[key] = (table, rec)
        store.save_array("envelope", key, table)
    return table[: K + 1]


def _fresh(num: Numeric, L_: float, mu_: float) -> tuple[np.ndarray, _Recurrence]:
    rec = _Recurrence(num, L_, mu_)
    return rec.sup(*(r[num.n - 1:] for r in rec.extend(0))), rec


# ---- the derived bounds as `Bound`s, for the checks ------------------------------------------------------------
@lru_cache(maxsize=1024)
def numeric_at(co: Coefficients, L_: float, mu_: float) -> Numeric:
    return co.at(L_, mu_)


def _scalars(bound_id: str, values: dict[str, Any]) -> tuple[float, float, float]:
    L_, mu_, R_ = (float(np.asarray(values[s])) for s in ("L", "mu", "R"))
    if not (0 < mu_ <= L_) or R_ < 0:
        raise ValueError(f"bound {bound_id!r}: need 0 < mu <= L and R >= 0, got L={L_}, mu={mu_}, R={R_}")
    return L_, mu_, R_


@dataclass(frozen=True)
class QuadraticEnvelope(Bound):
    """||x_k - x*|| <= E_k R on quadratics (E_k: `envelope`), evaluated numerically at the instance's L, mu."""

    coefficients: Coefficients | None = field(default=None, compare=False)

    @property
    def parameters(self) -> tuple[str, ...]:  # type: ignore[override]
        return ("L", "R", "k", "mu")

    def evaluate(self, **values: Any) -> np.ndarray:  # type: ignore[override]
        assert self.coefficients is not None
        L_, mu_, R_ = _scalars(self.id, values)
        num = numeric_at(self.coefficients, L_, mu_)
        ks = np.asarray(values["k"], dtype=float)
        small = np.where(ks <= LARGE_K, ks, 0).astype(int)
        table = state_envelope(num, L_, mu_, int(small.max()) if small.size else 0)
        out = table[small] * R_
        for i in np.flatnonzero(ks.ravel() > LARGE_K):
            out.flat[i] = envelope_at(num, L_, mu_, int(ks.ravel()[i])) * R_
        return np.asarray(out, dtype=float)

    __call__ = evaluate

    def k_eps(self, eps: Any, **values: Any) -> np.ndarray:  # type: ignore[override]
        """The last crossing: the smallest k from which E_j R <= eps for every j (inf if not within K_EPS_MAX)."""
        assert self.coefficients is not None
        L_, mu_, R_ = _scalars(self.id, values)
        e = float(eps)
        if not np.isfinite(e):
            return np.asarray(np.inf)
        num = numeric_at(self.coefficients, L_, mu_)
        size = 256  # most instances settle within a few hundred steps
        while True:
            table = state_envelope(num, L_, mu_, size) * R_
            above = np.flatnonzero(table > e * (1 + 1e-9))
            last = int(above[-1]) if above.size else -1
            if last < size // 2:  # the tail is well clear of eps: clear for as many steps as it took to get there
                return np.asarray(float(last + 1))
            if size >= K_EPS_MAX:
                break
            size = min(K_EPS_MAX, -(-(2 * last + 2) // 64) * 64)  # the least size that can clear that test
        return np.asarray(float(last + 1) if last < K_EPS_MAX else np.inf)


@dataclass(frozen=True)
class CertifiedRate(Bound):
    """||x_k - x*|| <= C rho^k R on L-smooth mu-strongly convex f, (rho, C) from theory.iqc at the instance's
    L, mu (cached); inf (no guarantee) at an (L, mu) where no certificate is found."""

    coefficients: Coefficients | None = field(default=None, compare=False)

    @property
    def parameters(self) -> tuple[str, ...]:  # type: ignore[override]
        return ("L", "R", "k", "mu")

    def certificate(self, L_: float, mu_: float) -> Any:
        from .iqc import certify

        assert self.coefficients is not None
        return certify(numeric_at(self.coefficients, L_, mu_), L_, mu_)

    def evaluate(self, **values: Any) -> np.ndarray:  # type: ignore[override]
        L_, mu_, R_ = _scalars(self.id, values)
        cert = self.certificate(L_, mu_)
        ks = np.asarray(values["k"], dtype=float)
        if cert is None:
            return np.full(ks.shape, np.inf)
        with np.errstate(under="ignore"):
            return cert.constant * cert.rho**ks * R_

    __call__ = evaluate

    def k_eps(self, eps: Any, **values: Any) -> np.ndarray:  # type: ignore[override]
        L_, mu_, R_ = _scalars(self.id, values)
        cert = self.certificate(L_, mu_)
        e = float(eps)
        if cert is None or not np.isfinite(e) or e <= 0:
            return np.asarray(np.inf)
        if cert.constant * R_ <= e:
            return np.asarray(0.0)
        return np.asarray(float(np.ceil(np.log(e / (cert.constant * R_)) / np.log(cert.rho) - 1e-12)))
