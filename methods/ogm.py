"""Kim & Fessler's optimized gradient method: x_{k+1} = y_k - lr grad f(y_k), y_{k+1} = x_{k+1} +
(theta_k - 1)/theta_{k+1} (x_{k+1} - x_k) + theta_k/theta_{k+1} (x_{k+1} - y_k), y_0 = x_0 = x0.

    ogm(grad, x0, lr, steps) -> y_0 ... y_steps      (theta by the last-step rule at the last step)

Setting: ogm.trajectory (every iterate of a run; ogm.convex, the last iterate's sharper bound, is certified by
PEPit and tests/test_theory_ogm.py, since the bound property checks every k of one run).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ._method import Instance, Method, Prediction, Setting, Signature
from ._parts import (
    GRADIENT_AT,
    NOT_THE_UPDATE,
    along_eigenvector,
    convex_worst,
    one_gradient_per_step,
    one_query_per_step,
)

NAME = "ogm"


def update(k: int, xs: np.ndarray, steps: Sequence[Sequence[Any]], hp: Mapping[str, Any]) -> Prediction:
    """The gradient is queried at y_k; x_{k+1} = y_k - lr g_k, then OGM's two momentum terms. The primary point
    x_k = y_{k-1} - lr g_{k-1} comes from the previous step's query and answer (x_0 = y_0); theta follows the
    last-step rule at step k = N - 1, N = len(steps) the run's length."""
    from ..implementations.ogm import ogm_theta

    q, g, lr = steps[k][0].x, steps[k][0].result, hp["lr"]
    theta = ogm_theta(len(steps))
    x_k = steps[k - 1][0].x - lr * steps[k - 1][0].result if k else xs[0]
    x_next = q - lr * g
    y_next = x_next + (theta[k] - 1) / theta[k + 1] * (x_next - x_k) + theta[k] / theta[k + 1] * (x_next - q)
    return Prediction(at=(xs[k],), next=y_next,
                      scale=float(np.linalg.norm(xs[k]) + np.linalg.norm(x_k) + 2 * lr * np.linalg.norm(g)),
                      at_error=GRADIENT_AT.format(where="y_k"), next_error=NOT_THE_UPDATE.format(method=NAME))


def quadratic_worst() -> list[Instance]:
    """L/2 x^2 along the L-eigenvector (Kim & Fessler's worst case; every intermediate iterate is PEPit's worst),
    then the convex instances the other accelerated methods use."""
    return [*along_eigenvector("max")(), *convex_worst()]


METHOD = Method(
    name=NAME,
    summary="optimized gradient method (OGM, Kim & Fessler)",
    signature=Signature(("grad", "x0", "lr", "steps")),
    settings=(
        Setting(NAME, "convex", "ogm.trajectory", "convex", tight=quadratic_worst, lower_bound="lower.convex",
                pep="ogm:ogm_convex"),
    ),
    update=update,
    group=one_query_per_step("grad"),
    budget=one_gradient_per_step(NAME),
    reference_target="ratecheck.implementations:ogm",
)
