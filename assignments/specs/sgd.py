"""Assignment 3 (SGD against GD: the work crossover) as a spec. Variant: the mini-batch size b of the derivation's
SGD (b = 1 is the registry's work.crossover: never drawn) and its sample points. The measurement's problem (P, EPS,
b = 1) is locked: its thresholds were tuned on it."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..spec import Answers, Graded, Variant, answer_key, expect
from .common import expression_form, number, properties, same_expression

NAME = "sgd"
BASELINES = ("gradient_descent",)  # SGD's work is compared with full-gradient descent
DEFAULT = {"batch": 4, "seed": 0}
BATCHES = (2, 3, 4, 5, 6, 8)
P, EPS = {"L": 4.0, "mu": 1.0, "sigma": 3.0, "R": 1.0}, 0.01  # the notebook's locked set-up cell
RANGES = {"L": (2.0, 10.0), "eps": (1e-3, 1e-2)}  # where work.crossover's Max picks its noise term


def draw(rng: np.random.Generator) -> dict[str, Any]:
    return {"batch": int(rng.choice(BATCHES)), "seed": int(rng.integers(1, 2**31))}


def sgd_visible(ans: Answers, variant: Variant) -> None:
    sgd = ans.function("sgd", "sgd")
    calls: list[np.ndarray] = []

    def grad_i_same(x: np.ndarray, idx: np.ndarray) -> np.ndarray:  # every component is x^2: gradient 2x
        calls.append(np.atleast_1d(np.asarray(idx)))
        return 2.0 * x

    xs = sgd(grad_i_same, 5, np.array([1.0]), 0.25, 3, np.random.default_rng(0))
    expect(isinstance(xs, np.ndarray) and xs.shape == (4, 1), f"expected an array of shape (4, 1), got {xs!r}")
    expect(np.allclose(xs[:, 0], [1.0, 0.5, 0.25, 0.125]), f"wrong iterates {xs[:, 0]}")
    xs = sgd(grad_i_same, 5, np.array([1.0]), lambda k: 0.25 / (k + 1), 2, np.random.default_rng(0))
    expect(np.allclose(np.asarray(xs)[:, 0], [1.0, 0.5, 0.375]), f"lr must be called with k = 0, 1, ...: got {xs}")
    calls.clear()
    sgd(grad_i_same, 5, np.array([1.0, -1.0]), 0.1, 4, np.random.default_rng(0), batch_size=3)
    used = np.concatenate(calls) if calls else np.zeros(0, dtype=int)
    expect(used.size == 12, f"4 steps with batch_size=3 should use 12 component gradients, used {used.size}")
    expect(np.issubdtype(used.dtype, np.integer) and used.min() >= 0 and used.max() < 5, "indices must be in 0..n-1")
    c = np.arange(5.0)
    shifted = lambda x, idx: x - c[np.asarray(idx, dtype=int)].mean()  # noqa: E731
    run1 = sgd(shifted, 5, np.zeros(1), 0.5, 10, np.random.default_rng(7))
    run2 = sgd(shifted, 5, np.zeros(1), 0.5, 10, np.random.default_rng(7))
    expect(np.array_equal(run1, run2), "the same seed must give the same run: draw only from rng")


def crossover_visible(ans: Answers, variant: Variant) -> None:
    expression_form(ans, "n_star", ["L", "mu", "sigma", "R", "eps"], variant, lambda v: bool(np.all(v > 0)),
                    "a crossover size is positive", ranges=RANGES)


def crossover_hidden(ans: Answers, variant: Variant) -> None:
    same_expression(ans, "n_star", answer_key(NAME).reference(variant), variant, ranges=RANGES)


def sgd_flops_rerun(ans: Answers, n: int, runs: int = 16, steps: int = 1000) -> float:
    """The grader's own measurement of what flops_to_eps("sgd", n) must return: the student's sgd, run here
    with the grader's counted oracles and the notebook's seeds (the sandbox batches the runs' queries), the first
    k whose mean ||x_k - x*||^2 is at most EPS, times one component gradient's flops (b = 1)."""
    from ...implementations import CountedOracle
    from ...implementations.oracles import ComponentRows
    from ...implementations.problems import noisy_quadratic, worst_case_start

    problem = noisy_quadratic(2, P["mu"], P["L"], P["sigma"] ** 2, 0, n=n)
    x0 = worst_case_start(problem, "min", P["R"])
    lr = lambda k: 2.0 / (problem.L + problem.mu * (k + 1))  # noqa: E731
    rngs = [np.random.default_rng([0, r]) for r in range(runs)]
    sgd = ans.optimizer("sgd", "sgd")
    batched = getattr(sgd, "replicated", None)
    if callable(batched):
        oracles = [CountedOracle(problem) for _ in rngs]
        outs = batched(ComponentRows(oracles, problem), n, [x0.copy() for _ in rngs], lr, steps, rngs, 1)
    else:
        outs = [sgd(CountedOracle(problem).grad_i, n, x0.copy(), lr, steps, rng) for rng in rngs]
    for out in outs:
        expect(not isinstance(out, BaseException), f"your sgd failed when rerun on n={n}: {out}")
    sq = np.mean([np.sum((np.asarray(xs) - problem.x_star) ** 2, axis=1) for xs in outs], axis=0)
    hit = np.nonzero(sq <= EPS)[0]
    return float(hit[0] * problem.flops_component) if hit.size else np.inf


def flops_check(ans: Answers, variant: Variant) -> None:
    from ...implementations.problems import noisy_quadratic
    from ...theory import get

    n_pred = float(get("work.crossover").evaluate(eps=EPS, **P))
    flops_component = noisy_quadratic(2, P["mu"], P["L"], P["sigma"] ** 2, 0, n=2).flops_component
    k_gd_pred = int(np.ceil(get("work.gd").k_eps(EPS, L=P["L"], mu=P["mu"], R=P["R"])))
    small, large = max(2, round(n_pred / 30)), round(10 * n_pred)
    gd_small, sgd_small = number(ans, "flops_to_eps", "gd", small), number(ans, "flops_to_eps", "sgd", small)
    gd_large, sgd_large = number(ans, "flops_to_eps", "gd", large), number(ans, "flops_to_eps", "sgd", large)
    expect(gd_small == small * k_gd_pred * flops_component, f"GD at n={small}: {gd_small} flops")
    expect(gd_small < sgd_small, f"at n={small} (n*/30) GD should win: GD {gd_small}, SGD {sgd_small} flops")
    expect(sgd_large < gd_large, f"at n={large} (10 n*) SGD should win: GD {gd_large}, SGD {sgd_large} flops")


def flops_hidden(ans: Answers, variant: Variant) -> None:
    """Made-up numbers earn nothing: SGD's flops must be what the grader measures rerunning the student's sgd."""
    from ...theory import get

    n_pred = float(get("work.crossover").evaluate(eps=EPS, **P))
    per_step = 2 * 2**2  # b = 1 component gradient of the d = 2 dense quadratic (problem.flops_component)
    for n in (max(2, round(n_pred / 30)), round(10 * n_pred)):
        got = number(ans, "flops_to_eps", "sgd", n)
        # the rerun needs only the steps up to the claimed first hit (+1 for rounding at the threshold): SGD's
        # first k iterates do not depend on the horizon, so this is the full measurement's answer, cheaper
        claimed = got / per_step
        horizon = int(claimed) + 1 if np.isfinite(claimed) and claimed.is_integer() and claimed < 1000 else 1000
        truth = sgd_flops_rerun(ans, n, steps=horizon)
        expect(got == truth or abs(got - truth) <= per_step,
               f"flops_to_eps('sgd', {n}) = {got:g} is not what your sgd spends (rerun: {truth:g})")


GRADED = (
    Graded("test_sgd_visible", 2, "visible", visible=sgd_visible),
    Graded("test_sgd_hidden", 4, "hidden", hidden=properties("sgd", "sgd")),
    Graded("test_crossover", 2, "derivation", visible=crossover_visible, hidden=crossover_hidden),
    Graded("test_flops", 3, "measurement", visible=flops_check, hidden=flops_hidden),
)
