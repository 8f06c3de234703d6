"""Kim & Fessler's optimized gradient method (OGM): a gradient step from the secondary point, then a momentum
step with two terms,

    x_{k+1} = y_k - (1/L) grad f(y_k)                                           (primary sequence)
    y_{k+1} = x_{k+1} + (theta_k - 1)/theta_{k+1} (x_{k+1} - x_k) + theta_k/theta_{k+1} (x_{k+1} - y_k),
    y_0 = x_0,  theta_0 = 1,  theta_{k+1} = (1 + sqrt(1 + 4 theta_k^2))/2 for k + 1 < N,
    and at the last step theta_N = (1 + sqrt(1 + 8 theta_{N-1}^2))/2.

(This is PEPit's naming, and the teaching form's: y is the sequence the bound is about; Kim & Fessler call it x.)

ogm.convex      f(y_N) - f* <= L R^2/(2 theta_N^2) <= L R^2/(N+1)^2: twice better than Nesterov/FISTA's bound,
                and the exact worst case of any first-order method with N gradients (Drori 2017).
ogm.trajectory  f(y_j) - f* <= 2 L R^2/(j+2)^2 for every iterate of a run (the intermediate ones use the regular
                rule, so ogm.convex does not cover them).

theta_N has no closed form, so the catalogue's expression is the closed-form upper bound L R^2/(k+1)^2; the exact
value L R^2/(2 theta_N^2) (the tight one) is `exact_bound` below, computed from the same SymPy recursion.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import sympy as sp

from .bound import STEP_NOTE, Bound, Step
from .solve import solve_k
from .symbols import L, R, eps, k

t = sp.Symbol("theta", positive=True)  # theta_{k-1}, internal to the derivation
THETA_NEXT = (1 + sp.sqrt(1 + 4 * t**2)) / 2  # the regular rule
THETA_LAST = (1 + sp.sqrt(1 + 8 * t**2)) / 2  # the last-step rule (k + 1 = N)
SCHEDULE = ("theta_0 = 1, theta_{j+1} = (1 + sqrt(1 + 4 theta_j^2))/2 for j + 1 < N, last step "
            "theta_N = (1 + sqrt(1 + 8 theta_{N-1}^2))/2; y_{k+1} = x_{k+1} + (theta_k - 1)/theta_{k+1} "
            "(x_{k+1} - x_k) + theta_k/theta_{k+1} (x_{k+1} - y_k)")
SOURCE = ("Kim & Fessler (2016), Math. Program. 159(1-2), 81-107, Thm 2 (OGM, last-step theta rule); tight: Drori "
          "(2017), J. Complexity 39, 1-16, Thm 3 (the same value is a lower bound for every first-order method "
          "with N gradients, in large dimension)")
_next, _last = sp.lambdify(t, THETA_NEXT, "math"), sp.lambdify(t, THETA_LAST, "math")


@cache
def _thetas(n: int) -> tuple[float, ...]:
    """theta_0 .. theta_n by the regular rule (theta_0 = 1), n + 1 values."""
    out = [1.0]
    for _ in range(n):
        out.append(_next(out[-1]))
    return tuple(out)


def theta(j: int, steps: int | None = None) -> float:
    """theta_j of an OGM run of `steps` steps: the regular rule, and the last-step rule when j == steps >= 1."""
    if steps is not None and j == steps and j >= 1:
        return _last(_thetas(j - 1)[-1])
    return _thetas(j)[-1]


def exact_bound(L: float, R: float, N: int) -> float:
    """L R^2/(2 theta_N^2), the tight bound of Kim & Fessler's Thm 2 on f(y_N) - f* (theta_N by the last-step rule)."""
    return L * R**2 / (2 * theta(N, N) ** 2)


def along_the_way(L: float, R: float, j: int) -> float:
    """L R^2/(2 theta_j^2) with the regular theta_j: what f(y_j) - f* satisfies at an intermediate step j < N
    (PEPit's worst case, measured equal to it in tests/test_theory_ogm.py; not Thm 2's statement)."""
    return L * R**2 / (2 * theta(j) ** 2)


