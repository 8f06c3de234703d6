"""`Bound`: one convergence guarantee as data (SymPy expression + metadata + fast numerics)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any, Literal

import numpy as np
import sympy as sp

from .symbols import ALLOWED

Quantity = Literal["dist", "dist_sq", "gap", "n", "work", "grad_sq_min", "grad_sq_avg"]
# Bounds stated for step 1/L hold only near that step (PEPit's sweep in docs/certification.md shows where).
STEP_NOTE = ("Stated for the step exactly 1/L: a smaller step is slower and breaks it "
             "(PEPit: docs/certification.md, step-size sweep).")
QUANTITIES: dict[str, str] = {
    "dist": "||x_k - x*||",
    "dist_sq": "||x_k - x*||^2",
    "gap": "f(x_k) - f*",
    "n": "number of components n",
    "work": "component-gradient evaluations",
    # Nonconvex f (theory/nonconvex.py): stationarity instead of distance or gap.
    "grad_sq_min": "min_{i<=k} ||grad f(x_i)||^2",
    "grad_sq_avg": "E||grad f(x_R)||^2, R on {0..k-1} with P(R = j) ~ lr_j (uniform for a constant step)",
}


@dataclass(frozen=True)
class Step:
    """One line of a derivation: what is done, and (optionally) the expression it yields."""

    text: str
    expr: sp.Basic | None = None


@dataclass(frozen=True)
class Bound:
    """A closed-form guarantee `quantity(k) <= expr` (or `>=` for a lower bound).

    `iterations` is k(eps): the real solution of expr(k) = eps, solved by SymPy; the
    smallest integer iteration count it guarantees is `k_eps` (its ceiling, clipped to `k_min`).
    """

    id: str
    title: str
    quantity: Quantity
    expr: sp.Expr
    source: str
    derivation: tuple[Step, ...]
    hyperparameters: Mapping[str, sp.Expr | str] = field(default_factory=dict)
    assumptions: tuple[str, ...] = ()
    iterations: sp.Expr | None = None
    in_expectation: bool = False
    asymptotic: bool = False
    tight: bool = False
    direction: Literal["upper", "lower", "threshold"] = "upper"  # threshold: a crossover, not a bound
    k_min: int = 0
    validity: str | None = None
    derived: Mapping[str, sp.Expr] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    # Known instances inside the stated function class *without* the bound's extra assumption on which the
    # method fails (data, reproducible by simulation), e.g. heavy ball on a non-quadratic function.
    counterexamples: tuple[Mapping[str, Any], ...] = ()

    def __post_init__(self) -> None:
        used = set()
        for e in (self.expr, self.iterations, *self.derived.values(), *self.hyperparameters.values()):
            if isinstance(e, sp.Basic):
                used |= {s.name for s in e.free_symbols}
        if unknown := used - set(ALLOWED):
            raise ValueError(f"bound {self.id!r} uses symbols outside the catalogue: {sorted(unknown)}")
        if self.quantity not in QUANTITIES:
            raise ValueError(f"bound {self.id!r}: quantity {self.quantity!r} not in {sorted(QUANTITIES)}")

    # ---- numerics ---------------------------------------------------------------------------
    @cached_property
    def parameters(self) -> tuple[str, ...]:
        """Names of the symbols the bound depends on (sorted), the arguments of `evaluate`."""
        return tuple(sorted(s.name for s in self.expr.free_symbols))

    def evaluate(self, **values: Any) -> np.ndarray:
        """Vectorised value of the bound; arguments broadcast like NumPy arrays."""
        fn, names = _compiled(self.expr)
        return np.asarray(fn(*_args(self.id, names, values)), dtype=float)

    __call__ = evaluate

    def k_eps(self, eps: Any, **values: Any) -> np.ndarray:
        """Smallest integer k >= k_min from which the bound guarantees `quantity <= eps` (vectorised).

        Returned as floats: `inf` where the bound never reaches eps (e.g. below an SGD noise floor).

        For a lower bound: the smallest k at which the lower bound allows eps, i.e. no method can
        guarantee eps in fewer iterations.
        """
        if self.iterations is None:
            raise ValueError(f"bound {self.id!r} has no iteration count (it bounds {self.quantity!r})")
        fn, names = _compiled(self.iterations)
        eps_arr = np.asarray(eps, dtype=float)
        vals = dict(values, eps=eps_arr)
        with np.errstate(all="ignore"):
            real = np.asarray(fn(*_args(self.id, names, vals)), dtype=float)
            # Round-off just above an integer (3.0000000000000004) must not cost an extra iteration.
            near = np.abs(real - np.round(real)) < 1e-9 * np.maximum(1.0, np.abs(real))
        real = np.where(near, np.round(real), real)
        if "k" not in self.parameters:  # work bounds: a function of eps only, no k to check against
            return np.where(np.isfinite(real), np.maximum(np.ceil(real), self.k_min), np.inf)
        # NaN/-inf: no real crossing (the bound never exceeds eps from k_min on, or never reaches it);
        # the checks below tell the two apart.
        cand = np.maximum(np.ceil(np.where(np.isfinite(real), real, self.k_min)), self.k_min)
        bvals = {nm: v for nm, v in vals.items() if nm in self.parameters}
        out = np.full(np.broadcast(cand, *bvals.values()).shape, np.inf)
        tol = 1 + 1e-9
        for extra in (0, 1):  # +1 absorbs round-off in the closed form, and 0**0 = 1 at kappa = 1
            kk = np.broadcast_to(cand + extra, out.shape)
            with np.errstate(all="ignore"):
                ok = self.evaluate(**dict(bvals, k=kk)) <= eps_arr * tol
            out = np.where(np.isinf(out) & ok, kk, out)
        # A bound that settles above eps (an SGD noise floor) never guarantees it.
        with np.errstate(all="ignore"):
            limit = self.evaluate(**dict(bvals, k=np.full(out.shape, 1e15)))
        return np.where(limit <= eps_arr * tol, out, np.inf)

    def evaluate_derived(self, name: str, **values: Any) -> np.ndarray:
        """Vectorised value of a derived quantity (e.g. "lr_opt", "noise_floor", "eps_gd_wins")."""
        if name not in self.derived:
            raise KeyError(f"bound {self.id!r} derives {sorted(self.derived)}, not {name!r}")
        fn, names = _compiled(self.derived[name])
        with np.errstate(all="ignore"):
            return np.asarray(fn(*_args(self.id, names, values)), dtype=float)

    # ---- serialisation ------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        def s(e: Any) -> str:
            return sp.sstr(e) if isinstance(e, sp.Basic) else str(e)

        return {
            "id": self.id,
            "title": self.title,
            "quantity": self.quantity,
            "direction": self.direction,
            "bound": s(self.expr),
            "latex": sp.latex(self.expr),
            "iterations": None if self.iterations is None else s(self.iterations),
            "k_min": self.k_min,
            "hyperparameters": {name: s(v) for name, v in self.hyperparameters.items()},
            "assumptions": list(self.assumptions),
            "validity": self.validity,
            "in_expectation": self.in_expectation,
            "asymptotic": self.asymptotic,
            "tight": self.tight,
            "source": self.source,
            "derived": {name: s(v) for name, v in self.derived.items()},
            "notes": list(self.notes),
            "counterexamples": [dict(c) for c in self.counterexamples],
        }


@cache
def _compiled(expr: sp.Expr) -> tuple[Callable[..., Any], tuple[str, ...]]:
    """The expression as a NumPy function of its symbols (sorted by name), compiled once per expression."""
    names = tuple(sorted(s.name for s in expr.free_symbols))
    return _lambdify(expr, names), names


def _lambdify(expr: sp.Expr, names: tuple[str, ...]) -> Callable[..., Any]:
    syms = [ALLOWED[nm] for nm in names]
    # scipy provides lambertw (heavy ball's k(eps), the work crossover); take its real part.
    modules = [{"LambertW": _lambertw}, "numpy"]
    return sp.lambdify(syms, expr, modules=modules)


def _lambertw(z: Any, branch: int = 0) -> Any:
    """Real LambertW on the given branch; NaN where that branch is not real."""
    from scipy.special import lambertw

    w = lambertw(np.asarray(z, dtype=float), int(branch))
    return np.where(np.abs(w.imag) <= 1e-12 * np.maximum(1.0, np.abs(w.real)), w.real, np.nan)


NONNEGATIVE = {"k", "sigma", "R", "Delta0"}  # may be 0 (zero noise, start at x*); the rest must be > 0


def _args(bound_id: str, names: tuple[str, ...], values: Mapping[str, Any]) -> list[np.ndarray]:
    missing = [nm for nm in names if nm not in values]
    extra = [nm for nm in values if nm not in names]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing {missing}")
        if extra:
            parts.append(f"unexpected {extra}")
        raise TypeError(f"bound {bound_id!r} takes {list(names)}: " + ", ".join(parts))
    out = []
    for nm in names:
        arr = np.asarray(values[nm], dtype=float)
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"bound {bound_id!r}: {nm} must be finite, got {values[nm]!r}")
        if nm in NONNEGATIVE and np.any(arr < 0):
            raise ValueError(f"bound {bound_id!r}: {nm} must be >= 0, got {values[nm]!r}")
        if nm not in NONNEGATIVE and np.any(arr <= 0):
            raise ValueError(f"bound {bound_id!r}: {nm} must be > 0, got {values[nm]!r}")
        out.append(arr)
    if "L" in values and "mu" in values and np.any(np.asarray(values["mu"]) > np.asarray(values["L"])):
        raise ValueError(f"bound {bound_id!r}: need mu <= L, got mu={values['mu']!r}, L={values['L']!r}")
    return out

