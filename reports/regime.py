"""The GD/SGD regime map: in the (n, eps) plane, theory's crossover n*(eps) against which method measured
fewer component-gradient evaluations at sampled points (on the finite sums of checks.properties.regimes)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..checks.properties.regimes import P, measure
from ..methods import get as get_method
from ..theory import get


def predicted_n_star(eps: float) -> float:
    return float(get("work.crossover").evaluate(eps=eps, **P))


def measure_regimes(ns: Sequence[int], epss: Sequence[float], seed: int = 0,
                    advance: Callable[[], None] | None = None, gd_opt: Any = None,
                    sgd_opt: Any = None) -> list[dict[str, Any]]:
    """For each (n, eps): the work each method measured, the measured and the predicted winner.
    gd_opt / sgd_opt: the optimizers to measure (default: the methods' reference implementations)."""
    gd_opt = gd_opt or get_method("gd").reference
    sgd_opt = sgd_opt or get_method("sgd").reference
    points = []
    for eps in epss:
        n_star = predicted_n_star(eps)
        for n in ns:
            m = measure(int(n), gd_opt, sgd_opt, seed, eps)
            measured = "sgd" if m["sgd_work"] < m["gd_work"] else "gd"
            predicted = "sgd" if n > n_star else "gd"
            points.append({**m, "n_star": n_star, "measured": measured, "predicted": predicted,
                           "agree": measured == predicted})
            if advance:
                advance()
    return points


def regime_figure(points: Sequence[dict[str, Any]]) -> Figure:
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    epss = np.geomspace(min(p["eps"] for p in points) / 2, min(0.5, max(p["eps"] for p in points) * 2), 80)
    ax.plot([predicted_n_star(e) for e in epss], epss, "k-", lw=1.5, label="predicted crossover n*(eps)")
    for who, colour in (("sgd", "C0"), ("gd", "C3")):
        for agree, marker in ((True, "o"), (False, "x")):
            sel = [p for p in points if p["measured"] == who and p["agree"] == agree]
            if sel:
                ax.plot([p["n"] for p in sel], [p["eps"] for p in sel], marker, color=colour, ls="none", ms=8,
                        label=f"{who.upper()} measured cheaper" + ("" if agree else " (disagrees)"))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("n (components)")
    ax.set_ylabel("eps (target E||x - x*||^2)")
    rate = np.mean([p["agree"] for p in points])
    ax.set_title(f"GD vs SGD: theory and measurement agree at {rate:.0%} of {len(points)} points")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
