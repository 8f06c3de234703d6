"""False alarms of the checks on the reference optimizers over many seeds (goal: 0).

    python benchmarks/bench_false_alarms.py [--seeds 1000] [--jobs 2] [--max-examples 4]
                                            [--method NAME ...] [--property NAME ...] [--setting NAME ...]

Each seed is a different Hypothesis seed, so different random problems, starts, step sizes and SGD runs;
every property of every method runs on the reference implementation (or only the --method / --property /
--setting given; a setting name applies to every chosen method that has it). Any failure is a false alarm (a bug in
the theory, the checks or the references, or the statistical test's alpha being exceeded) and is printed.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor


def one_seed(args: tuple) -> tuple[int, list[str], dict[str, float]]:
    from ratecheck.checks import check
    from ratecheck.checks.config import profile
    from ratecheck.checks.verify import verify
    from ratecheck.methods import all_methods, get

    seed, max_examples, methods, properties, settings = args
    config = profile("fast").with_(seed=seed, max_examples=max_examples)
    failures, seconds = [], Counter()
    if methods is None and properties is None and settings is None:
        reports = verify(config)
    else:
        chosen = all_methods() if methods is None else [get(m) for m in methods]
        reports = [check(m.reference, m, config=config, properties=properties, target=m.reference_target,
                         settings=None if settings is None else [s for s in settings if s in m.setting_names])
                   for m in chosen if settings is None or set(settings) & set(m.setting_names)]
    for rep in reports:
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
    ap.add_argument("--method", action="append", help="only this method (repeatable)")
    ap.add_argument("--property", action="append", help="only this property (repeatable)")
    ap.add_argument("--setting", action="append", help="only this setting (repeatable)")
    a = ap.parse_args(argv)
    work = [(s, a.max_examples, a.method, a.property, a.setting) for s in range(a.seeds)]
    t0 = time.perf_counter()
    alarms, seconds = [], Counter()
    with ProcessPoolExecutor(a.jobs) as pool:
        for i, (_, failures, secs) in enumerate(pool.map(one_seed, work)):
            alarms += failures
            seconds.update(secs)
            for f in failures:
                print(f, flush=True)
            if (i + 1) % 50 == 0:
                print(f"{i + 1}/{a.seeds} seeds, {len(alarms)} false alarms, {time.perf_counter() - t0:.0f} s",
                      flush=True)
    total = time.perf_counter() - t0
    from ratecheck.methods import names

    chosen = a.method or names()
    only = "".join(f"; {k} {', '.join(v)}" for k, v in (("properties", a.property), ("settings", a.setting)) if v)
    print(f"\n{a.seeds} seeds x {len(chosen)} reference optimizers ({', '.join(chosen)}{only}; "
          f"max_examples={a.max_examples}): "
          f"{len(alarms)} false alarms in {total:.0f} s")
    print("time per property (summed over seeds):", {k: round(v, 1) for k, v in seconds.most_common()})
    return {"seeds": a.seeds, "false_alarms": len(alarms), "seconds": total}


if __name__ == "__main__":
    main()
