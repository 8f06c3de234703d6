"""Polyak's heavy ball: x_{k+1} = x_k - lr grad f(x_k) + momentum (x_k - x_{k-1}), x_{-1} = x_0.

    heavy_ball(grad, x0, lr, momentum, steps) -> x_0 ... x_steps

Setting: heavy_ball.quadratic (Polyak's lr and momentum), tight along the eigenvector of L.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ._method import Method, Prediction, Setting, Signature
from ._parts import GRADIENT_AT, NOT_THE_UPDATE, along_eigenvector, one_gradient_per_step, one_query_per_step

NAME = "heavy-ball"


def update(k: int, xs: np.ndarray, steps: Sequence[Sequence[Any]], hp: Mapping[str, Any]) -> Prediction:
    """The gradient is queried at x_k; x_{k+1} = x_k - lr g_k + momentum (x_k - x_{k-1})."""
    g, lr, mom = steps[k][0].result, hp["lr"], hp["momentum"]
    prev = xs[k - 1] if k else xs[0]
    return Prediction(at=(xs[k],), next=xs[k] - lr * g + mom * (xs[k] - prev),
                      scale=float(np.linalg.norm(xs[k]) + lr * np.linalg.norm(g)),
                      at_error=GRADIENT_AT.format(where="x_k"), next_error=NOT_THE_UPDATE.format(method=NAME))


METHOD = Method(
    name=NAME,
    summary="Polyak's heavy ball",
    signature=Signature(("grad", "x0", "lr", "momentum", "steps")),
    settings=(
        Setting(NAME, "quadratic", "heavy_ball.quadratic", "quadratic", tight=along_eigenvector("max"),
                lower_bound="lower.strongly_convex", pep="builders:heavy_ball_quadratic"),
    ),
    update=update,
    group=one_query_per_step("grad"),
    budget=one_gradient_per_step(NAME),
    reference_target="ratecheck.implementations:heavy_ball",
    aliases=("heavy_ball",),
    library=True,
)
