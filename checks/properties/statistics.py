"""Property 5: SGD's bounds hold in expectation. The mean of ||x_k - x*||^2 over independent runs is compared
with the bound at checkpoints by a one-sided test whose false-alarm probability is at most alpha per check.

The test. On the noisy-quadratic family (fresh Gaussian noise per call), a correct SGD's error e_k is a
Gaussian vector m + S g, so Z = ||e_k||^2 = sum_i lam_i (g_i + c_i)^2 (lam_i the eigenvalues of S S^T).
For the mean of R independent copies, Laurent & Massart (2000, Ann. Statist. 28(5), Lemma 1) bound the
chi-square part, and the Gaussian tail bounds the cross term 2 sum lam_i c_i g_i, so with probability at least
1 - 2 e^{-t}:
    mean - E Z <= 2 sqrt(sum lam^2 t/R) + 2 max(lam) t/R + 2 sqrt(2 max(lam) ||m||^2 t/R)
               <= E Z * ((2 + 2 sqrt 2) sqrt(t/R) + 2 t/R)        (sum lam^2 <= (E Z)^2, ||m||^2 <= E Z).
Under H0 (E Z <= bound) the check flags only if mean > bound * (1 + (2 + 2 sqrt 2) sqrt(t/R) + 2t/R); with
K checkpoints and t = log(2K/alpha), a union bound makes the false-alarm probability <= alpha.

Where nothing is known of the quantity's law but that it is >= 0 (Setting.test = "nonnegative": SVRG's
f(x~_s) - f* on a finite sum), Markov's inequality gives P(Z_r > C * bound) <= 1/C for each run, so under H0
the number of runs above C * bound is at most Binomial(R, 1/C) in the tail; the check flags when at least q of
the R runs are, q the smallest count with P(Binomial(R, 1/C) >= q) <= alpha/K. It has power where a wrong
method stalls: every run then sits above C times a bound that keeps falling.
"""

from __future__ import annotations

import math
import time

import numpy as np

from ...methods import Method, Setting
from ...theory import QUANTITIES
from ..config import Config
from ..methods import prescribed
from ..report import PropertyResult
from ..run import allowance, measure, run_replicates
from ..strategies import Instance, instances
from ._common import STATIONARITY, Examples, bound_values, counterexample, skipped
from ._search import Violation, search

STEPS = 150
CHECKPOINTS = 16
MARKOV_C = 10.0  # the "nonnegative" test counts runs above MARKOV_C * bound


def markov_count(replicates: int, checkpoints: int, alpha: float, c: float = MARKOV_C) -> int:
    """The smallest q with P(Binomial(R, 1/C) >= q) <= alpha / K (R + 1: the test cannot flag)."""
    from scipy.stats import binom

    for q in range(replicates + 1):
        if binom.sf(q - 1, replicates, 1 / c) <= alpha / checkpoints:
            return q
    return replicates + 1


def margin(replicates: int, checkpoints: int, alpha: float) -> float:
    """The relative slack c: flag when mean > bound * (1 + c). See the module docstring."""
    t = math.log(2 * checkpoints / alpha)
    return (2 + 2 * math.sqrt(2)) * math.sqrt(t / replicates) + 2 * t / replicates


def check(method: Method, optimizer: object, setting: Setting, config: Config) -> PropertyResult:
    bound = setting.bound
    if bound.quantity in STATIONARITY:
        return skipped("statistics", setting, f"{bound.id} bounds {QUANTITIES[bound.quantity]}: the stationarity "
                       "property checks it")
    nonneg = setting.test == "nonnegative"
    # Markov's test needs far fewer runs than the Gaussian one (and a run of SVRG is an expensive one)
    R = max(16, config.replicates // 16) if nonneg else config.replicates
    c, q = margin(R, CHECKPOINTS, config.alpha), markov_count(R, CHECKPOINTS, config.alpha)
    seen = Examples()
    what = QUANTITIES[bound.quantity]

    def exceeded(sq: np.ndarray, mean: np.ndarray, bnd: np.ndarray, ks: np.ndarray, tol: float,
                 ) -> tuple[int, str] | None:
        """The first checkpoint the test flags, with what it saw; None when none is."""
        if nonneg:
            above = np.sum(sq[:, ks] > MARKOV_C * bnd + tol, axis=0)
            bad = np.nonzero(above >= q)[0]
            if not bad.size:
                return None
            j = int(bad[0])
            return j, (f"{above[j]} of {R} runs have {what} above {MARKOV_C:g} x {bound.id} (Markov allows at "
                       f"most {q - 1} under the bound at false-alarm probability <= {config.alpha:g}) at k={ks[j]}")
        bad = np.nonzero(mean[ks] > bnd * (1 + c) + tol)[0]
        if not bad.size:
            return None
        j = int(bad[0])
        return j, (f"mean of {what} over {R} runs exceeds {bound.id} beyond the test's slack (x{1 + c:.3f}, "
                   f"false-alarm probability <= {config.alpha:g}) at k={ks[j]}")

    def body(inst: Instance) -> float:
        hp = prescribed(setting, inst.problem, inst.drawn)
        vals = bound_values(bound, inst, setting.constants)
        steps = min(setting.horizon or STEPS, config.max_steps)
        seeds = np.random.SeedSequence(inst.seed).generate_state(R)
        x_star = inst.x_star
        sq = np.empty((R, steps + 1))
        for r, out in enumerate(run_replicates(method, optimizer, inst.problem, inst.x0, hp, steps, seeds)):
            if out.error:
                raise Violation(counterexample(inst, hp, f"replicate {r}: {out.error}"))
            sq[r] = measure(bound.quantity, inst.problem, out.xs, x_star)
        mean = sq.mean(axis=0)
        ks = np.unique(np.geomspace(1, steps, CHECKPOINTS).astype(int))
        bnd = bound.evaluate(k=ks, **vals)
        flagged = exceeded(sq, mean, bnd, ks, allowance(bound.quantity, inst.problem, inst.x0, x_star))
        if flagged is not None:
            j, message = flagged
            raise Violation(counterexample(
                inst, hp, message, step=int(ks[j]), observed=float(mean[ks[j]]), bound=float(bnd[j]),
                observed_curve=[float(v) for v in mean],
                bound_curve=[float(v) for v in bound.evaluate(k=np.arange(steps + 1), **vals)]))
        ratio = float(np.max(mean[ks] / bnd))
        all_k = np.arange(steps + 1)
        seen.add(ratio, inst, mean, bound.evaluate(k=all_k, **vals), all_k)
        return ratio

    t0 = time.perf_counter()
    examples = config.statistics_examples or max(2, config.max_examples // 4)
    out = search(instances(setting), body, config.with_(max_examples=examples),
                 explicit=setting.tight())
    return PropertyResult(
        "statistics", setting.name, "fail" if out.counterexample else "pass", out.examples, out.worst_ratio,
        out.counterexample.message if out.counterexample else f"mean over {R} runs within {bound.id}",
        bound.id, out.counterexample, time.perf_counter() - t0,
        {"replicates": R, "checkpoints": CHECKPOINTS, "alpha": config.alpha, "test": setting.test,
         **({"markov_c": MARKOV_C, "count": q} if nonneg else {"slack": c}), **seen.details()})
