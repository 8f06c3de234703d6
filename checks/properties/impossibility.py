"""Property 7: impossible speed. On Nesterov's worst-case functions no first-order method (iterates in x_0 +
span of the gradients seen) can beat lower.convex / lower.strongly_convex. An optimizer that does must be
using information beyond the oracle (reading the problem's data, extra gradient calls, ...), and is flagged."""

from __future__ import annotations

import time

import numpy as np

from ...implementations.problems import nesterov_worst_case
from ...theory import get
from ..config import Config
from ..methods import Setting, prescribed, settings_for
from ..report import Counterexample, PropertyResult
from ..run import RTOL, Unsupported, allowance, measure, run
from ..strategies import Instance

K = 30  # steps checked on the strongly convex instance
CONVEX_KS = (1, 2, 3, 5, 10, 20)  # lower.convex's worst function depends on k: one instance (d = 2k+1) per k


def _cases(method: str) -> list[tuple[Setting, Instance, str, int]]:
    """(setting whose hyperparameters to use, instance, lower bound, steps to check)."""
    by_name = {s.name: s for s in settings_for(method)}
    out = []
    convex = by_name.get("convex")  # heavy ball has no convex setting: its guarantee needs mu > 0
    if convex is not None:
        for k in CONVEX_KS:
            p = nesterov_worst_case(2 * k + 1, 1.0)
            out.append((convex, Instance(p, np.zeros(p.d), "zero"), "lower.convex", k))
    strong = by_name.get("strongly_convex") or by_name.get("quadratic")
    if strong is not None:
        p = nesterov_worst_case(400, 100.0, 1.0)
        inst = Instance(p, np.zeros(p.d), "zero")
        if strong.bound_id == "gd.quadratic":
            inst.drawn["eta"] = 1 / 100.0
        out.append((strong, inst, "lower.strongly_convex", K))
    return out


def check(method: str, optimizer: object, config: Config) -> PropertyResult:
    t0 = time.perf_counter()
    if method == "sgd":
        return PropertyResult("impossibility", "worst_case", "skipped",
                              message="the lower bounds are for deterministic first-order methods")
    ce, worst, skipped = None, None, []
    cases = _cases(method)
    for setting, inst, lower_id, steps in cases:
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
        ks = np.arange(1, steps + 1) if lower_id == "lower.strongly_convex" else np.array([steps])
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
