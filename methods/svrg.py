"""SVRG (Johnson & Zhang 2013): epochs of m inner steps around a snapshot x~_s,

    g~ = grad f(x~_s);  x_0 = x~_s;  x_{t+1} = x_t - lr (grad f_i(x_t) - grad f_i(x~_s) + g~),  i uniform
    x~_{s+1} = x_m (snapshot="last", option I) or x_t, t uniform in {0..m-1} (snapshot="random", option II)

    svrg(grad, grad_i, n, x0, lr, epochs, rng, inner_steps=None, snapshot="last") -> x~_0 ... x~_epochs

One step of the teaching form is one epoch: 1 full gradient and 2 component gradients per inner step, at the
inner iterate and at the snapshot with the same index (m = inner_steps, default 2n). Setting: svrg.strongly_convex
(Thm 1, option II, the step and epoch length drawn so that its factor alpha < 1), in expectation, on least-squares
finite sums whose components differ (the variance SVRG removes is real); the bound's L is the components' L_max.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ._method import Method, Prediction, Setting, Signature

NAME = "svrg"


def _inner(hp: Mapping[str, Any]) -> int | None:
    m = hp.get("inner_steps")
    return None if m is None else int(m)


def _wrong_length(inner: int, hp: Mapping[str, Any], epochs: int = 1) -> str | None:
    """What `inner` inner steps over `epochs` epochs should have been, or None when they are right: exactly m per
    epoch for option I, fewer than m for option II (it stops at the drawn t < m); anything when m is not given."""
    m = _inner(hp)
    if m is None:
        return None
    if hp.get("snapshot", "last") == "last":
        return None if inner == m * epochs else f"exactly m = {m} per epoch"
    return None if inner <= (m - 1) * epochs else f"fewer than m = {m} per epoch (option II stops at t < m)"


def epochs(log: Sequence[Any], hp: Mapping[str, Any], steps: int) -> tuple[list[list[Any]], Any]:
    """Epoch s: its full gradient, then its pairs of component gradients (same index, one at the inner iterate,
    one at the snapshot); option I runs exactly m pairs, option II at most m - 1 (it stops at the drawn t)."""
    queries = [q for q in log if q.kind in ("grad", "grad_i")]
    starts = [j for j, q in enumerate(queries) if q.kind == "grad"]
    if len(starts) != steps:
        return [], (-1, f"expected one full gradient at the start of each of the {steps} epochs, the log has "
                        f"{len(starts)}")
    if starts and starts[0]:
        return [], (-1, "the log begins with a component gradient; each epoch starts with the full gradient")
    out: list[list[Any]] = []
    for s, (a, b) in enumerate(zip(starts, [*starts[1:], len(queries)], strict=True)):
        epoch = queries[a:b]
        out.append(epoch)
        pairs = epoch[1:]
        if len(pairs) % 2 or any(q.idx.size != 1 for q in pairs):
            return out, (s, f"epoch {s}: expected pairs of single-index component gradients (at x_t and at the "
                            f"snapshot), got {len(pairs)} component queries")
        for t in range(0, len(pairs), 2):
            if pairs[t].idx[0] != pairs[t + 1].idx[0]:
                return out, (s, f"epoch {s}, inner step {t // 2}: the two component gradients use indices "
                                f"{pairs[t].idx[0]} and {pairs[t + 1].idx[0]}; SVRG's correction needs the same i")
        if want := _wrong_length(len(pairs) // 2, hp):
            return out, (s, f"epoch {s}: {len(pairs) // 2} inner steps, expected {want}")
    return out, None


def update(k: int, xs: np.ndarray, steps: Sequence[Sequence[Any]], hp: Mapping[str, Any]) -> Prediction:
    """Replays epoch k from the answers: where each query must be, and the snapshot x~_{k+1} it ends at."""
    snap, lr = xs[k], hp["lr"]
    full, *pairs = steps[k]
    at, x, scale = [snap], snap, float(np.linalg.norm(snap))
    for qa, qb in zip(pairs[::2], pairs[1::2], strict=True):
        # either order within a pair: the query nearer the snapshot is the snapshot's
        swapped = np.linalg.norm(qa.x - snap) < np.linalg.norm(qb.x - snap)
        (q_x, q_snap) = (qb, qa) if swapped else (qa, qb)
        at += [snap, x] if swapped else [x, snap]
        v = q_x.result - q_snap.result + full.result
        x = x - lr * v
        scale = max(scale, float(np.linalg.norm(x) + lr * np.linalg.norm(v)))
    return Prediction(
        at=tuple(at), next=x, scale=scale,
        at_error=("epoch {k}: a gradient was queried at {got}; SVRG queries the full gradient at the snapshot "
                  "x~_{k} and each pair of component gradients at the inner iterate and the snapshot ({want})"),
        next_error=("epoch {k}: x~_{k1} = {got} is not where the inner steps x_{t+1} = x_t - lr (grad f_i(x_t) - "
                    "grad f_i(x~) + grad f(x~)) from the oracle's answers end ({want})"))


def budget(c: Mapping[str, float], hp: Mapping[str, Any], steps: int) -> str | None:
    comps = c["component_gradients"]
    if c["full_gradients"] != steps:
        return f"SVRG computed {c['full_gradients']} full gradients in {steps} epochs; expected one per epoch"
    if comps % 2:
        return f"SVRG used {comps} component gradients in {steps} epochs; expected two per inner step"
    if want := _wrong_length(int(comps) // 2, hp, steps):
        return (f"SVRG made {int(comps) // 2} inner steps (2 component gradients each) in {steps} epochs; "
                f"expected {want}")
    return None


def pair_indices(log: Sequence[Any]) -> np.ndarray:
    """One index per inner step (both queries of a pair share it): the draws tested for uniformity."""
    idx = [q.idx for q in log if q.kind == "grad_i"][::2]
    return np.concatenate(idx) if idx else np.zeros(0, dtype=int)


def step_and_epoch_length(draw: Any, problem: Any) -> dict[str, Any]:
    """eta = c / L_max with c in [0.05, 0.1] (below Thm 1's 1/(4 L)), and m = f * m_min with f in [2, 4], m_min
    the bound's own smallest epoch length (svrg.strongly_convex's derived m_min), so that alpha < 1."""
    from hypothesis import strategies as st

    from ..theory import SYMBOLS, get

    eta = draw(st.floats(0.05, 0.1)) / problem.L_max
    m_min = get("svrg.strongly_convex").derived["m_min"].subs(
        {SYMBOLS["L"]: problem.L_max, SYMBOLS["mu"]: problem.mu, SYMBOLS["eta"]: eta})
    return {"eta": eta, "m": math.ceil(draw(st.floats(2.0, 4.0)) * float(m_min))}


METHOD = Method(
    name=NAME,
    summary="stochastic variance-reduced gradient",
    signature=Signature(("grad", "grad_i", "n", "x0", "lr", "epochs", "rng"),
                        (("inner_steps", None), ("snapshot", "last")), steps="epochs"),
    settings=(
        Setting(NAME, "strongly_convex", "svrg.strongly_convex", "finite_sum", draw=step_and_epoch_length,
                schedules={"snapshot": lambda: "random"}, constants={"L": "L_max"}, horizon=20,
                test="nonnegative"),
    ),
    update=update,
    group=epochs,
    budget=budget,
    reference_target="ratecheck.implementations:svrg",
    stochastic=True,
    conformance_steps=3,  # 3 epochs of m inner steps: hundreds of draws for the sampling test
    draws=pair_indices,
)
