"""Overhead of running a reference optimizer through the counted oracle, vs a bare NumPy loop.

Target (issue 3): overhead < 20% in steps per second. Both sides do the same arithmetic on the same
arrays (the bare loop reads them from the problem's own gradient closure, so even their memory
placement is identical: copies alone moved the d=200 timing by ~10%) with the same index stream; the
only difference is the oracle's validation, counting and call indirection. The machines are shared
and noisy, so runs are short, interleaved, and each side's fastest of `repeats` runs is compared (timeit's
convention: the minimum is the run least disturbed by other processes).

Columns: raw = the reference optimizer on the problem's unchecked callable (loop structure + one Python
call); floor = the same through a wrapper that only counts (what intercepting a call costs at all, with
no validation); overhead = through CountedOracle; us/call = the oracle's extra cost per step.

What to expect (2-core shared machine, 2026-11-29): the oracle costs ~0.4 us per full gradient
(quadratics: shape/dtype identity checks, the gradient inline, one comparison for finiteness), ~0.6 us
per single-component call, ~1 us with 8 indices (their range check) and ~0.85 us when x must be tested
up front (logistic regression: one extra BLAS dot). Every case is under 20% except 8-index mini-batches
on cheap steps (d = 50: ~25%; d = 200: 18-22%), whose Python-level index range check costs ~0.4 us.
The cheapest cases sit closest to the line: GD at d = 20 (~19%; a 2 us step, where a wrapper that only
counts already costs ~11%), single-sample SGD (16-18%) and GD at d = 50 (16-17%); machine noise moves
a run by 1-2 points.

    python benchmarks/bench_oracle_overhead.py [--steps 5000] [--repeats 41]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from ratecheck.implementations import (
    CountedOracle,
    gradient_descent,
    heavy_ball,
    least_squares,
    logistic,
    nesterov,
    quadratic_spectrum,
    sgd,
)
from ratecheck.implementations._sampling import uniform_indices
from scipy.special import expit


def _counted(fn):
    """The floor: a wrapper that only counts (no validation) - what intercepting a call costs at all."""
    calls = [0]

    def wrapper(*args):
        calls[0] += 1
        return fn(*args)

    return wrapper


def _arrays(fn) -> dict:
    """The arrays a problem's gradient closes over, by name (the bare loops compute on these very arrays)."""
    return dict(zip(fn.__code__.co_freevars, (c.cell_contents for c in fn.__closure__), strict=True))


def _quadratic(d: int):
    problem = quadratic_spectrum(d, 0.1, 1.0, rng=0)
    arrays = _arrays(problem.grad)  # grad(x) = H.dot(x) - c
    return problem, arrays["H"], arrays["c"]


def _gd(steps: int, d: int):  # (name, problem, oracle callable, bare loop, reference run given the callable)
    problem, H, c = _quadratic(d)
    x0, lr = np.ones(d), 1.0

    def bare():
        xs = np.empty((steps + 1, d))
        xs[0] = x0
        for k in range(steps):
            xs[k + 1] = xs[k] - lr * (H.dot(xs[k]) - c)
        return xs

    return f"GD, quadratic d={d}", problem, "grad", bare, lambda grad: gradient_descent(grad, x0, lr, steps)


def _heavy_ball(steps: int, d: int):
    problem, H, c = _quadratic(d)
    x0, lr, beta = np.ones(d), 2.0, 0.27

    def bare():
        xs = np.empty((steps + 1, d))
        xs[0] = x_prev = x0
        for k in range(steps):
            xs[k + 1] = xs[k] - lr * (H.dot(xs[k]) - c) + beta * (xs[k] - x_prev)
            x_prev = xs[k]
        return xs

    return f"heavy ball, quadratic d={d}", problem, "grad", bare, lambda grad: heavy_ball(grad, x0, lr, beta, steps)


def _nesterov(steps: int, d: int):
    problem, H, c = _quadratic(d)
    x0, lr, beta = np.ones(d), 1.0, 0.52

    def bare():
        xs = np.empty((steps + 1, d))
        xs[0] = y = x0
        for k in range(steps):
            xs[k + 1] = y - lr * (H.dot(y) - c)
            y = xs[k + 1] + beta * (xs[k + 1] - xs[k])
        return xs

    return f"Nesterov, quadratic d={d}", problem, "grad", bare, lambda grad: nesterov(grad, x0, lr, beta, steps)


