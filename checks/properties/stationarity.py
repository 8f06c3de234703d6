"""Property 8: stationarity. On L-smooth functions that are only bounded below (theory/nonconvex.py) there is
no x* to measure against; the bounds are on gradient norms, with Delta0 = f(x_0) - f_low.

Deterministic methods (grad_sq_min, e.g. gd.nonconvex): the running min_{i<=k} ||grad f(x_i)||^2 stays within
the bound at every k, with the bound property's allowance (observed <= bound (1 + RTOL) + allowance); the
instances the bound is tight on run first, then Hypothesis targets the largest observed/bound ratio.

Stochastic methods (grad_sq_avg, e.g. sgd.nonconvex): the bound is on E||grad f(x_R)||^2 with P(R = j)
proportional to the step lr_j on {0, ..., k-1} (Ghadimi & Lan 2013; uniform for a constant step). The
expectation over R is taken exactly in each run, Z_r(k) = sum_{j<k} lr_j G_r(j) / sum_{j<k} lr_j with
G_r(j) = ||grad f(x_j)||^2, so only the runs are random. The Z_r are independent and >= 0 with E Z_r <= B(k)
under the bound, and nothing else is known of their law (a nonconvex f makes no iterate Gaussian). So the
test is the statistics property's "nonnegative" one: by Markov P(Z_r > C B) <= 1/C, the number of runs above
C B is at most Binomial(R, 1/C) in the tail, and a checkpoint is flagged when at least q runs are, q the
smallest count with P(Binomial(R, 1/C) >= q) <= alpha/K; over the K checkpoints (a union bound) a correct
method is flagged with probability <= alpha per example. C = 2 (statistics uses 10 for SVRG): the wrong
variants this must catch (a frozen schedule, a summed batch) sit a few times above the bound, not ten.
"""

from __future__ import annotations

import time

import numpy as np

from ...methods import Method, Setting
from ...theory import QUANTITIES
from ..config import Config
from ..methods import prescribed
from ..report import PropertyResult
from ..run import RTOL, allowance, grad_sq, measure, run, run_replicates
from ..strategies import Instance, instances
from ._common import STATIONARITY, Examples, bound_values, counterexample, skipped, steps_for
from ._search import Violation, search
from .statistics import markov_count

STEPS = 150  # run length of the stochastic test (Setting.horizon overrides)
CHECKPOINTS = 12
MARKOV_C = 2.0
STEP = "lr"  # the step's name among the catalogue's hyperparameters: R's weights


def step_weights(hp: dict, steps: int) -> np.ndarray:
    """lr_j for j = 0 .. steps-1 (a number or a schedule k -> lr_k)."""
    lr = hp[STEP]
    return np.array([float(lr(j)) for j in range(steps)]) if callable(lr) else np.full(steps, float(lr))


