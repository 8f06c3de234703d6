"""Property 6: the flops regimes. On finite sums where theory predicts SGD cheaper (n well above the
crossover n*) SGD reaches eps with fewer component-gradient evaluations than GD; where it predicts GD
cheaper (n well below n*) GD uses fewer. Both directions are checked, with the optimizer under test on
its side and the reference implementation of the other method on the other.

Problem: f_i(x) = 1/2 x^T H x - c^T x + z_i^T x (a least-squares finite sum whose noise has exactly the
variance sigma^2 at every x, so work.crossover's assumptions hold exactly); eps = 0.01 R^2.
Margins: n = 10 n* and n = n*/30, because SGD's bound is loose by a constant (about 4) and GD's is tight.
"""

from __future__ import annotations

import time

import numpy as np

from ...implementations import sgd_replicates
from ...implementations.problems import noisy_quadratic, worst_case_start
from ...methods import Method, all_methods
from ...methods import get as get_method
from ...theory import get
from ..config import Config
from ..methods import prescribed
from ..report import Counterexample, PropertyResult
from ..run import run

P = {"L": 4.0, "mu": 1.0, "sigma": 3.0, "R": 1.0}
EPS = 0.01
ABOVE, BELOW = 10.0, 1 / 30
SGD_RUNS = 32


def _first_hit(curve: np.ndarray, eps: float) -> int | None:
    hit = np.nonzero(curve <= eps)[0]
    return int(hit[0]) if hit.size else None


def measure(n: int, gd_opt: object, sgd_opt: object, seed: int, eps: float = EPS) -> dict[str, object]:
    """Component-gradient evaluations GD and SGD spend to reach E||x - x*||^2 <= eps on one instance."""
    problem = noisy_quadratic(2, P["mu"], P["L"], P["sigma"] ** 2, seed, n=n)
    x0 = worst_case_start(problem, "min", P["R"])
    x_star = problem.x_star
    gd, sgd = get_method("gd"), get_method("sgd")
    gd_setting = gd.setting(gd.regime)  # strongly convex: lr = 1/L
    k_pred = int(get("work.gd").k_eps(eps, L=P["L"], mu=P["mu"], R=P["R"]))
    r = run(gd, gd_opt, problem, x0, prescribed(gd_setting, problem, {}), 2 * k_pred + 10)
    if r.error:
        return {"error": f"gd: {r.error}"}
    k_gd = _first_hit(np.sum((r.xs - x_star) ** 2, axis=1), eps)
    sgd_setting = sgd.setting(sgd.regime)  # decreasing schedule of sgd.decreasing / work.sgd
    hp = prescribed(sgd_setting, problem, {})
    # Up to the bound's own count: an SGD that has not reached eps by then loses anyway.
    k_max = int(get("work.sgd").evaluate(eps=eps, **P)) + 10
    if sgd_opt is sgd.reference:  # the reference: vectorised replicates (same law as one-by-one runs)
        xs = sgd_replicates(problem.grad_i_batched, n, x0, hp["lr"], k_max, seed, SGD_RUNS)
        sq = np.mean(np.sum((xs - x_star) ** 2, axis=2), axis=0)
    else:
        sq = np.zeros(k_max + 1)
        for s in np.random.SeedSequence(seed).generate_state(SGD_RUNS):
            out = run(sgd, sgd_opt, problem, x0, hp, k_max, seed=int(s))
            if out.error:
                return {"error": f"sgd: {out.error}"}
            sq += np.sum((out.xs - x_star) ** 2, axis=1) / SGD_RUNS
    k_sgd = _first_hit(sq, eps)
    inf = float("inf")
    return {"n": n, "eps": eps, "gd_work": inf if k_gd is None else n * k_gd,
            "sgd_work": inf if k_sgd is None else k_sgd}


def check(method: Method, optimizer: object, config: Config) -> PropertyResult:
    t0 = time.perf_counter()
    if method.regime is None:
        names = [m.name for m in all_methods() if m.regime]
        return PropertyResult("regimes", "finite_sum", "skipped",
                              message=f"only {', '.join(names[:-1])} and {names[-1]} have work regimes")
    n_star = float(get("work.crossover").evaluate(eps=EPS, **P))
    # The optimizer under test on its side of the comparison, the other method's reference on the other.
    opts = {m.name: optimizer if m.name == method.name else m.reference for m in all_methods() if m.regime}
    gd_opt, sgd_opt = opts["gd"], opts["sgd"]
    rows, ce = [], None
    seed = 0 if config.seed is None else config.seed
    for factor, winner in ((ABOVE, "sgd"), (BELOW, "gd")):
        n = max(2, round(factor * n_star))
        m = measure(n, gd_opt, sgd_opt, seed)
        if "error" in m:
            ce = Counterexample(f"at n={n}: {m['error']}")
            break
        rows.append(m)
        measured = "sgd" if m["sgd_work"] < m["gd_work"] else "gd"
        if measured != winner:
            ce = Counterexample(
                f"at n={n} ({factor:g} n*, n* = {n_star:.0f}) theory predicts {winner.upper()} needs fewer "
                f"component gradients to reach E||x - x*||^2 <= {EPS}, but GD used {m['gd_work']} and SGD "
                f"{m['sgd_work']}", problem=f"noisy finite-sum quadratic, d=2, n={n}", d=2, n=n, L=P["L"],
                mu=P["mu"], kappa=P["L"] / P["mu"], observed=float(m[f"{winner}_work"]))
            break
    return PropertyResult("regimes", "finite_sum", "fail" if ce else "pass", len(rows), None,
                          ce.message if ce else f"the cheaper method on each side of n* = {n_star:.0f} is as predicted",
                          "work.crossover", ce, time.perf_counter() - t0, {"n_star": n_star, "runs": rows})
