"""Assignment gd's answer key: the variant's rate and k(eps), and the step count GD measures."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..spec import Variant


def reference(variant: Variant) -> dict[str, Any]:
    """The variant's rate and k(eps), derived (Nesterov 2018, Thm 2.1.15's argument on a quadratic): one step
    multiplies the error along the eigenvector of lambda by 1 - h lambda / L; |.| is convex in lambda, so its
    maximum over [mu, L] is at an end. For h = 1 this is the registry's gd.strongly_convex (a test checks it)."""
    import sympy as sp

    from ...theory import SYMBOLS

    L, mu, R, eps = (SYMBOLS[s] for s in ("L", "mu", "R", "eps"))
    lam, h = sp.Symbol("lam", positive=True), sp.nsimplify(variant["h"])
    factor = 1 - h * lam / L
    rate = sp.Max(sp.Abs(factor.subs(lam, mu)), sp.Abs(factor.subs(lam, L)))
    return {"rate": rate, "k_eps": sp.log(eps / R) / sp.log(rate)}  # solves rate**k * R = eps


def tight_count(variant: Variant, kappa: float) -> int:
    """First k with (1 - h/kappa)^k <= eps: GD from the unit worst-case start along the mu-eigenvector."""
    return int(np.ceil(np.log(variant["eps"]) / np.log(1 - variant["h"] / kappa)))
