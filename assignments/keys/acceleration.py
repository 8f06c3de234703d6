"""Assignment acceleration's answer key: Nesterov's rate at the variant's step, OGM's gap and the race's
counts, each the grader's own derivation or run."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..spec import Variant


def reference_rate(variant: Variant) -> Any:
    """Nesterov's method with eta = h/L and beta = (1 - s)/(1 + s), s = sqrt(h mu/L), on the mu-eigendirection of a
    quadratic: e_{k+1} = (1 + beta)(1 - q) e_k - beta (1 - q) e_{k-1}, q = h mu/L (Lessard, Recht & Packard 2016,
    Sec. 2.2's quadratic analysis). The spectral radius is the largest root modulus of z^2 - (1+beta)(1-q) z +
    beta(1-q); at this beta the discriminant vanishes (a double root). Larger lambda give complex roots of smaller
    modulus sqrt(beta (1 - h lambda/L)), so this is the rate on the whole spectrum."""
    import sympy as sp

    from ...theory import SYMBOLS

    L, mu, z = SYMBOLS["L"], SYMBOLS["mu"], sp.Symbol("z")
    q = sp.nsimplify(variant["h"]) * mu / L
    beta = (1 - sp.sqrt(q)) / (1 + sp.sqrt(q))
    roots = sp.solve(z**2 - (1 + beta) * (1 - q) * z + beta * (1 - q), z)
    return sp.simplify(roots[0])  # a double root: both entries are equal


def reference_gap(N: int) -> float:
    """f(y_N) - f* of ratecheck's OGM (lr = 1/L) on Nesterov's worst-case convex function in R^(2N+1), L = 1."""
    from ...implementations import ogm
    from ...implementations.problems import nesterov_worst_case

    problem = nesterov_worst_case(2 * N + 1, 1.0)
    ys = ogm(problem.grad, np.zeros(2 * N + 1), 1.0, N)
    return float(problem.f(ys[-1]) - problem.f_star)


def reference_count(variant: Variant, method: str) -> int:
    """First k with ||x_k - x*|| <= tol: Nesterov (constant momentum) or triple momentum's output, ratecheck's
    implementations on quadratic_spectrum(d, 1, kappa, 0) from the 'both' worst-case start."""
    from ...implementations import nesterov, triple_momentum
    from ...implementations.problems import quadratic_spectrum, worst_case_start
    from ...implementations.triple_momentum import output, tm_parameters

    kappa, steps = variant["kappa"], int(40 * np.sqrt(variant["kappa"]))
    problem = quadratic_spectrum(variant["d"], 1.0, kappa, 0)
    x0 = worst_case_start(problem, "both")
    if method == "nesterov":
        xs = nesterov(problem.grad, x0, 1 / kappa, (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1), steps)
    else:
        t = tm_parameters(kappa, 1.0)
        xs = output(triple_momentum(problem.grad, x0, t["alpha"], t["beta"], t["gamma"], steps), t["delta"])
    return int(np.argmax(np.linalg.norm(xs - problem.x_star, axis=1) <= variant["tol"]))
