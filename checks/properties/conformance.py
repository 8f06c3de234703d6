"""Property 3: update-rule conformance. Each iterate must follow from the oracle's query points and answers
by the method's update rule (Method.update, in the method's own file); a bug can keep the rate and still not
be the method (e.g. Nesterov with the gradient taken at x_k instead of the look-ahead point). The indices a
method samples (Method.draws, e.g. SGD's) must also be uniform (a chi-square test at false-alarm probability
config.alpha)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

from ...implementations.oracles import Query
from ...methods import Method, Setting
from ..config import Config
from ..methods import prescribed
from ..report import PropertyResult
from ..run import run
from ..strategies import instances
from ._common import counterexample
from ._search import Violation, search

RTOL = 1e-8


def _close(a: np.ndarray, b: np.ndarray, scale: float, rtol: float = RTOL) -> bool:
    return float(np.linalg.norm(a - b)) <= rtol * (scale + float(np.linalg.norm(a)) + float(np.linalg.norm(b))) + 1e-300


def follows(method: Method, xs: np.ndarray, log: Sequence[Query], hp: dict[str, Any], rtol: float = RTOL,
            ) -> str | None:
    """None if xs follows the method's update rule given the logged (query, answer) pairs, else what broke.

    The log is grouped into steps (Method.group); for each step the rule (Method.update) predicts where the
    oracle must have been queried and x_{k+1}, which are compared with what happened. Huge finite iterates (a
    diverging method on a problem with bounded gradients, e.g. the nonconvex family) overflow in the norms:
    silenced, as during the run (the other properties judge divergence)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return _follows(method, xs, log, hp, rtol)


def _follows(method: Method, xs: np.ndarray, log: Sequence[Query], hp: dict[str, Any], rtol: float,
             ) -> str | None:
    steps, broken = method.group(log, hp, len(xs) - 1)
    if broken is not None and broken[0] < 0:
        return broken[1]
    for k, queries in enumerate(steps):
        pred = method.update(k, xs, steps, hp)
        at_scale = pred.scale if pred.at_scale is None else pred.at_scale
        for q, want in zip(queries, pred.at, strict=False):
            if not _close(q.x, want, at_scale, rtol):
                return pred.at_error.format(k=k, k1=k + 1, got=q.x, want=want)
        if broken is not None and broken[0] == k:
            return broken[1]
        if not _close(xs[k + 1], pred.next, pred.scale, rtol):
            return pred.next_error.format(k=k, k1=k + 1, got=xs[k + 1], want=pred.next)
    return broken[1] if broken is not None else None


def check(method: Method, optimizer: object, setting: Setting, config: Config) -> PropertyResult:
    counts: list[np.ndarray] = []

    def body(inst) -> None:
        hp = prescribed(setting, inst.problem, inst.drawn)
        r = run(method, optimizer, inst.problem, inst.x0, hp, method.conformance_steps, seed=inst.seed,
                record=True)
        if r.error:
            raise Violation(counterexample(inst, hp, r.error))
        broke = follows(method, r.xs, r.log, hp, r.precision.conformance_rtol)  # ulps of the iterates' dtype
        sampled = method.draws(r.log) if method.draws is not None and not broke else None
        if sampled is not None and sampled.size:
            counts.append(np.bincount(sampled, minlength=inst.problem.n))
        if broke:
            step = int(broke.split(":")[0].split()[-1]) if broke.startswith("step") else None
            raise Violation(counterexample(inst, hp, broke, step=step))

    t0 = time.perf_counter()
    out = search(instances(setting, finite=True, bound=False), body,
                 config.with_(max_examples=max(3, config.max_examples // 3)))
    details: dict[str, Any] = {}
    ce = out.counterexample
    if ce is None and counts:
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
