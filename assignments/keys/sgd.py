"""Assignment sgd's answer key: the crossover n* for the variant's mini-batch size."""

from __future__ import annotations

from typing import Any

from ..spec import Variant


def reference(variant: Variant) -> Any:
    """n* for SGD with mini-batch b: b components per step, noise sigma^2 / b (sampling with replacement; Bottou,
    Curtis & Nocedal 2018, Sec. 4.4 / Thm 4.7's sigma^2 scaled by 1/b), against GD's n per step (work.gd).
    For b = 1 it is the registry's work.crossover (a test checks it)."""
    import sympy as sp

    from ...theory import SYMBOLS, get

    n, sigma, b = SYMBOLS["n"], SYMBOLS["sigma"], sp.Integer(variant["batch"])
    k_sgd = get("work.sgd").iterations.subs(sigma, sigma / sp.sqrt(b))
    return sp.solve(sp.Eq(n * get("work.gd").iterations, b * k_sgd), n)[0]
