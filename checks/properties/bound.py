"""Property 1 (+4): along the whole trajectory the measured quantity stays within the bound, and the first
k that reaches eps is at most the bound's iteration count. Hypothesis targets the largest observed/bound
ratio, and the instances each bound is tight on run first, so a slightly slow method fails too."""

from __future__ import annotations

import time

import numpy as np

from ...methods import Method, Setting
from ...theory import QUANTITIES, Bound
from ..config import Config
from ..methods import prescribed
from ..report import PropertyResult
from ..run import RTOL, measure, run
from ..strategies import Instance, instances
from ._common import STATIONARITY, Examples, bound_values, counterexample, skipped, steps_for
from ._search import Violation, search


def check(method: Method, optimizer: object, setting: Setting, config: Config) -> PropertyResult:
    bound = setting.bound
    if bound.quantity in STATIONARITY:
        return skipped("bound", setting, f"{bound.id} bounds {QUANTITIES[bound.quantity]}: the stationarity "
                       "property checks it")
    iters: list[tuple[int, int]] = []  # (observed k to eps, bound's k(eps))
    seen = Examples()
    floors: dict[str, float] = {}  # lower precisions seen -> their largest floor
    excused: list[str] = []  # instances where rounding the hyperparameters alone breaks the bound

    def rounding_breaks_it(inst, hp, steps, bnd, tol, p) -> bool:
        """Lower precision excuses rounding, never a bug: does the float64 reference method, run with the
        hyperparameters rounded to p, break the bound on this instance too? (e.g. Polyak's heavy ball at
        kappa = 1e4: lr L is 1e-4 inside the stability edge 2(1 + b), and bfloat16 keeps 8 bits)."""
        if not p.lower:
            return False
        ref = run(method, method.reference, inst.problem, inst.x0, p.stored_hyperparameters(hp), steps)
        if ref.error:
            return True
        return above(bound, inst, ref.xs, bnd, tol)[1].size > 0

    def body(inst) -> float:
        hp = prescribed(setting, inst.problem, inst.drawn)
        vals = bound_values(bound, inst)
        steps = steps_for(bound, vals, config.max_steps)
        r = run(method, optimizer, inst.problem, inst.x0, hp, steps)
        if r.error:
            raise Violation(counterexample(inst, hp, r.error))
        x_star = inst.x_star
        ks = np.arange(bound.k_min, steps + 1)
        bnd = bound.evaluate(k=ks, **vals)
        p = r.precision  # the allowance along the trajectory: the float64 one, plus the floor of a lower dtype
        tol = p.allowance(bound.quantity, inst.problem, inst.x0, x_star, hp, steps)
        floor = p.floor(inst.problem, inst.x0, x_star, hp, steps)
        where = f" ({p.describe(floor)})" if p.lower else ""
        if p.lower:
            floors[p.name] = max(floors.get(p.name, 0.0), floor)
        obs, bad = above(bound, inst, r.xs, bnd, tol)
        obs_k = obs[bound.k_min:]
        meaningful = bnd > 10 * tol
        ratio = float(np.max(obs_k[meaningful] / bnd[meaningful])) if meaningful.any() else 0.0
        seen.add(ratio, inst, obs_k, bnd, ks)
        if bad.size and rounding_breaks_it(inst, hp, steps, bnd, tol, p):
            excused.append(f"{inst.problem.name} ({p.name})")
            return 0.0
        if bad.size:
            j = int(bad[0])
            raise Violation(counterexample(
                inst, hp, f"{bound.quantity} exceeds the bound {bound.id} at k={ks[j]}{where}",
                step=int(ks[j]), observed=float(obs_k[j]), bound=float(bnd[j]),
                observed_curve=[float(v) for v in obs], bound_curve=[float(v) for v in bnd],
                bound_start=bound.k_min))
        # iteration count: eps = the bound halfway; the observed first hit must come no later than k(eps)
        eps = float(bnd[len(bnd) // 2])
        if eps > 10 * tol:
            k_bound = float(bound.k_eps(eps, **vals))
            hit = np.nonzero(obs <= eps * (1 + RTOL) + tol)[0]
            k_obs = int(hit[0]) if hit.size else steps + 1
            iters.append((k_obs, int(k_bound)))
            if k_obs > k_bound:
                raise Violation(counterexample(
                    inst, hp, f"reached eps={eps:.3g} only at k={k_obs}, after the bound's k(eps)={k_bound:g}"
                    f"{where}",
                    step=k_obs, observed=float(obs[min(k_obs, steps)]), bound=eps))
        return ratio

    t0 = time.perf_counter()
    out = search(instances(setting), body, config, explicit=setting.tight())
    details = seen.details()
    if excused:
        details["excused by rounded hyperparameters"] = excused
    if iters:
        details["iterations"] = {"examples": len(iters), "max observed/bound k(eps)":
                                 max(a / b for a, b in iters if b > 0) if any(b > 0 for _, b in iters) else None}
    return PropertyResult(
        "bound", setting.name, "fail" if out.counterexample else "pass", out.examples, out.worst_ratio,
        out.counterexample.message if out.counterexample else f"within {bound.id} on every k"
        + "".join(f" (checked in {d}, floor up to {f:.2g})" for d, f in sorted(floors.items()))
        + (f"; {len(excused)} instance(s) excused, where the reference method with its hyperparameters rounded "
           f"to the same precision breaks the bound too: {excused[0]}" if excused else ""),
        bound.id, out.counterexample, time.perf_counter() - t0, details)


def above(bound: Bound, inst: Instance, xs: np.ndarray, bnd: np.ndarray, tol: float,
          ) -> tuple[np.ndarray, np.ndarray]:
    """The bound's quantity along the iterates xs, and the steps (counted from bound.k_min) where it exceeds the
    bound beyond the allowance tol: one rule for the optimizer under test and for the rounded reference."""
    obs = measure(bound.quantity, inst.problem, xs, inst.x_star)
    return obs, np.nonzero(obs[bound.k_min:] > bnd * (1 + RTOL) + tol)[0]
