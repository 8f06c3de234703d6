"""The precision floor: the error below which a correct first-order method run in floating point of unit
roundoff u cannot be expected to go.

Model (Higham 2002, Accuracy and Stability of Numerical Algorithms, 2nd ed., Sec. 2.2, eq. (2.4); Lemma 3.1
for sums of roundings): fl(a op b) = (a op b)(1 + delta), |delta| <= u. One step of a gradient method stores
x_{k+1} = fl(x_k + fl(update_k)), so the computed iterate is the exact step plus a residual
    r_k,  ||r_k|| <= u ||x_{k+1}|| + gamma_2 ||update_k||  <=  C_OPS u S   (S = ||x*|| + ||x_0 - x*||),
C_OPS = 2 roundings per step in the norm (the store of x_{k+1}, the update); near x* the update is small and
||x_{k+1}|| <= S, so delta = C_OPS u S bounds every residual along a run that stays in the bound's ball.

Propagation. The error recursion e_{k+1} <= rho e_k + delta (rho the exact method's contraction) solves to
e_k <= rho^k e_0 + delta (1 - rho^k)/(1 - rho), floor delta/(1 - rho); for GD with step eta on a mu-strongly
convex f, rho = 1 - eta mu. Momentum methods are not norm contractions (their iteration matrix is not normal):
their steady-state response to a constant residual r is the fixed point x = x - eta (grad f(x)) + r of the
perturbed step (the momentum term vanishes where x_k = x_{k-1}), i.e. eta ||grad f(x)|| = ||r||, and strong
convexity ||grad f(x)|| >= mu ||x - x*|| gives the same floor delta/(eta mu) for every constant-step method,
GD included. This is also where updates are rounded away (eta ||g|| below half an ulp of x): the classic
stall, which a sqrt(kappa) floor delta/(1 - rho_momentum) would not cover (tests/test_precision.py measures
heavy ball well above it). Without strong convexity (mu = 0) or with a vanishing step the map is only
non-expansive, and the residuals add up: e_k <= e_0 + k delta.

    floor(u, S, eta, mu, k) = C_OPS u S min(k, 1/(eta mu))          (k alone when mu = 0)

For float64 (u = 2^-53) this is far below the checks' legacy allowance (1e-10 of the scale), which float64
keeps unchanged.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

C_OPS = 2  # roundings per step counted in the residual bound (see the module docstring)

SOURCE = ("Higham (2002), Accuracy and Stability of Numerical Algorithms, 2nd ed., SIAM: Sec. 2.2 (model (2.4) "
          "of floating-point arithmetic), Lemma 3.1 (gamma_n); error recursion of a perturbed contraction")

# Unit roundoff u = 2^-p for p significand bits (Higham Table 2.1; bfloat16 keeps 8 bits of float32's 24).
UNIT_ROUNDOFF = {"float64": 2.0**-53, "float32": 2.0**-24, "float16": 2.0**-11, "bfloat16": 2.0**-8}


@cache
def derivation() -> dict[str, sp.Expr]:
    """The floor's steps in SymPy: the solved error recursion, its limit, and the fixed-point floor."""
    k = sp.Symbol("k", integer=True, nonnegative=True)
    rho = sp.Symbol("rho", positive=True)
    delta, e0, eta, mu, S, u = sp.symbols("delta e_0 eta mu S u", positive=True)
    e = sp.Function("e")
    solved = sp.rsolve(e(k + 1) - rho * e(k) - delta, e(k), {e(0): e0})
    limit = sp.limit(solved.subs(rho, sp.Rational(1, 2)) / delta, k, sp.oo) * delta  # a check on rho = 1/2
    steady = sp.simplify(sp.expand(solved).subs(rho**k, 0))  # 0 < rho < 1: rho^k -> 0
    gd_rate = 1 - eta * mu
    floor_gd = sp.simplify(steady.subs(rho, gd_rate))
    r = sp.Symbol("r", positive=True)  # ||x - x*|| at a fixed point of the perturbed step
    fixed = sp.solve(sp.Eq(eta * mu * r, delta), r)[0]
    return {"recursion": sp.simplify(solved), "limit_rho_half": limit, "steady": steady, "floor_gd": floor_gd,
            "fixed_point": fixed, "delta": C_OPS * u * S}


def floor(u: float, scale: float, eta: float | None, mu: float, k: int) -> float:
    """C_OPS u S min(k, 1/(eta mu)): the dist floor after k steps (see the module docstring)."""
    steps = float(max(k, 1))
    if eta is not None and eta > 0 and mu > 0:
        steps = min(steps, 1.0 / (eta * mu))
    return C_OPS * u * scale * steps


def unit_roundoff(name: str) -> float:
    if name not in UNIT_ROUNDOFF:
        raise ValueError(f"unknown precision {name!r}; expected one of {', '.join(UNIT_ROUNDOFF)}")
    return UNIT_ROUNDOFF[name]


__all__ = ["C_OPS", "SOURCE", "UNIT_ROUNDOFF", "derivation", "floor", "unit_roundoff"]
