"""Property 7: impossible speed. On Nesterov's worst-case functions no first-order method (iterates in x_0 +
span of the gradients seen) can beat lower.convex / lower.strongly_convex. An optimizer that does must be
using information beyond the oracle (reading the problem's data, extra gradient calls, ...), and is flagged."""

from __future__ import annotations

import time

import numpy as np

from ...implementations.problems import nesterov_worst_case
from ...methods import Method, Setting
from ...theory import get
from ..config import Config
from ..methods import prescribed
from ..report import Counterexample, PropertyResult
from ..run import RTOL, Unsupported, allowance, measure, run
from ..strategies import Instance

K = 30  # steps checked on the strongly convex instance
CONVEX_KS = (1, 2, 3, 5, 10, 20)  # the k's lower.convex is checked at


def _convex_worst() -> list[tuple[Instance, int]]:
    """lower.convex's worst function depends on k: one instance (d = 2k+1) per k, checked at that k."""
    return [(Instance(p, np.zeros(p.d), "zero"), k) for k in CONVEX_KS
            for p in [nesterov_worst_case(2 * k + 1, 1.0)]]


def _strongly_convex_worst() -> list[tuple[Instance, int]]:
    p = nesterov_worst_case(400, 100.0, 1.0)
    return [(Instance(p, np.zeros(p.d), "zero"), K)]


# lower bound -> (its worst-case instances with their steps, whether it holds at every k up to them)
LOWER_BOUNDS = {"lower.convex": (_convex_worst, False), "lower.strongly_convex": (_strongly_convex_worst, True)}


def _cases(method: Method) -> list[tuple[Setting, Instance, str, int, bool]]:
    """(setting whose hyperparameters to use, instance, lower bound, steps, every k?): for each lower bound,
    the first of the method's settings naming it (Setting.lower_bound; heavy ball has no convex one: its
    guarantee needs mu > 0)."""
    out = []
    for lower_id, (worst, every_k) in LOWER_BOUNDS.items():
        setting = next((s for s in method.settings if s.lower_bound == lower_id), None)
        if setting is not None:
            out += [(setting, inst, lower_id, steps, every_k) for inst, steps in worst()]
    return out


def check(method: Method, optimizer: object, config: Config) -> PropertyResult:
    t0 = time.perf_counter()
    if method.stochastic:
        return PropertyResult("impossibility", "worst_case", "skipped",
                              message="the lower bounds are for deterministic first-order methods")
    ce, worst, skipped = None, None, []
    cases = _cases(method)
    for setting, inst, lower_id, steps, every_k in cases:
        lower = get(lower_id)
        hp = prescribed(setting, inst.problem, inst.drawn)
        try:
            r = run(method, optimizer, inst.problem, inst.x0, hp, steps)
        except Unsupported as exc:  # this case's hyperparameters cannot be expressed: check the others
            skipped.append(f"{lower_id} on {inst.problem.name}: {exc}")
            continue
        if r.error:
            ce = Counterexample(f"on {inst.problem.name}: {r.error}", problem=inst.problem.name, d=inst.problem.d)
            break
        x_star = inst.x_star
        obs = measure(lower.quantity, inst.problem, r.xs, x_star)
        vals = {"L": inst.problem.L, "mu": inst.problem.mu, "R": float(np.linalg.norm(inst.x0 - x_star))}
        # lower.convex holds at the k its instance was built for; lower.strongly_convex at every k
        ks = np.arange(1, steps + 1) if every_k else np.array([steps])
        lb = lower.evaluate(k=ks, **{p: vals[p] for p in lower.parameters if p != "k"})
        tol = allowance(lower.quantity, inst.problem, inst.x0, x_star)
        ratio = obs[ks] / lb
        worst = float(ratio.min()) if worst is None else min(worst, float(ratio.min()))
        bad = np.nonzero(obs[ks] < lb * (1 - RTOL) - tol)[0]
        if bad.size:
            k = int(ks[bad[0]])
            ce = Counterexample(
                f"faster than any first-order method can be: at k={k} {lower.quantity} = {obs[k]:.6g} is below "
                f"the lower bound {lower_id} = {lb[bad[0]]:.6g}; the optimizer must use information beyond the "
                "gradient oracle", problem=inst.problem.name, d=inst.problem.d, n=1, L=inst.problem.L,
                mu=inst.problem.mu, step=k, observed=float(obs[k]), bound=float(lb[bad[0]]),
                observed_curve=[float(v) for v in obs])
            break
    checked = len(cases) - len(skipped)
    if not checked:
        return PropertyResult("impossibility", "worst_case", "skipped", message=skipped[0] if skipped else "",
                              seconds=time.perf_counter() - t0, details={"skipped": skipped})
    return PropertyResult("impossibility", "worst_case", "fail" if ce else "pass", checked, worst,
                          ce.message if ce else "no faster than the lower bounds allow" + (
                              f" (skipped {len(skipped)} case(s) the optimizer cannot express)" if skipped else ""),
                          None, ce, time.perf_counter() - t0, {"min observed/lower": worst, "skipped": skipped})
