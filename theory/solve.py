"""Solving a bound for the iteration count k(eps), shared by every bound module."""

from __future__ import annotations

import sympy as sp

from .symbols import ALLOWED, eps, k

# A generic admissible point (mu < L, eta <= 2/(mu+L), eps small) used to discard branches
# that are complex, e.g. log(-sqrt(...)) from solving |x|^(2k) = c.
SAMPLE = {"L": 7.3, "mu": 1.1, "R": 2.3, "Delta0": 1.7, "eta": 0.13, "sigma": 0.7, "n": 1000, "b": 3,
          "eps": 0.05, "d": 50}


def solve_k(expr: sp.Expr, target: sp.Expr = eps) -> sp.Expr:
    """The real k solving expr(k) = target, as SymPy finds it (a unique real branch is required)."""
    # Name each geometric base q (as in q**k) so that SymPy sees one generator, then put it back.
    bases = {p.base for p in expr.atoms(sp.Pow) if p.exp.has(k) and not p.base.has(k)}
    names = {base: sp.Symbol(f"_q{j}", positive=True) for j, base in enumerate(bases)}
    sols = [s.subs({v: base for base, v in names.items()})
            for s in sp.solve(sp.Eq(expr.subs(names), target), k)]
    point = {ALLOWED[nm]: v for nm, v in SAMPLE.items()}
    point.update({s: 0.37 for s in expr.free_symbols if s.name not in SAMPLE})  # e.g. a rate q in (0, 1)
    real = [s for s in sols if not s.has(sp.I) and complex(s.subs(point).evalf()).imag == 0]
    if len(real) != 1:
        raise RuntimeError(f"expected one real solution of {expr} = {target} for k, got {sols}")
    return sp.simplify(real[0])
