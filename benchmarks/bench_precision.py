"""Precision (issue 15): for each method and dtype, the derived floor against the smallest error a correct run in
that dtype reaches; and the CPU cost of checking in float32 against float64 (goal: at most 1.5x).

Floor table: the correct variants of checks.precision_variants (the arithmetic stays in the dtype), on one seeded
4-D quadratic with spectrum [1, kappa], x0 at distance 1 from x*, the hyperparameters the method's setting
prescribes, for enough steps to reach the floor. Shown: theory.precision's floor after that many steps, the
smallest ||x_k - x*|| reached, and the largest over the last tenth of the run (the floor bounds the latter).
Left out of the table: OGM (no linear rate on this problem; its run ends far above any floor, so its error is
the method's, not rounding), SGD (its error stalls at its variance term, orders above rounding) and SVRG (its
finite-sum problems are not quadratics of a given spectrum); all three are checked in float32 by the tests.

Cost: `check` of the same variant built in float64 and in float32, every property, the default profile; CPU
seconds, best of --repeats, interleaved so that load affects both alike.

    .venv/bin/python benchmarks/bench_precision.py [--kappa 100] [--repeats 2] [--no-cost]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from ratecheck.checks.api import check
from ratecheck.checks.methods import prescribed
from ratecheck.checks.precision import Precision
from ratecheck.checks.precision_variants import VARIANTS, Variant
from ratecheck.implementations.problems import quadratic_spectrum
from ratecheck.methods import get as method

DTYPES = ("float64", "float32", "float16", "bfloat16")
TABLE = {"gd": "strongly_convex", "heavy-ball": "quadratic", "nesterov": "strongly_convex",
         "triple-momentum": "strongly_convex"}


def correct_variant(name: str) -> Variant:
    """The low-precision variant of method `name` that is correct (no property is meant to catch it)."""
    return next(v for v in VARIANTS if v.method == name and v.caught_by is None)


def floor_row(name: str, setting_name: str, dtype: str, kappa: float, seed: int = 0) -> tuple[float, float, float]:
    """(floor, smallest error, largest error over the last tenth) of the correct `name` run in `dtype`."""
    problem = quadratic_spectrum(4, 1.0, kappa, seed, kind="geometric")
    rng = np.random.default_rng(seed)
    v = rng.normal(size=4)
    x0 = problem.x_star + v / np.linalg.norm(v)
    setting = next(s for s in method(name).settings if s.name == setting_name)
    hp = prescribed(setting, problem, {})
    steps = int(40 * kappa) + 500  # GD's contraction 1 - 1/kappa reaches any dtype's floor well before this
    variant = correct_variant(name)
    xs = np.asarray(variant.build(dtype)(problem.grad, x0, steps=steps, **hp), dtype=np.float64)
    err = np.linalg.norm(xs - problem.x_star, axis=1)
    F = Precision(dtype).floor(problem, x0, problem.x_star, hp, steps)
    return F, float(err.min()), float(err[-steps // 10:].max())


def cost(name: str, dtype: str) -> float:
    variant = correct_variant(name)
    t0 = time.process_time()
    report = check(variant.build(dtype), name)
    spent = time.process_time() - t0
    if not report.passed:
        raise SystemExit(f"{variant.name} in {dtype} failed its check:\n{report.summary()}")
    return spent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kappa", type=float, default=100.0)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--no-cost", action="store_true")
    args = ap.parse_args()

    print(f"Floor against simulation (4-D quadratic, kappa = {args.kappa:g}, ||x0 - x*|| = 1)\n")
    print("| method | dtype | derived floor | smallest error | largest error, last tenth | last tenth / floor |")
    print("|---|---|---|---|---|---|")
    for name, setting in TABLE.items():
        for dtype in DTYPES:
            F, low, tail = floor_row(name, setting, dtype, args.kappa)
            print(f"| {name} | {dtype} | {F:.2g} | {low:.2g} | {tail:.2g} | {tail / F:.2g} |")

    if args.no_cost:
        return
    print("\nCPU seconds of check(correct variant), every property, default profile (best of "
          f"{args.repeats})\n")
    print("| method | float64 | float32 | ratio |")
    print("|---|---|---|---|")
    cost("gd", "float32")  # warm-up: imports, Hypothesis, derived bounds
    total = {"float64": 0.0, "float32": 0.0}
    for v in (v for v in VARIANTS if v.caught_by is None):
        best = {d: float("inf") for d in total}
        for _ in range(args.repeats):
            for d in total:
                best[d] = min(best[d], cost(v.method, d))
        for d in total:
            total[d] += best[d]
        print(f"| {v.method} | {best['float64']:.2f} | {best['float32']:.2f} | "
              f"{best['float32'] / best['float64']:.2f}x |")
    print(f"| all | {total['float64']:.2f} | {total['float32']:.2f} | "
          f"{total['float32'] / total['float64']:.2f}x (goal <= 1.5x) |")


if __name__ == "__main__":
    main()