def weighted_means(G: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Z(k) = sum_{j<k} w_j G(j) / sum_{j<k} w_j for k = 1 .. len(w), along the last axis of G."""
    with np.errstate(all="ignore"):
        return np.cumsum(G[..., :len(w)] * w, axis=-1) / np.cumsum(w)


def check(method: Method, optimizer: object, setting: Setting, config: Config) -> PropertyResult:
    bound = setting.bound
    if bound.quantity not in STATIONARITY:
        return skipped("stationarity", setting, f"{bound.id} bounds {QUANTITIES[bound.quantity]}, not a gradient "
                       f"norm: the {'statistics' if method.stochastic else 'bound'} property checks it")
    return (_in_expectation if method.stochastic else _trajectory)(method, optimizer, setting, config)


def _trajectory(method: Method, optimizer: object, setting: Setting, config: Config) -> PropertyResult:
    bound, seen = setting.bound, Examples()
    what = QUANTITIES[bound.quantity]

    def body(inst: Instance) -> float:
        hp = prescribed(setting, inst.problem, inst.drawn)
        vals = bound_values(bound, inst, setting.constants)
        steps = steps_for(bound, vals, config.max_steps)
        r = run(method, optimizer, inst.problem, inst.x0, hp, steps)
        if r.error:
            raise Violation(counterexample(inst, hp, r.error))
        if bound.quantity == "grad_sq_min":
            obs = measure(bound.quantity, inst.problem, r.xs, inst.x_star)
        else:  # a deterministic run's E over R is the weighted mean itself
            obs = np.concatenate([[np.nan], weighted_means(grad_sq(inst.problem, r.xs), step_weights(hp, steps))])
        ks = np.arange(bound.k_min, steps + 1)
        bnd, obs_k = bound.evaluate(k=ks, **vals), obs[bound.k_min:]
        tol = allowance(bound.quantity, inst.problem, inst.x0, inst.x_star)
        bad = np.nonzero(~(obs_k <= bnd * (1 + RTOL) + tol))[0]  # NaN/inf (overflow) counts as exceeding
        meaningful = bnd > 10 * tol
        ratio = float(np.max(obs_k[meaningful] / bnd[meaningful])) if meaningful.any() else 0.0
        seen.add(ratio, inst, obs_k, bnd, ks)
        if bad.size:
            j = int(bad[0])
            raise Violation(counterexample(
                inst, hp, f"{what} exceeds the bound {bound.id} at k={ks[j]}", step=int(ks[j]),
                observed=float(obs_k[j]), bound=float(bnd[j]), observed_curve=[float(v) for v in obs],
                bound_curve=[float(v) for v in bnd], bound_start=bound.k_min))
        return ratio

    t0 = time.perf_counter()
    out = search(instances(setting), body, config, explicit=setting.tight())
    return PropertyResult(
        "stationarity", setting.name, "fail" if out.counterexample else "pass", out.examples, out.worst_ratio,
        out.counterexample.message if out.counterexample else f"within {bound.id} on every k", bound.id,
        out.counterexample, time.perf_counter() - t0, seen.details())


def _in_expectation(method: Method, optimizer: object, setting: Setting, config: Config) -> PropertyResult:
    bound, seen = setting.bound, Examples()
    what = QUANTITIES[bound.quantity]
    R = max(64, config.replicates // 4)  # Markov's test needs fewer runs than the Gaussian one
    q = markov_count(R, CHECKPOINTS, config.alpha, MARKOV_C)

    def body(inst: Instance) -> float:
        hp = prescribed(setting, inst.problem, inst.drawn)
        vals = bound_values(bound, inst, setting.constants)
        steps = min(setting.horizon or STEPS, config.max_steps)
        seeds = np.random.SeedSequence(inst.seed).generate_state(R)
        xs = np.empty((R, steps + 1, inst.problem.d))
        for r, out in enumerate(run_replicates(method, optimizer, inst.problem, inst.x0, hp, steps, seeds)):
            if out.error:
                raise Violation(counterexample(inst, hp, f"replicate {r}: {out.error}"))
            xs[r] = out.xs
        G = grad_sq(inst.problem, xs)
        Z = weighted_means(G, step_weights(hp, steps))  # Z[:, k-1] = E over R of run r's ||grad f(x_R)||^2
        ks = np.unique(np.geomspace(max(1, bound.k_min), steps, CHECKPOINTS).astype(int))
        bnd = bound.evaluate(k=ks, **vals)
        tol = allowance(bound.quantity, inst.problem, inst.x0, inst.x_star)
        above = np.sum(~(Z[:, ks - 1] <= MARKOV_C * bnd + tol), axis=0)  # NaN/inf counts as above
        mean = Z.mean(axis=0)
        all_k = np.arange(1, steps + 1)
        if (bad := np.nonzero(above >= q)[0]).size:
            j = int(bad[0])
            raise Violation(counterexample(
                inst, hp, f"{what} exceeds {bound.id} at k={ks[j]}: {above[j]} of {R} runs are above "
                f"{MARKOV_C:g} x the bound (Markov allows at most {q - 1} under it at false-alarm probability "
                f"<= {config.alpha:g})", step=int(ks[j]), observed=float(mean[ks[j] - 1]), bound=float(bnd[j]),
                observed_curve=[float(v) for v in mean],
                bound_curve=[float(v) for v in bound.evaluate(k=all_k, **vals)], bound_start=1))
        ratio = float(np.max(mean[ks - 1] / bnd))
        seen.add(ratio, inst, mean, bound.evaluate(k=all_k, **vals), all_k)
        return ratio

    t0 = time.perf_counter()
    examples = config.statistics_examples or max(2, config.max_examples // 4)
    out = search(instances(setting), body, config.with_(max_examples=examples), explicit=setting.tight())
    return PropertyResult(
        "stationarity", setting.name, "fail" if out.counterexample else "pass", out.examples, out.worst_ratio,
        out.counterexample.message if out.counterexample else f"mean over {R} runs within {bound.id}",
        bound.id, out.counterexample, time.perf_counter() - t0,
        {"replicates": R, "checkpoints": CHECKPOINTS, "alpha": config.alpha, "test": "nonnegative",
         "markov_c": MARKOV_C, "count": q, **seen.details()})
