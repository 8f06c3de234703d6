"""Nesterov's accelerated gradient: y_k = x_k + b_{k-1} (x_k - x_{k-1}) (y_0 = x_0), x_{k+1} = y_k - lr grad f(y_k).

    nesterov(grad, x0, lr, momentum, steps) -> x_0 ... x_steps     (momentum a number or a schedule k -> b_k)

Settings: nesterov.convex (FISTA's schedule b_k) and nesterov.strongly_convex (constant momentum).
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
    one_gradient_per_step,
    one_query_per_step,
)

NAME = "nesterov"


def update(k: int, xs: np.ndarray, steps: Sequence[Sequence[Any]], hp: Mapping[str, Any]) -> Prediction:
    """The gradient is queried at the look-ahead y_k; x_{k+1} = y_k - lr g_k (y_k as queried)."""
    q, g, lr, mom = steps[k][0].x, steps[k][0].result, hp["lr"], hp["momentum"]
    prev = xs[k - 1] if k else xs[0]
    b_prev = (mom(k - 1) if callable(mom) else mom) if k else 0.0
    return Prediction(at=(xs[k] + b_prev * (xs[k] - prev),), next=q - lr * g,
                      scale=float(np.linalg.norm(xs[k]) + lr * np.linalg.norm(g)),
                      at_error=GRADIENT_AT.format(where="y_k = x_k + b_{{k-1}} (x_k - x_{{k-1}})"),
                      next_error=NOT_THE_UPDATE.format(method=NAME))


def fista_schedule() -> Any:
    """nesterov.convex states its momentum in words (FISTA's b_k): the implementation has the schedule."""
    from ..implementations import fista_momentum

    return fista_momentum()


METHOD = Method(
    name=NAME,
    summary="Nesterov's accelerated gradient",
    signature=Signature(("grad", "x0", "lr", "momentum", "steps")),
    settings=(
        Setting(NAME, "convex", "nesterov.convex", "convex", tight=convex_worst, schedules={"momentum": fista_schedule},
                lower_bound="lower.convex", pep="builders:nesterov_convex"),
        Setting(NAME, "strongly_convex", "nesterov.strongly_convex", "strongly_convex", tight=along_eigenvector("min"),
                lower_bound="lower.strongly_convex", pep="builders:nesterov_strongly_convex"),
    ),
    update=update,
    group=one_query_per_step("grad"),
    budget=one_gradient_per_step(NAME),
    reference_target="ratecheck.implementations:nesterov",
    library=True,
)