def _sgd_least_squares(steps: int, batch: int, d: int = 50):
    n = 1000
    problem = least_squares(n, d, rng=0)
    A, b = _arrays(problem.grad_i)["A"], _arrays(problem.grad_i)["b"]
    x0, lr = np.zeros(d), 1e-3

    def bare():
        xs = np.empty((steps + 1, d))
        xs[0] = x0
        for k, idx in enumerate(uniform_indices(np.random.default_rng(1), n, batch, steps)):
            Ab = A.take(idx, axis=0)
            xs[k + 1] = xs[k] - lr * ((Ab.dot(xs[k]) - b.take(idx)).dot(Ab) / idx.size)
        return xs

    def run(grad_i):
        return sgd(grad_i, n, x0, lr, steps, np.random.default_rng(1), batch_size=batch)

    return f"SGD, least squares n={n} d={d} b={batch}", problem, "grad_i", bare, run


def _sgd_logistic(steps: int):
    n, d = 1000, 50
    problem = logistic(n, d, 0.1, rng=0)
    Z, lam = _arrays(problem.grad_i)["Z"], _arrays(problem.grad_i)["lam"]
    x0, lr = np.zeros(d), 1e-2

    def bare():
        xs = np.empty((steps + 1, d))
        xs[0] = x0
        for k, idx in enumerate(uniform_indices(np.random.default_rng(1), n, 1, steps)):
            Zb = Z.take(idx, axis=0)
            xs[k + 1] = xs[k] - lr * (expit(-Zb.dot(xs[k])).dot(Zb) / -idx.size + lam * xs[k])
        return xs

    def run(grad_i):
        return sgd(grad_i, n, x0, lr, steps, np.random.default_rng(1))

    return f"SGD, logistic n={n} d={d} b=1 (x checked first)", problem, "grad_i", bare, run


def cases(steps: int) -> list:
    return [_gd(steps, 20), _gd(steps, 50), _gd(steps, 100), _gd(steps, 200), _heavy_ball(steps, 50),
            _nesterov(steps, 50), _sgd_least_squares(steps, 1), _sgd_least_squares(steps, 8),
            _sgd_least_squares(steps, 8, d=200), _sgd_logistic(steps)]


def _sides(problem, attr: str, bare, run) -> dict:
    return {"bare": bare, "raw": lambda: run(getattr(problem, attr)),
            "floor": lambda: run(_counted(getattr(problem, attr))),
            "oracle": lambda: run(getattr(CountedOracle(problem), attr))}


def measure(steps: int = 5_000, repeats: int = 41) -> list[dict]:
    rows = []
    for name, problem, attr, bare, run in cases(steps):
        sides = _sides(problem, attr, bare, run)
        np.testing.assert_allclose(sides["oracle"](), bare(), rtol=1e-12, atol=1e-12)  # same arithmetic, really
        times: dict = {side: [] for side in sides}
        for _ in range(repeats):  # interleaved, so drifts in machine speed hit all sides alike
            for side, fn in sides.items():
                start = time.perf_counter()
                fn()
                times[side].append(time.perf_counter() - start)
        t = {side: min(ts) for side, ts in times.items()}
        rows.append({"case": name, "bare_us_per_step": t["bare"] / steps * 1e6,
                     "bare_steps_per_s": steps / t["bare"], "oracle_steps_per_s": steps / t["oracle"],
                     "raw_overhead": t["raw"] / t["bare"] - 1.0, "floor_overhead": t["floor"] / t["bare"] - 1.0,
                     "overhead": t["oracle"] / t["bare"] - 1.0,
                     "us_per_call": (t["oracle"] - t["bare"]) / steps * 1e6})
    return rows


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5_000)
    parser.add_argument("--repeats", type=int, default=41)
    args = parser.parse_args(argv)
    rows = measure(args.steps, args.repeats)
    print(f"{'case':46s} {'bare us/step':>12s} {'raw':>6s} {'floor':>6s} {'overhead':>9s} {'us/call':>8s}"
          "  (target < 20%)")
    for r in rows:
        mark = "met" if r["overhead"] < 0.20 else "MISSED"
        print(f"{r['case']:46s} {r['bare_us_per_step']:12.2f} {r['raw_overhead']:6.1%} {r['floor_overhead']:6.1%} "
              f"{r['overhead']:9.1%} {r['us_per_call']:8.2f}  {mark}")
    return rows


if __name__ == "__main__":
    main()
