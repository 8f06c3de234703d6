"""Figures of check results. Each returns a Figure; series are labelled lines (the data behind the picture)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # files only: no display is needed or assumed
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..checks.report import Counterexample, PropertyResult


def trajectory_figure(result: PropertyResult) -> Figure:
    """Each example's observed quantity and bound against k, both divided by the bound's first value (so every
    example starts at 1 and the bound is a common envelope); the worst example (largest observed/bound) in colour."""
    examples = result.details.get("examples") or []
    worst = result.details.get("worst")
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    others = [e for i, e in enumerate(examples) if i != worst]
    for j, e in enumerate(others):
        k, obs, bnd = np.array(e["k"]), np.array(e["observed"]), np.array(e["bound"])
        scale = bnd[0] if bnd[0] > 0 else 1.0
        ax.plot(k, obs / scale, color="0.7", lw=0.8, label="observed" if j == 0 else None)
    if worst is not None:
        e = examples[worst]
        k, obs, bnd = np.array(e["k"]), np.array(e["observed"]), np.array(e["bound"])
        scale = bnd[0] if bnd[0] > 0 else 1.0
        ax.plot(k, obs / scale, color="C3", lw=3, alpha=0.8, label=f"worst observed (ratio {e['ratio']:.3g})")
        ax.plot(k, bnd / scale, "k--", lw=1.2, zorder=3, label="bound (worst example)")  # on top: it may coincide
    ax.set_yscale("log")
    ax.set_ylim(bottom=1e-12)  # runs stop once the bound has fallen by 1e-9; below is rounding noise
    ax.set_xlabel("k")
    ax.set_ylabel("observed / bound at k = first")
    ax.set_title(f"{result.bound_id or result.property}: {len(examples)} examples")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def ratio_histogram(results: Sequence[PropertyResult]) -> Figure:
    """Histogram of max_k observed/bound over all examples of the given results, one colour per setting."""
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for r in results:
        ratios = [x for x in r.details.get("ratios", []) if x > 0]
        if ratios:
            ax.hist(ratios, bins=np.linspace(0, max(1.05, max(ratios) * 1.05), 30), alpha=0.6,
                    label=f"{r.bound_id} ({len(ratios)})")
    ax.axvline(1.0, color="k", ls="--", lw=1, label="bound")
    ax.set_xlabel("max over k of observed / bound")
    ax.set_ylabel("examples")
    ax.set_title("How tight the theory is in practice")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def counterexample_figure(ce: Counterexample) -> Figure:
    """A failure: observed against the bound, with the breaking step marked."""
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    if ce.observed_curve:
        obs = np.array(ce.observed_curve)
        ax.plot(np.arange(len(obs)), obs, color="C3", lw=2, label="observed")
    if ce.bound_curve:
        bnd = np.array(ce.bound_curve)
        ax.plot(ce.bound_start + np.arange(len(bnd)), bnd, "k--", lw=1.5, label="bound")
    if ce.step is not None:
        ax.axvline(ce.step, color="C1", lw=1, label=f"breaks at k={ce.step}")
    if ce.observed_curve or ce.bound_curve:
        ax.set_yscale("log")
    ax.set_xlabel("k")
    ax.set_title((ce.problem or "counterexample")[:70], fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
