"""Property: no stall. Where the bound says the error should keep falling, the iterates must not stop
improving above the precision floor of their own dtype (checks.precision, theory.precision).

A stall is the run's iterates frozen, bit for bit, for WINDOW consecutive steps while the gradient there is
not zero, at a step where the bound lies below the error (it should keep falling) and the error is above the
floor a correct method in the iterates' dtype can leave (C_OPS u S / (eta mu)). A correct round-to-nearest
run in its own dtype freezes only within that floor (the floor is derived from exactly that mechanism), so a
stall means the updates were rounded in a coarser precision than the iterates claim: bfloat16 weights behind
a float32 interface, an update computed in float16 whose small values flush to zero.
"""

from __future__ import annotations

import time

import numpy as np

from ...methods import Method, Setting
from ...theory.precision import unit_roundoff
from ..config import Config
from ..methods import prescribed
from ..precision import step_size
from ..report import PropertyResult
from ..run import RTOL, measure, run
from ..strategies import instances
from ._common import bound_values, counterexample, steps_for
from ._search import Violation, search

MEASURED = ("dist", "dist_sq", "gap")  # errors the floor is stated for
WINDOW = 10  # consecutive unchanged iterates that make a stall (a correct method moves every step)


def frozen_from(xs: np.ndarray, window: int = WINDOW) -> np.ndarray:
    """The steps k from which x_k = x_{k+1} = ... = x_{k+window} exactly."""
    same = np.all(xs[1:] == xs[:-1], axis=1).astype(int)
    if same.size < window:
        return np.zeros(0, dtype=int)
    runs = np.convolve(same, np.ones(window, dtype=int), mode="valid")  # runs[k]: steps k..k+window-1 frozen
    return np.nonzero(runs == window)[0]


def message(k: int, x: np.ndarray, update: np.ndarray, dtype: str, quantity: str, error: float, floor: float,
            bound: float) -> str:
    """What happened, in plain words: the update lost, how many bits the weights must have had to lose it."""
    moving = (update != 0) & (x != 0)
    rel = float(np.max(np.abs(update[moving]) / np.abs(x[moving]))) if moving.any() else 0.0
    bits = int(np.floor(-np.log2(rel))) + 1 if rel > 0 else None
    held = f"; the weights hold about {bits} significand bits (bfloat16 has 8, float16 11)" if bits else ""
    return (f"updates below half an ulp of x are rounded away from step {k}: x_{k} = ... = x_{k + WINDOW} although "
            f"lr ||grad f|| = {float(np.linalg.norm(update)):.3g} is {rel:.2g} of |x| (a {dtype} iterate keeps "
            f"updates down to {unit_roundoff(dtype):.1g} of it{held}); {quantity} stays at {error:.3g}, above the "
            f"{dtype} floor {floor:.2g}, while the bound falls to {bound:.3g}: use float32 master weights or "
            "stochastic rounding")


def check(method: Method, optimizer: object, setting: Setting, config: Config) -> PropertyResult:
    bound = setting.bound
    if bound.quantity not in MEASURED:
        return PropertyResult("stall", setting.name, "skipped", message=f"{bound.id} bounds {bound.quantity}, "
                              "not an error to x* or f*", bound_id=setting.bound_id)
    floors: list[float] = []

    def body(inst) -> None:
        hp = prescribed(setting, inst.problem, inst.drawn)
        vals = bound_values(bound, inst, setting.constants)
        steps = steps_for(bound, vals, config.max_steps)
        r = run(method, optimizer, inst.problem, inst.x0, hp, steps, seed=inst.seed)
        if r.error:
            raise Violation(counterexample(inst, hp, r.error))
        p, x_star = r.precision, inst.x_star
        obs = measure(bound.quantity, inst.problem, r.xs, x_star)
        bnd = np.full(steps + 1, np.inf)
        bnd[bound.k_min:] = bound.evaluate(k=np.arange(bound.k_min, steps + 1), **vals)
        tol = p.allowance(bound.quantity, inst.problem, inst.x0, x_star, hp, steps)
        floor = p.floor(inst.problem, inst.x0, x_star, hp, steps)
        floors.append(floor)
        for k in frozen_from(r.xs):
            k = int(k)
            end = k + WINDOW
            g = inst.problem.grad(r.xs[k])
            if not np.any(g) or obs[k] <= tol or bnd[end] * (1 + RTOL) >= obs[k]:
                continue  # at x*, within the floor, or the bound does not ask for more
            eta = step_size(hp, inst.problem) or float(hp["lr"](k))
            raise Violation(counterexample(inst, hp, message(k, r.xs[k], eta * g, p.name, bound.quantity,
                                                             float(obs[k]), tol, float(bnd[end])),
                step=k, observed=float(obs[k]), bound=float(bnd[end])))

    t0 = time.perf_counter()
    out = search(instances(setting), body, config.with_(max_examples=max(3, config.max_examples // 3)),
                 explicit=setting.tight())
    ce = out.counterexample
    worst = max(floors) if floors else None
    return PropertyResult("stall", setting.name, "fail" if ce else "pass", out.examples, None,
                          ce.message if ce else "no updates rounded away above the precision floor",
                          setting.bound_id, ce, time.perf_counter() - t0, {"max_floor": worst})
