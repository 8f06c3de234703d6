"""Overhead of running a reference optimizer through the counted oracle, vs a bare NumPy loop.

Both sides do the same arithmetic (same problem data, same update, same index stream); the only
difference is the oracle's validation, counting and call indirection. Target: overhead < 20%.
Runs are interleaved and the median of several repeats is reported, since machines are noisy.

    python benchmarks/bench_oracle_overhead.py
"""

from __future__ import annotations

import statistics
import time

import numpy as np
from ratecheck.implementations import CountedOracle, gradient_descent, least_squares, quadratic_spectrum, sgd
from ratecheck.implementations._sampling import uniform_indices


def _gd_case(steps: int, d: int):
    problem = quadratic_spectrum(d, 0.1, 1.0, rng=0)
    H, c = problem.hessian.copy(), problem.hessian @ problem.x_star  # the bare loop's own copy of the data
    x0, lr = np.zeros(d), 1.0

    def bare():
        xs = np.empty((steps + 1, d))
        xs[0] = x0
        for k in range(steps):
            xs[k + 1] = xs[k] - lr * (H.dot(xs[k]) - c)
        return xs

    def oracle():
        return gradient_descent(CountedOracle(problem).grad, x0, lr, steps)

    return f"GD, quadratic d={d}", bare, oracle


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

    def oracle():
        return sgd(CountedOracle(problem).grad_i, 1000, x0, lr, steps, np.random.default_rng(1))

    return "SGD, least squares n=1000 d=50 b=1", bare, oracle


def measure(steps: int = 20_000, repeats: int = 9) -> list[dict]:
    rows = []
    for name, bare, oracle in (_gd_case(steps, 50), _gd_case(steps, 100), _sgd_case(steps)):
        t_bare, t_oracle = [], []
        for _ in range(repeats):  # interleaved, so drifts in machine speed hit both sides alike
            for fn, times in ((bare, t_bare), (oracle, t_oracle)):
                start = time.perf_counter()
                fn()
                times.append(time.perf_counter() - start)
        tb, to = statistics.median(t_bare), statistics.median(t_oracle)
        rows.append({"case": name, "bare_steps_per_s": steps / tb, "oracle_steps_per_s": steps / to,
                     "overhead": to / tb - 1.0, "us_per_call": (to - tb) / steps * 1e6})
    return rows


def main() -> list[dict]:
    rows = measure()
    print(f"{'case':36s} {'bare steps/s':>13s} {'oracle steps/s':>15s} {'overhead':>9s} {'us/call':>8s}"
          "  (target: overhead < 20%)")
    for r in rows:
        print(f"{r['case']:36s} {r['bare_steps_per_s']:13,.0f} {r['oracle_steps_per_s']:15,.0f} "
              f"{r['overhead']:9.1%} {r['us_per_call']:8.2f}")
    return rows


if __name__ == "__main__":
    main()
