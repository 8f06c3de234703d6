"""Overhead of running a reference optimizer through the counted oracle, vs a bare NumPy loop.

Both sides do the same arithmetic (same problem data, same update, same index stream); the only
difference is the oracle's validation, counting and call indirection. Target: overhead < 20%.
Runs are interleaved and the median of several repeats is reported, since machines are noisy.

The oracle's cost is a fixed ~0.5-1 us per call (one Python frame, shape/dtype identity checks, one
BLAS dot for finiteness, the counter): under 20% once a step costs more than ~4 us, above it for the
cheapest steps (a 50 x 50 matvec is ~2.5 us per bare step). The "raw" column runs the same reference
optimizer on the problem's own unchecked callable, to separate loop structure from oracle cost.

    python benchmarks/bench_oracle_overhead.py
"""

from __future__ import annotations

import statistics
import time

import numpy as np
from ratecheck.implementations import CountedOracle, gradient_descent, least_squares, quadratic_spectrum, sgd
from ratecheck.implementations._sampling import uniform_indices


def _gd_case(steps: int, d: int):  # returns (name, bare loop, reference on raw callable, via oracle)
    problem = quadratic_spectrum(d, 0.1, 1.0, rng=0)
    H, c = problem.hessian.copy(), problem.hessian @ problem.x_star  # the bare loop's own copy of the data
    x0, lr = np.zeros(d), 1.0

    def bare():
        xs = np.empty((steps + 1, d))
        xs[0] = x0
        for k in range(steps):
            xs[k + 1] = xs[k] - lr * (H.dot(xs[k]) - c)
        return xs

    def raw():
        return gradient_descent(problem.grad, x0, lr, steps)

    def oracle():
        return gradient_descent(CountedOracle(problem).grad, x0, lr, steps)

    return f"GD, quadratic d={d}", bare, raw, oracle


def _sgd_case(steps: int):
    problem = least_squares(1000, 50, rng=0)
    rng = np.random.default_rng(0)
    A = rng.standard_normal((1000, 50))  # same sizes and arithmetic as the problem's component gradient
    b = rng.standard_normal(1000)
    x0, lr = np.zeros(50), 1e-3

    def bare():
        xs = np.empty((steps + 1, 50))
        xs[0] = x0
        for k, idx in enumerate(uniform_indices(np.random.default_rng(1), 1000, 1, steps)):
            Ab = A.take(idx, axis=0)
            xs[k + 1] = xs[k] - lr * ((Ab.dot(xs[k]) - b.take(idx)).dot(Ab) / idx.size)
        return xs

    def raw():
        return sgd(problem.grad_i, 1000, x0, lr, steps, np.random.default_rng(1))

    def oracle():
        return sgd(CountedOracle(problem).grad_i, 1000, x0, lr, steps, np.random.default_rng(1))

    return "SGD, least squares n=1000 d=50 b=1", bare, raw, oracle


def measure(steps: int = 20_000, repeats: int = 11) -> list[dict]:
    rows = []
    for name, bare, raw, oracle in (_gd_case(steps, 50), _gd_case(steps, 200), _sgd_case(steps)):
        times: dict = {bare: [], raw: [], oracle: []}
        for _ in range(repeats):  # interleaved, so drifts in machine speed hit all sides alike
            for fn, ts in times.items():
                start = time.perf_counter()
                fn()
                ts.append(time.perf_counter() - start)
        tb, tr, to = (statistics.median(times[fn]) for fn in (bare, raw, oracle))
        rows.append({"case": name, "bare_steps_per_s": steps / tb, "oracle_steps_per_s": steps / to,
                     "raw_overhead": tr / tb - 1.0, "overhead": to / tb - 1.0,
                     "us_per_call": (to - tb) / steps * 1e6})
    return rows


def main() -> list[dict]:
    rows = measure()
    print(f"{'case':36s} {'bare steps/s':>13s} {'oracle steps/s':>15s} {'raw':>7s} {'overhead':>9s} "
          f"{'us/call':>8s}  (target: overhead < 20%)")
    for r in rows:
        print(f"{r['case']:36s} {r['bare_steps_per_s']:13,.0f} {r['oracle_steps_per_s']:15,.0f} "
              f"{r['raw_overhead']:7.1%} {r['overhead']:9.1%} {r['us_per_call']:8.2f}")
    return rows


if __name__ == "__main__":
    main()
