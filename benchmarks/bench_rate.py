"""`ratecheck rate` on a two-step method at one (L, mu), IQC bisection included (goal: < 2 s CPU), and `check`
of a user spec against the built-in method of the same size (triple momentum both ways), in CPU seconds.

    .venv/bin/python benchmarks/bench_rate.py
"""

from __future__ import annotations

import time

from ratecheck.checks.api import check
from ratecheck.implementations import triple_momentum
from ratecheck.methods import multistep
from ratecheck.methods.multistep import rates
from ratecheck.theory import get


def cpu(fn) -> float:
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def main() -> None:
    tm = get("triple_momentum.iterates")
    spec = multistep("tm-spec", dict(tm.hyperparameters), x=["1 + beta", "-beta"], y=["1 + gamma", "-gamma"],
                     step="alpha")
    print(f"rate, no PEPit (quadratic + IQC):  {cpu(lambda: rates(spec, 10.0, 1.0, pep_steps=0)):.2f} s CPU")
    print(f"rate, PEPit k = 1..10:             {cpu(lambda: rates(spec, 20.0, 1.0, pep_steps=10)):.2f} s CPU")
    print(f"check, built-in triple-momentum:   {cpu(lambda: check(triple_momentum, 'triple-momentum')):.2f} s CPU")
    print(f"check, the same method as a spec:  {cpu(lambda: check(spec.reference, spec)):.2f} s CPU")


if __name__ == "__main__":
    main()
