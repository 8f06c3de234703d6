"""The three-way regime map: in the (n, eps) plane, which of GD, SGD and SVRG the work bounds predict cheapest
(theory.work.cheapest: work.gd ~ n kappa log(1/eps), work.sgd ~ 1/eps, work.svrg ~ (n + kappa) log(1/eps)) against
which one measured the fewest component-gradient evaluations to reach E||x - x*||^2 <= eps.

Instances: the finite-sum noisy quadratics of the GD/SGD map (f_i = f + z_i^T x, noise variance exactly sigma^2,
every f_i L-smooth), d = 2, x_0 - x* along the mu-eigenvector, with a larger kappa (P3) so that the three regions
exist. On these sums grad f_i(x) - grad f_i(x~) = grad f(x) - grad f(x~), so SVRG's inner steps are exact gradient
steps of size eta: its measured work is far below Johnson & Zhang's bound, and the map shows where that matters.
Each method runs the theory's hyperparameters: GD step 1/L, SGD eta_k = 2/(mu (k+1) + L), SVRG eta = 1/(10 L),
m = 50 L/mu, option II; SGD and SVRG are averaged over independent runs (vectorised reference implementations).
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

from ..implementations import gradient_descent, sgd_replicates, svrg_replicates
from ..implementations.problems import noisy_quadratic, worst_case_start
from ..theory import get
from ..theory.work import cheapest, works

P3 = {"L": 10.0, "mu": 1.0, "sigma": 3.0, "R": 1.0}
METHODS = ("gd", "sgd", "svrg")
COLOURS = {"gd": "C3", "sgd": "C0", "svrg": "C2"}
RUNS = 16
NS = (10, 100, 1000, 10_000, 100_000)
EPSS = (1e-2, 1e-3, 1e-4)


def _first_hit(curve: np.ndarray, eps: float) -> int | None:
    hit = np.nonzero(curve <= eps)[0]
    return int(hit[0]) if hit.size else None


def measure3(n: int, eps: float, seed: int = 0, params: dict[str, float] | None = None) -> dict[str, Any]:
    """Component gradients GD, SGD and SVRG (reference implementations) spend to reach E||x - x*||^2 <= eps."""
    p = dict(P3 if params is None else params)
    L, mu, R = p["L"], p["mu"], p["R"]
    problem = noisy_quadratic(2, mu, L, p["sigma"] ** 2, seed, n=n)
    x0, x_star = worst_case_start(problem, "min", R), problem.x_star
    inf = math.inf
    # GD, step 1/L: n per step, up to twice its (tight) bound's count
    k_gd = int(get("work.gd").k_eps(eps, L=L, mu=mu, R=R))
    xs = gradient_descent(problem.grad, x0, 1 / L, 2 * k_gd + 10)
    hit = _first_hit(np.sum((xs - x_star) ** 2, axis=1), eps)
    gd_work = inf if hit is None else n * hit
    # SVRG, work.svrg's eta and m, option II: n + 2m per epoch, up to its bound's count
    m = math.ceil(50 * L / mu)
    epochs = int(get("work.svrg").k_eps(eps, L=L, mu=mu, R=R)) + 1
    snaps = svrg_replicates(problem.grad, problem.grad_i_batched, n, x0, 1 / (10 * L), epochs, seed + 1, RUNS,
                            inner_steps=m, snapshot="random")
    hit = _first_hit(np.mean(np.sum((snaps - x_star) ** 2, axis=2), axis=0), eps)
    svrg_work = inf if hit is None else hit * (n + 2 * m)
    # SGD, work.sgd's schedule, one per step: horizons growing 4x (the same seed replays the same prefix), up to
    # its bound's count or the others' best work, beyond which SGD is not the cheapest anyway
    cap = min(int(get("work.sgd").evaluate(eps=eps, **p)) + 10, int(min(gd_work, svrg_work, 1e12)) + 1)
    lr = lambda k: 2 / (mu * (k + 1) + L)  # noqa: E731
    sgd_work, horizon = inf, min(cap, 1000)
    while True:
        xs = sgd_replicates(problem.grad_i_batched, n, x0, lr, horizon, seed, RUNS)
        hit = _first_hit(np.mean(np.sum((xs - x_star) ** 2, axis=2), axis=0), eps)
        if hit is not None or horizon >= cap:
            sgd_work = inf if hit is None else hit
            break
        horizon = min(cap, 4 * horizon)
    # sgd_work = inf: SGD had not reached eps after sgd_cap steps (so it was not the cheapest)
    return {"n": n, "eps": eps, "gd_work": gd_work, "sgd_work": sgd_work, "svrg_work": svrg_work, "sgd_cap": cap}


def measure_regimes3(ns: Sequence[int] = NS, epss: Sequence[float] = EPSS, seed: int = 0,
                     advance: Callable[[], None] | None = None, params: dict[str, float] | None = None,
                     ) -> list[dict[str, Any]]:
    """For each (n, eps): the three measured works, the predicted works, the measured and predicted winners."""
    p = dict(P3 if params is None else params)
    points = []
    for eps in epss:
        for n in ns:
            row = measure3(int(n), eps, seed, p)
            predicted = works(n, eps, **p)
            measured = min(METHODS, key=lambda w: row[f"{w}_work"])
            winner = cheapest(n, eps, **p)
            points.append({**row, **{f"{w}_predicted": predicted[w] for w in METHODS}, "measured": measured,
                           "predicted": winner, "agree": measured == winner})
            if advance:
                advance()
    return points


def regime3_figure(points: Sequence[dict[str, Any]], params: dict[str, float] | None = None) -> Figure:
    """The predicted regions (shaded, from the work bounds) with the measured winner at each point."""
    p = dict(P3 if params is None else params)
    ns = np.geomspace(min(q["n"] for q in points) / 2, max(q["n"] for q in points) * 2, 120)
    epss = np.geomspace(min(q["eps"] for q in points) / 2, min(0.5, max(q["eps"] for q in points) * 2), 80)
    grid = np.array([[METHODS.index(cheapest(n, e, **p)) for n in ns] for e in epss])
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    from matplotlib.colors import ListedColormap

    ax.pcolormesh(ns, epss, grid, cmap=ListedColormap([COLOURS[w] for w in METHODS]), alpha=0.18, shading="auto",
                  vmin=0, vmax=len(METHODS) - 1)
    for who in METHODS:
        for agree, marker in ((True, "o"), (False, "x")):
            sel = [q for q in points if q["measured"] == who and q["agree"] == agree]
            if sel:
                ax.plot([q["n"] for q in sel], [q["eps"] for q in sel], marker, color=COLOURS[who], ls="none", ms=8,
                        label=f"{who.upper()} measured cheapest" + ("" if agree else " (theory: another)"))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("n (components)")
    ax.set_ylabel("eps (target E||x - x*||^2)")
    rate = np.mean([q["agree"] for q in points])
    ax.set_title(f"GD / SGD / SVRG (kappa = {p['L'] / p['mu']:g}): shaded = predicted cheapest; "
                 f"agreement {rate:.0%}", fontsize=9)
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    return fig
