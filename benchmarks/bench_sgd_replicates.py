"""SGD replicates: one vectorised run of R replicates vs R runs one by one (target: >= 10x at R = 64).

Both go through the counted oracle on the same least-squares problem with the same per-replicate
generators, so they compute the same trajectories (checked below, up to rounding).

    python benchmarks/bench_sgd_replicates.py
"""

from __future__ import annotations

import statistics
import time

import numpy as np
from ratecheck.implementations import CountedOracle, least_squares, replicate_rngs, sgd, sgd_replicates


def measure(replicates: int = 64, steps: int = 2_000, repeats: int = 5, batch_size: int = 1) -> dict:
    problem = least_squares(1000, 50, rng=0)
    x0, lr, seed = np.zeros(50), 1e-3, 1

    def one_by_one():
        oracle = CountedOracle(problem)
        rngs = replicate_rngs(seed, replicates)
        return np.stack([sgd(oracle.grad_i, oracle.n, x0, lr, steps, g, batch_size) for g in rngs])

    def vectorised():
        oracle = CountedOracle(problem)
        return sgd_replicates(oracle.grad_i_batched, oracle.n, x0, lr, steps, seed, replicates, batch_size)

    t_one, t_vec = [], []
    for _ in range(repeats):
        for fn, times in ((one_by_one, t_one), (vectorised, t_vec)):
            start = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - start)
            if fn is one_by_one:
                reference = out
    assert np.allclose(out, reference, rtol=1e-9, atol=1e-12), "vectorised replicates diverge from sgd"
    to, tv = statistics.median(t_one), statistics.median(t_vec)
    return {"replicates": replicates, "steps": steps, "batch_size": batch_size,
            "one_by_one_s": to, "vectorised_s": tv, "speedup": to / tv}


def main() -> list[dict]:
    rows = [measure(batch_size=1), measure(batch_size=8)]
    print(f"{'replicates':>10s} {'steps':>6s} {'batch':>5s} {'one-by-one s':>13s} {'vectorised s':>13s} "
          f"{'speedup':>8s}  (target >= 10x)")
    for r in rows:
        print(f"{r['replicates']:10d} {r['steps']:6d} {r['batch_size']:5d} {r['one_by_one_s']:13.3f} "
              f"{r['vectorised_s']:13.3f} {r['speedup']:7.1f}x")
    return rows


if __name__ == "__main__":
    main()
