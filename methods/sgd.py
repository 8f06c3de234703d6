"""Stochastic gradient descent on a finite sum: x_{k+1} = x_k - lr_k (mean of grad f_i(x_k) over a batch of
batch_size indices drawn uniformly with replacement from rng).

    sgd(grad_i, n, x0, lr, steps, rng, batch_size=1) -> x_0 ... x_steps      (lr a number or k -> lr_k)

Settings: sgd.constant (step eta drawn), sgd.decreasing (lr_k = 2/(L + mu (k+1))), sgd.minibatch (eta and b
drawn); all in expectation, so checked by the statistics property. Nonconvex: sgd.nonconvex (step eta < 2/L
drawn) and sgd.nonconvex_decreasing (lr_k = eta/sqrt(k+1), eta <= 1/L and b drawn), E||grad f(x_R)||^2 checked
by the stationarity property.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ._method import Method, Prediction, Setting, Signature
from ._parts import additive_noise, batch_per_step, component_batches, component_indices, noisy_nonconvex

NAME = "sgd"


def update(k: int, xs: np.ndarray, steps: Sequence[Sequence[Any]], hp: Mapping[str, Any]) -> Prediction:
    """Every component gradient of step k is queried at x_k; x_{k+1} = x_k - lr_k * (mean of the batch)."""
    queries, b, lr = steps[k], hp.get("batch_size", 1), hp["lr"]
    total = np.zeros_like(xs[0])
    for q in queries:
        total += len(q.idx) * q.result  # a query answers the mean over its indices
    lr_k = lr(k) if callable(lr) else lr
    return Prediction(
        at=tuple(xs[k] for _ in queries), next=xs[k] - lr_k * total / b,
        scale=float(np.linalg.norm(xs[k]) + lr_k * np.linalg.norm(total / b)), at_scale=float(np.linalg.norm(xs[k])),
        at_error="step {k}: a component gradient was queried at {got}, not at the iterate x_{k} = {want}",
        next_error=("step {k}: x_{k1} = {got} is not x_k - lr_k * (mean of the batch's gradients) = {want} "
                    f"(lr_k = {lr_k:.6g})"))


def stable_step(draw: Any, problem: Any) -> dict[str, float]:
    from hypothesis import strategies as st

    return {"eta": draw(st.floats(0.05, 1.0)) * 2 / (problem.mu + problem.L)}


def step_and_batch(draw: Any, problem: Any) -> dict[str, float]:
    """b <= n, so that a batch of distinct indices exists."""
    from hypothesis import strategies as st

    return {**stable_step(draw, problem), "b": draw(st.integers(2, max(2, min(16, problem.n))))}


def nonconvex_step(draw: Any, problem: Any) -> dict[str, float]:
    """sgd.nonconvex holds for 0 < eta < 2/L; checked up to 1.5/L (the bound grows without limit towards 2/L)."""
    from hypothesis import strategies as st

    return {"eta": draw(st.floats(0.05, 1.5)) / problem.L}


def decreasing_step_and_batch(draw: Any, problem: Any) -> dict[str, float]:
    """sgd.nonconvex_decreasing needs eta <= 1/L; b <= n."""
    from hypothesis import strategies as st

    return {"eta": draw(st.floats(0.05, 1.0)) / problem.L, "b": draw(st.integers(1, max(1, min(16, problem.n))))}


METHOD = Method(
    name=NAME,
    summary="stochastic gradient descent",
    signature=Signature(("grad_i", "n", "x0", "lr", "steps", "rng"), (("batch_size", 1),)),
    settings=(
        Setting(NAME, "constant", "sgd.constant", "noisy", draw=stable_step, tight=additive_noise({"eta": 0.5}),
                pep="builders:sgd"),
        Setting(NAME, "decreasing", "sgd.decreasing", "noisy", tight=additive_noise(), pep="builders:sgd"),
        Setting(NAME, "minibatch", "sgd.minibatch", "noisy", draw=step_and_batch,
                tight=additive_noise({"eta": 0.5, "b": 4}), pep="builders:sgd"),
        Setting(NAME, "nonconvex", "sgd.nonconvex", "nonconvex", draw=nonconvex_step,
                tight=noisy_nonconvex({"eta": 1.0})),
        Setting(NAME, "nonconvex_decreasing", "sgd.nonconvex_decreasing", "nonconvex", draw=decreasing_step_and_batch,
                tight=noisy_nonconvex({"eta": 1.0, "b": 1}, {"eta": 0.1, "b": 16})),
    ),
    update=update,
    group=component_batches,
    budget=batch_per_step,
    reference_target="ratecheck.implementations:sgd",
    stochastic=True,
    regime="decreasing",
    library=True,
    conformance_steps=200,  # enough draws for the sampling test to see a biased index
    draws=component_indices,
)