def ogm_convex() -> Bound:
    regular = sp.simplify(sp.expand(THETA_NEXT**2 - THETA_NEXT - t**2))  # = 0
    last = sp.simplify(sp.expand(THETA_LAST**2 - THETA_LAST - 2 * t**2))  # = 0
    growth = sp.expand((1 + 4 * t**2) - (2 * t) ** 2)  # > 0, so theta_{j+1} > theta_j + 1/2
    # From theta_{N-1} >= (N+1)/2: 2 theta_N^2 = 2 theta_N + 4 theta_{N-1}^2 >= 2 + (N+1)^2.
    N = sp.Symbol("N", positive=True)
    lower_sq = sp.expand(2 * 1 + 4 * ((N + 1) / 2) ** 2)  # 2 theta_N + 4 theta_{N-1}^2 with theta_N >= 1
    tight_value = L * R**2 / (2 * sp.Symbol("theta_N", positive=True) ** 2)
    expr = L * R**2 / (k + 1) ** 2
    return Bound(
        id="ogm.convex",
        title="OGM (Kim & Fessler), convex, last iterate",
        quantity="gap",
        expr=expr,
        iterations=solve_k(expr, eps),
        hyperparameters={"lr": 1 / L},
        assumptions=(
            "f convex and L-smooth, with a minimiser x*",
            "step 1/L and the theta schedule: " + SCHEDULE,
            "the bound is on y_N, the last iterate of an N-step run (its last step uses the last-step rule)",
        ),
        tight=False,
        source=SOURCE,
        derivation=(
            Step("The regular rule theta_{j+1} = (1 + sqrt(1 + 4 theta_j^2))/2 satisfies "
                 "theta_{j+1}^2 - theta_{j+1} - theta_j^2 =", regular),
            Step("and the last-step rule theta_N = (1 + sqrt(1 + 8 theta_{N-1}^2))/2 satisfies "
                 "theta_N^2 - theta_N - 2 theta_{N-1}^2 =", last),
            Step("With these, Kim & Fessler (Thm 2, from the dual of Drori & Teboulle's PEP) show "
                 "f(y_N) - f* <=", tight_value),
            Step("theta_{j+1} - theta_j - 1/2 = (sqrt(1 + 4 theta_j^2) - 2 theta_j)/2 > 0 because "
                 "1 + 4 theta^2 - (2 theta)^2 =", growth),
            Step("so theta_{N-1} >= (N + 1)/2 from theta_0 = 1, and 2 theta_N^2 = 2 theta_N + 4 theta_{N-1}^2 >= ",
                 lower_sq),
            Step("hence 2 theta_N^2 > (N + 1)^2 and, with k = N, the closed-form bound", expr),
            Step("Solving for k: k(eps) =", solve_k(expr, eps)),
        ),
        notes=(
            "Tight value: L R^2/(2 theta_N^2) (ratecheck.theory.ogm.exact_bound), e.g. L R^2/8 at N = 1 where the "
            "closed form says L R^2/4; the ratio (N+1)^2/(2 theta_N^2) tends to 1. PEPit reproduces the tight "
            "value to 1e-6 (tests/test_theory_ogm.py).",
            "Only for the last iterate y_N. The iterates y_j, j < N, of the same run are regular-rule ones and are "
            "not covered (on f = L/2 x^2 they exceed L R^2/(j+1)^2 from j = 3 on): ogm.trajectory is the bound for "
            "every iterate of a run.",
            STEP_NOTE,
        ),
    )


def ogm_trajectory() -> Bound:
    expr = 2 * L * R**2 / (k + 2) ** 2
    regular_value = L * R**2 / (2 * t**2)
    last_ok = sp.factor(sp.expand((k + 2) ** 2 - 2 * (k + 1) ** 2))  # <= 0 for k >= 1: last iterate covered
    return Bound(
        id="ogm.trajectory",
        title="OGM (Kim & Fessler), convex, every iterate of a run",
        quantity="gap",
        expr=expr,
        iterations=solve_k(expr, eps),
        hyperparameters={"lr": 1 / L},
        assumptions=(
            "f convex and L-smooth, with a minimiser x*",
            "step 1/L and the theta schedule: " + SCHEDULE,
            "every iterate y_0 .. y_N of an N-step run (the teaching form's whole output)",
        ),
        tight=False,
        source="intermediate iterates: their exact worst case L R^2/(2 theta_j^2), regular theta_j, computed by PEPit "
        "(tests/test_theory_ogm.py, docs/certification.md), cf. Kim & Fessler (2017), J. Optim. Theory Appl. "
        "172(1), 187-205 for the primary sequence; last iterate: " + SOURCE,
        derivation=(
            Step("An intermediate y_j (j < N) is a regular-rule iterate; PEPit's worst case of f(y_j) - f* is "
                 "(to 1e-6 at j = 1, 2, 3, 5, 8; numerical dual certificates, not a proof for all j)", regular_value),
            Step("With theta_j >= (j + 2)/2 (see ogm.convex) that is at most", expr),
            Step("The last iterate y_N has ogm.convex's L R^2/(N+1)^2, below this because (N+2)^2 - 2 (N+1)^2 =",
                 last_ok),
            Step("(<= 0 for N >= 1; at N = 0, y_0 = x_0 and f(x_0) - f* <= L R^2/2.) Solving for k: k(eps) =",
                 solve_k(expr, eps)),
        ),
        notes=(
            "What `ratecheck check --method ogm` checks along the whole run; the last iterate's sharper ogm.convex "
            "is checked by PEPit and the tests.",
            "The primary sequence x_j (the gradient steps, not returned by the teaching form) satisfies "
            "L R^2/(4 theta_{j-1}^2) (Kim & Fessler 2017).",
            STEP_NOTE,
        ),
    )


def schedule(steps: int) -> np.ndarray:
    """theta_0 .. theta_steps of a `steps`-step run (last-step rule at the end), as floats."""
    return np.array([theta(j, steps) for j in range(steps + 1)])


BOUNDS = (ogm_convex, ogm_trajectory)
