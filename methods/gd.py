"""Gradient descent: x_{k+1} = x_k - lr grad f(x_k).

    gradient_descent(grad, x0, lr, steps) -> x_0 ... x_steps

Settings: gd.quadratic (any stable step eta, drawn), gd.strongly_convex, gd.convex and gd.nonconvex
(lr = 1/L; nonconvex: the smallest gradient so far, checked by the stationarity property).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ._method import Method, Prediction, Setting, Signature
from ._parts import (
    GRADIENT_AT,
    NOT_THE_UPDATE,
    along_eigenvector,
    convex_worst,
    nonconvex_worst,
    one_gradient_per_step,
    one_query_per_step,
)

NAME = "gd"


def update(k: int, xs: np.ndarray, steps: Sequence[Sequence[Any]], hp: Mapping[str, Any]) -> Prediction:
    """The gradient is queried at x_k; x_{k+1} = x_k - lr g_k."""
    g, lr = steps[k][0].result, hp["lr"]
    return Prediction(at=(xs[k],), next=xs[k] - lr * g, scale=float(np.linalg.norm(xs[k]) + lr * np.linalg.norm(g)),
                      at_error=GRADIENT_AT.format(where="x_k"), next_error=NOT_THE_UPDATE.format(method=NAME))


def any_stable_step(draw: Any, problem: Any) -> dict[str, float]:
    """gd.quadratic holds for every step; checked on the stable ones, up to 2/L."""
    from hypothesis import strategies as st

    return {"eta": draw(st.floats(0.05, 0.99)) * 2 / problem.L}


METHOD = Method(
    name=NAME,
    summary="gradient descent",
    signature=Signature(("grad", "x0", "lr", "steps")),
    settings=(
        Setting(NAME, "quadratic", "gd.quadratic", "quadratic", draw=any_stable_step,
                tight=along_eigenvector("both", lambda kappa: {"eta": 2 / (1.0 + kappa)}), pep="builders:gd_quadratic"),
        Setting(NAME, "strongly_convex", "gd.strongly_convex", "strongly_convex", tight=along_eigenvector("min"),
                lower_bound="lower.strongly_convex", pep="builders:gd_strongly_convex"),
        Setting(NAME, "convex", "gd.convex", "convex", tight=convex_worst, lower_bound="lower.convex",
                pep="builders:gd_convex"),
        Setting(NAME, "nonconvex", "gd.nonconvex", "nonconvex", tight=nonconvex_worst, lower_bound="lower.nonconvex",
                pep="nonconvex:gd_nonconvex"),
    ),
    update=update,
    group=one_query_per_step("grad"),
    budget=one_gradient_per_step(NAME),
    reference_target="ratecheck.implementations:gradient_descent",
    aliases=("gradient_descent",),
    regime="strongly_convex",
    library=True,
)
