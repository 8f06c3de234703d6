"""False alarms of the checks on the reference optimizers over many seeds (goal: 0).

    python benchmarks/bench_false_alarms.py [--seeds 1000] [--jobs 2] [--max-examples 4]

Each seed is a different Hypothesis seed, so different random problems, starts, step sizes and SGD runs;
every property of every method runs on the reference implementation. Any failure is a false alarm (a bug in
the theory, the checks or the references, or the statistical test's alpha being exceeded) and is printed.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor


def one_seed(args: tuple[int, int]) -> tuple[int, list[str], dict[str, float]]:
    from ratecheck.checks.config import profile
    from ratecheck.checks.verify import verify

    seed, max_examples = args
    config = profile("fast").with_(seed=seed, max_examples=max_examples)
    failures, seconds = [], Counter()
    for rep in verify(config):
        for r in rep.results:
            seconds[r.property] += r.seconds
            if r.verdict == "fail":
                failures.append(f"seed {seed}: {rep.method} {r.property}/{r.setting}: {r.message}")
    return seed, failures, dict(seconds)


def main(argv: list[str] | None = None) -> dict[str, object]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--max-examples", type=int, default=4)
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    alarms, seconds = [], Counter()
    with ProcessPoolExecutor(a.jobs) as pool:
        for i, (_, failures, secs) in enumerate(pool.map(one_seed, [(s, a.max_examples) for s in range(a.seeds)])):
            alarms += failures
            seconds.update(secs)
            for f in failures:
                print(f, flush=True)
            if (i + 1) % 50 == 0:
                print(f"{i + 1}/{a.seeds} seeds, {len(alarms)} false alarms, {time.perf_counter() - t0:.0f} s",
                      flush=True)
    total = time.perf_counter() - t0
    from ratecheck.methods import names

    print(f"\n{a.seeds} seeds x {len(names())} reference optimizers ({', '.join(names())}; "
          f"max_examples={a.max_examples}): "
          f"{len(alarms)} false alarms in {total:.0f} s")
    print("time per property (summed over seeds):", {k: round(v, 1) for k, v in seconds.most_common()})
    return {"seeds": a.seeds, "false_alarms": len(alarms), "seconds": total}


if __name__ == "__main__":
    main()
