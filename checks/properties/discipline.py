"""Property 2: oracle discipline. The oracle calls the method's budget allows (Method.budget: e.g. exactly one
gradient per step for gd, heavy ball, Nesterov; batch_size component gradients per step and no full gradients
for SGD); iterates start at x0, have the right shape and
are finite; x0 is not written to; the same seed gives the same SGD run."""

from __future__ import annotations

import time

import numpy as np

from ...methods import Method, Setting
from ..config import Config
from ..methods import prescribed
from ..report import PropertyResult
from ..run import run
from ..strategies import instances
from ._common import counterexample
from ._search import Violation, search

STEPS = 25


def check(method: Method, optimizer: object, setting: Setting, config: Config) -> PropertyResult:
    stochastic = method.stochastic
    steps = min(STEPS, method.conformance_steps)  # a method whose step is an epoch runs fewer

    def body(inst) -> None:
        hp = prescribed(setting, inst.problem, inst.drawn)
        r = run(method, optimizer, inst.problem, inst.x0, hp, steps, seed=inst.seed)
        if r.error:
            raise Violation(counterexample(inst, hp, r.error))
        broke = method.budget(r.counts, hp, steps)
        if broke:
            raise Violation(counterexample(inst, hp, broke))
        if not np.array_equal(r.xs[0], r.precision.stored(inst.x0)):  # x0 as the optimizer's dtype stores it
            raise Violation(counterexample(inst, hp, "the first iterate is not x0 (iterates must start at x0"
                                           f"{', rounded to ' + r.dtype if r.precision.lower else ''})", step=0))
        if stochastic:
            again = run(method, optimizer, inst.problem, inst.x0, hp, steps, seed=inst.seed)
            if again.xs is None or not np.array_equal(again.xs, r.xs):
                raise Violation(counterexample(inst, hp, (
                    "two runs with the same seed gave different iterates: all randomness must come from "
                    "the rng argument")))

    t0 = time.perf_counter()
    out = search(instances(setting, finite=True, bound=False), body,
                 config.with_(max_examples=max(3, config.max_examples // 3)))
    return PropertyResult("discipline", setting.name, "fail" if out.counterexample else "pass", out.examples,
                          None, out.counterexample.message if out.counterexample else "oracle use as prescribed",
                          setting.bound_id, out.counterexample, time.perf_counter() - t0)
