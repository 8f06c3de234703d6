"""Van Scoy, Freeman & Lynch's triple momentum: y_k = (1 + gamma) xi_k - gamma xi_{k-1},
xi_{k+1} = (1 + beta) xi_k - beta xi_{k-1} - alpha grad f(y_k), xi_{-1} = xi_0 = x0.

    triple_momentum(grad, x0, alpha, beta, gamma, steps) -> xi_0 ... xi_steps

Setting: triple_momentum.iterates (the state xi_k the teaching form returns; the theorem's output sequence
x_k = (1 + delta) xi_k - delta xi_{k-1} has triple_momentum.strongly_convex, certified by PEPit).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ._method import Method, Prediction, Setting, Signature
from ._parts import GRADIENT_AT, NOT_THE_UPDATE, along_eigenvector, one_gradient_per_step, one_query_per_step

NAME = "triple-momentum"


def update(k: int, xs: np.ndarray, steps: Sequence[Sequence[Any]], hp: Mapping[str, Any]) -> Prediction:
    """The gradient is queried at y_k = (1 + gamma) xi_k - gamma xi_{k-1}; xi_{k+1} from xi_k, xi_{k-1}, g_k."""
    g, alpha, beta, gamma = steps[k][0].result, hp["alpha"], hp["beta"], hp["gamma"]
    prev = xs[k - 1] if k else xs[0]
    return Prediction(at=((1 + gamma) * xs[k] - gamma * prev,),
                      next=(1 + beta) * xs[k] - beta * prev - alpha * g,
                      scale=float((1 + 2 * beta + 2 * gamma) * (np.linalg.norm(xs[k]) + np.linalg.norm(prev))
                                  + alpha * np.linalg.norm(g)),
                      at_error=GRADIENT_AT.format(where="y_k = (1 + gamma) xi_k - gamma xi_{{k-1}}"),
                      next_error=NOT_THE_UPDATE.format(method=NAME))


METHOD = Method(
    name=NAME,
    summary="triple momentum method (Van Scoy, Freeman & Lynch)",
    signature=Signature(("grad", "x0", "alpha", "beta", "gamma", "steps")),
    settings=(
        Setting(NAME, "strongly_convex", "triple_momentum.iterates", "strongly_convex",
                tight=along_eigenvector("both"), lower_bound="lower.strongly_convex",
                pep="triple_momentum:triple_momentum"),
    ),
    update=update,
    group=one_query_per_step("grad"),
    budget=one_gradient_per_step(NAME),
    reference_target="ratecheck.implementations:triple_momentum",
    aliases=("triple_momentum", "tm"),
)
