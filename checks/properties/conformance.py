"""Property 3: update-rule conformance. Each iterate must follow from the oracle's query points and answers
by the method's update rule; a bug can keep the rate and still not be the method (e.g. Nesterov with the
gradient taken at x_k instead of the look-ahead point). For SGD the sampled indices must also be uniform
(a chi-square test at false-alarm probability config.alpha)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from scipy import stats

from ..config import Config
from ..methods import STOCHASTIC, Setting, prescribed
from ..report import PropertyResult
from ..run import run
from ..strategies import instances
from ._common import counterexample
from ._search import Violation, search

STEPS = 40
SGD_STEPS = 200  # enough draws for the sampling test to see a biased index
RTOL = 1e-8


def _close(a: np.ndarray, b: np.ndarray, scale: float) -> bool:
    return float(np.linalg.norm(a - b)) <= RTOL * (scale + float(np.linalg.norm(a)) + float(np.linalg.norm(b))) + 1e-300


def deterministic_rule(method: str, xs: np.ndarray, queries: list[Any], hp: dict[str, Any]) -> str | None:
    """None if xs follows the method's rule given the logged (query, answer) pairs, else what broke."""
    steps = len(xs) - 1
    if len(queries) != steps:
        return f"expected one gradient query per step ({steps}), the log has {len(queries)}"
    lr = hp["lr"]
    mom = hp.get("momentum", 0.0)
    for k in range(steps):
        q, g = queries[k].x, queries[k].result
        prev = xs[k - 1] if k else xs[0]
        if method == "nesterov":
            b_prev = (mom(k - 1) if callable(mom) else mom) if k else 0.0
            want_q, where = xs[k] + b_prev * (xs[k] - prev), "y_k = x_k + b_{k-1} (x_k - x_{k-1})"
            want_next = q - lr * g
        else:
            want_q, where = xs[k], "x_k"
            want_next = xs[k] - lr * g + (mom * (xs[k] - prev) if method == "heavy-ball" else 0.0)
        scale = float(np.linalg.norm(xs[k]) + lr * np.linalg.norm(g))
        if not _close(q, want_q, scale):
            return f"step {k}: the gradient was queried at {q}, but the rule queries it at {where} = {want_q}"
        if not _close(xs[k + 1], want_next, scale):
            return (f"step {k}: x_{k + 1} = {xs[k + 1]} does not follow the {method} update from the oracle's "
                    f"answer (expected {want_next})")
    return None


def sgd_rule(xs: np.ndarray, queries: list[Any], hp: dict[str, Any]) -> str | None:
    steps, b = len(xs) - 1, hp.get("batch_size", 1)
    lr = hp["lr"]
    i = 0
    for k in range(steps):
        got, total = 0, np.zeros_like(xs[0])
        while got < b and i < len(queries):
            q = queries[i]
            if not _close(q.x, xs[k], float(np.linalg.norm(xs[k]))):
                return f"step {k}: a component gradient was queried at {q.x}, not at the iterate x_{k} = {xs[k]}"
            total += len(q.idx) * q.result
            got += len(q.idx)
            i += 1
        if got != b:
            return f"step {k}: expected {b} component gradients, got {got}"
        lr_k = lr(k) if callable(lr) else lr
        want = xs[k] - lr_k * total / b
        if not _close(xs[k + 1], want, float(np.linalg.norm(xs[k]) + lr_k * np.linalg.norm(total / b))):
            return (f"step {k}: x_{k + 1} = {xs[k + 1]} is not x_k - lr_k * (mean of the batch's gradients) = "
                    f"{want} (lr_k = {lr_k:.6g})")
    return None


def check(method: str, optimizer: object, setting: Setting, config: Config) -> PropertyResult:
    stochastic = method in STOCHASTIC
    counts: list[np.ndarray] = []

    def body(inst) -> None:
        hp = prescribed(setting, inst.problem, inst.drawn)
        steps = SGD_STEPS if stochastic else STEPS
        r = run(method, optimizer, inst.problem, inst.x0, hp, steps, seed=inst.seed, record=True)
        if r.error:
            raise Violation(counterexample(inst, hp, r.error))
        if stochastic:
            queries = [q for q in r.log if q.kind == "grad_i"]
            broke = sgd_rule(r.xs, queries, hp)
            if not broke and queries:
                idx = np.concatenate([q.idx for q in queries])
                counts.append(np.bincount(idx, minlength=inst.problem.n))
        else:
            broke = deterministic_rule(method, r.xs, [q for q in r.log if q.kind == "grad"], hp)
        if broke:
            step = int(broke.split(":")[0].split()[-1]) if broke.startswith("step") else None
            raise Violation(counterexample(inst, hp, broke, step=step))

    t0 = time.perf_counter()
    out = search(instances(setting, finite=True), body, config.with_(max_examples=max(3, config.max_examples // 3)))
    details: dict[str, Any] = {}
    ce = out.counterexample
    if stochastic and ce is None and counts:
        # Uniform sampling: pooled over instances with the same n is not possible (n differs), so test each
        # and combine with Bonferroni: the family-wise false-alarm probability stays <= alpha.
        pvals = [stats.chisquare(c).pvalue for c in counts if c.sum() >= 5 * len(c)]
        details["sampling_min_p"] = min(pvals) if pvals else None
        if pvals and min(pvals) < config.alpha / len(pvals):
            from ..report import Counterexample

            ce = Counterexample(f"sampled indices are not uniform: chi-square p = {min(pvals):.2e} "
                                f"< alpha/{len(pvals)} = {config.alpha / len(pvals):.1e} (biased sampling)")
    return PropertyResult("conformance", setting.name, "fail" if ce else "pass", out.examples, None,
                          ce.message if ce else "every iterate follows the update rule", setting.bound_id, ce,
                          time.perf_counter() - t0, details)
