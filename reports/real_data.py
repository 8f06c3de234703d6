"""The lecture's GD/SGD claim on real data: component gradients each method spends to reach a target accuracy on
logistic regression (convex and nonconvex) over scikit-learn's data sets, against theory's predicted crossover.

Per data set, size n (a random subset of the rows, seeded) and target eps:

    convex      f = mean log(1 + exp(-y a^T x)) + lam/2 ||x||^2 (mu = lam, L exact); from x_0 = 0,
                target E||x - x*||^2 <= eps, eps = eps_rel R^2 with R = ||x*||. GD with step 1/L (work n per
                step) against SGD with sgd.decreasing's 2/(mu (k+1) + L) (work 1 per step). Prediction:
                work.crossover's n*(eps).
    nonconvex   the regulariser lam sum_j x_j^2/(1 + x_j^2) instead (L exact, f_low = 0); target
                ||grad f||^2 <= eps, eps = eps_rel ||grad f(0)||^2, GD judged by min_{i<=k} ||grad f(x_i)||^2,
                SGD by E||grad f(x_R)||^2 (the mean over runs and over iterates j < k, read at every m-th
                iterate), with sgd.nonconvex_horizon's step for the predicted horizon. Prediction:
                work.nonconvex_crossover's n*(eps).

sigma^2 enters the predictions twice: `sigma2_bound` is the proven bound on the component variance at every x
(the mean of ||a_i||^2; what the theorems assume), `sigma2_plugin` a measured value (convex: the variance at
x*; nonconvex: its largest value along GD's path). The predicted winner uses the plug-in value (the bound
predicts GD everywhere on these sizes); both crossovers are reported and drawn. An SGD that has not reached eps
after twice GD's work has lost; its work is then reported as inf.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..implementations import gradient_descent
from ..implementations.problems.datasets import dataset_problem, load
from ..theory import get

KINDS = ("convex", "nonconvex")
EPS_REL = {"convex": (0.3, 0.1, 0.03, 0.01), "nonconvex": (0.1, 0.01, 0.001)}
FRACTIONS = (0.25, 0.5, 1.0)
RUNS = 8
SGD_CAP = 2.0  # SGD steps allowed, in units of GD's measured work


def _first_hit(curve: np.ndarray, eps: float) -> int | None:
    hit = np.nonzero(curve <= eps)[0]
    return int(hit[0]) if hit.size else None


def _variance(problem, x: np.ndarray) -> float:
    """(1/n) sum_i ||grad f_i(x) - grad f(x)||^2, exactly (all n components)."""
    comps = problem.grad_i_batched(np.tile(x, (problem.n, 1)), np.arange(problem.n)[:, None])
    return float(np.mean(np.sum((comps - problem.grad(x)) ** 2, axis=1)))


def _sgd_stream(problem, x0: np.ndarray, lr: Callable[[int], float], steps: int, runs: int, seed: int,
                every: int, measure: Callable[[np.ndarray], np.ndarray], stop: Callable[[np.ndarray], bool]
                ) -> tuple[np.ndarray, np.ndarray]:
    """`runs` SGD runs (batch 1, with replacement) as one vectorised loop without storing iterates; at every
    `every`-th step (from 0) measure(X) -> per-run values is averaged over runs. Stops early when stop(curve)."""
    rng = np.random.default_rng(seed)
    X = np.tile(x0, (runs, 1))
    ks, vals = [], []
    for start in range(0, steps + 1, 4096):
        idx = rng.integers(problem.n, size=(min(4096, steps + 1 - start), runs, 1))
        for j, batch in enumerate(idx):
            k = start + j
            if k % every == 0:
                ks.append(k)
                vals.append(float(np.mean(measure(X))))
                if stop(np.asarray(vals)):
                    return np.array(ks), np.array(vals)
            if k < steps:
                X = X - lr(k) * problem.grad_i_batched(X, batch)
    return np.array(ks), np.array(vals)


def measure_convex(problem, sigma2_bound: float, eps_rel: float, runs: int = RUNS, seed: int = 0
                   ) -> dict[str, Any]:
    """GD and SGD work to E||x - x*||^2 <= eps_rel R^2 on a strongly convex problem, and work.crossover."""
    x_star, x0 = problem.x_star, np.zeros(problem.d)
    R2 = float(x_star @ x_star)
    eps = eps_rel * R2
    L, mu, n = problem.L, problem.mu, problem.n
    k_pred = int(get("work.gd").k_eps(eps, L=L, mu=mu, R=math.sqrt(R2)))
    xs = gradient_descent(problem.grad, x0, 1 / L, 2 * k_pred + 10)
    k_gd = _first_hit(np.sum((xs - x_star) ** 2, axis=1), eps)
    gd_work = math.inf if k_gd is None else n * k_gd
    cap = int(SGD_CAP * (gd_work if k_gd is not None else n * (2 * k_pred + 10))) + 1

    def dist2(X):
        return np.sum((X - x_star) ** 2, axis=1)

    ks, curve = _sgd_stream(problem, x0, lambda k: 2 / (mu * (k + 1) + L), cap, runs, seed, 1, dist2,
                            lambda c: c[-1] <= eps)
    hit = _first_hit(curve, eps)
    sgd_work = math.inf if hit is None else int(ks[hit])
    out = {"eps": eps, "R2": R2, "gd_work": gd_work, "sgd_work": sgd_work, "sigma2_plugin": problem.sigma2_star,
           "sigma2_bound": sigma2_bound}
    cross = get("work.crossover")
    for key, s2 in (("n_star", out["sigma2_plugin"]), ("n_star_bound", out["sigma2_bound"])):
        out[key] = float(cross.evaluate(eps=eps, L=L, mu=mu, sigma=math.sqrt(s2), R=math.sqrt(R2)))
    return out


def measure_nonconvex(problem, sigma2_bound: float, eps_rel: float, runs: int = RUNS, seed: int = 0
                      ) -> dict[str, Any]:
    """GD and SGD work to ||grad f||^2 <= eps_rel ||grad f(0)||^2 (see the module docstring), and
    work.nonconvex_crossover."""
    x0 = np.zeros(problem.d)
    g0 = problem.grad(x0)
    eps = eps_rel * float(g0 @ g0)
    L, n, delta0 = problem.L, problem.n, problem.f(x0) - problem.f_low
    k_pred = int(get("gd.nonconvex").k_eps(eps, L=L, Delta0=delta0))
    xs = gradient_descent(problem.grad, x0, 1 / L, k_pred)
    g2 = np.array([float(g @ g) for g in map(problem.grad, xs)])
    k_gd = _first_hit(np.minimum.accumulate(g2), eps)
    gd_work = math.inf if k_gd is None else n * k_gd
    probe = xs[np.unique(np.linspace(0, len(xs) - 1, 12).astype(int))]
    s2 = max(_variance(problem, x) for x in probe)
    horizon = get("sgd.nonconvex_horizon")
    k_sgd_pred = float(horizon.k_eps(eps, L=L, Delta0=delta0, sigma=math.sqrt(s2)))
    lr = min(1 / L, math.sqrt(2 * delta0 / L) / (math.sqrt(s2) * math.sqrt(k_sgd_pred)))  # its prescribed step
    cap = int(SGD_CAP * (gd_work if k_gd is not None else n * k_pred)) + 1
    every = max(1, min(100, cap // 400))

    def grad2(X):
        G = np.array([problem.grad(x) for x in X])
        return np.sum(G * G, axis=1)

    def reached(c):  # running mean over the checkpoints so far (R uniform over the iterates read)
        return np.cumsum(c)[-1] / c.size <= eps

    ks, curve = _sgd_stream(problem, x0, lambda k: lr, cap, runs, seed, every, grad2, reached)
    hit = _first_hit(np.cumsum(curve) / np.arange(1, curve.size + 1), eps)
    sgd_work = math.inf if hit is None else int(ks[hit]) + 1
    bound = sigma2_bound
    cross = get("work.nonconvex_crossover")
    return {"eps": eps, "grad0_sq": float(g0 @ g0), "gd_work": gd_work, "sgd_work": sgd_work, "lr_sgd": lr,
            "sigma2_plugin": s2, "sigma2_bound": bound,
            "n_star": float(cross.evaluate(eps=eps, L=L, Delta0=delta0, sigma=math.sqrt(s2))),
            "n_star_bound": float(cross.evaluate(eps=eps, L=L, Delta0=delta0, sigma=math.sqrt(bound)))}


def measure_real_data(name: str, *, lam: float = 0.1, kinds: Sequence[str] = KINDS,
                      fractions: Sequence[float] = FRACTIONS, eps_rel: dict[str, Sequence[float]] | None = None,
                      runs: int = RUNS, seed: int = 0, advance: Callable[[], None] | None = None,
                      sizes: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """One row per (kind, n, eps): both methods' measured work, the predicted and the measured winner.
    `sizes` (rows used) overrides `fractions` (of the data set's rows)."""
    data = load(name)
    eps_rel = eps_rel or EPS_REL
    sizes = sizes or [max(2, round(frac * data.n)) for frac in fractions]
    points = []
    for kind in kinds:
        for size in sizes:
            sub = data.subsample(int(size), seed)
            problem = dataset_problem(sub, kind, lam)
            for e in eps_rel[kind]:
                sigma2_bound = float(np.mean(np.sum(sub.A**2, axis=1)))  # mean ||a_i||^2, see the docstring
                m = (measure_convex if kind == "convex" else measure_nonconvex)(problem, sigma2_bound, e, runs, seed)
                measured = "sgd" if m["sgd_work"] < m["gd_work"] else "gd"
                predicted = "sgd" if sub.n > m["n_star"] else "gd"
                points.append({"data": name, "kind": kind, "n": sub.n, "d": sub.d, "lam": lam, "L": problem.L,
                               "eps_rel": e, **m, "predicted": predicted, "measured": measured,
                               "agree": measured == predicted,
                               "predicted_bound": "sgd" if sub.n > m["n_star_bound"] else "gd"})
                if advance:
                    advance()
    return points


def real_data_figure(points: Sequence[dict[str, Any]]) -> Figure:
    """Per kind a panel of the (n, eps_rel) plane: measured winners and both predicted crossovers."""
    kinds = [k for k in KINDS if any(p["kind"] == k for p in points)]
    fig, axes = plt.subplots(1, len(kinds), figsize=(6.0 * len(kinds), 4.4), squeeze=False)
    name = points[0]["data"]
    for ax, kind in zip(axes[0], kinds, strict=True):
        sel = [p for p in points if p["kind"] == kind]
        n_max = max(p["n"] for p in sel)
        full = sorted((p for p in sel if p["n"] == n_max), key=lambda p: p["eps_rel"])
        # the crossover at the full data set's constants (the subsets' differ slightly), on the measured eps
        for key, style, label in (("n_star", "k-", "predicted n* (sigma^2 measured)"),
                                  ("n_star_bound", "k--", "predicted n* (sigma^2 bound)")):
            ax.plot([p[key] for p in full], [p["eps_rel"] for p in full], style, lw=1.3, label=label)
        for who, colour in (("sgd", "C0"), ("gd", "C3")):
            for agree, marker in ((True, "o"), (False, "x")):
                pts = [p for p in sel if p["measured"] == who and p["agree"] == agree]
                if pts:
                    ax.plot([p["n"] for p in pts], [p["eps_rel"] for p in pts], marker, color=colour, ls="none",
                            ms=8, label=f"{who.upper()} measured cheaper" + ("" if agree else " (disagrees)"))
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("n (rows used)")
        ax.set_ylabel("eps / R^2  (E||x - x*||^2)" if kind == "convex" else "eps / ||grad f(0)||^2")
        rate = np.mean([p["agree"] for p in sel])
        ax.set_title(f"{name}, {kind}: agreement {rate:.0%} of {len(sel)}", fontsize=10)
        ax.axvspan(n_max, ax.get_xlim()[1], color="0.92", zorder=0)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


COLUMNS = ("kind", "n", "eps/scale", "n*(eps)", "n* (sigma^2 bound)", "GD work", "SGD work", "predicted",
           "measured", "agree")


def table_rows(points: Sequence[dict[str, Any]]) -> list[tuple[str, ...]]:
    """The points as rows of strings under COLUMNS (scale: R^2 for convex, ||grad f(0)||^2 for nonconvex)."""
    return [(p["kind"], str(p["n"]), f"{p['eps_rel']:g}", f"{p['n_star']:.0f}", f"{p['n_star_bound']:.0f}",
             f"{p['gd_work']:.0f}", f"{p['sgd_work']:.0f}", p["predicted"], p["measured"],
             "yes" if p["agree"] else "NO") for p in points]
