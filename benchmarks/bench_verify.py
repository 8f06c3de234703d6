"""Wall time of `ratecheck verify` on the default (fast) profile, with the breakdown per method and property.

    python benchmarks/bench_verify.py [--repeats 3]

Target: under 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict


def main(argv: list[str] | None = None) -> dict[str, float]:
    from ratecheck.checks.config import profile
    from ratecheck.checks.verify import verify
    from ratecheck.theory import bounds

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args(argv)
    bounds()  # the theory cache is warm in any real use; do not time SymPy
    walls, parts = [], defaultdict(list)
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        reports = verify(profile("fast"))
        walls.append(time.perf_counter() - t0)
        acc = defaultdict(float)
        for rep in reports:
            for r in rep.results:
                acc[f"{rep.method} {r.property}"] += r.seconds
        for k, v in acc.items():
            parts[k].append(v)
    med = statistics.median(walls)
    print(f"ratecheck verify (fast): median {med:.1f} s over {a.repeats} runs {[round(w, 1) for w in walls]}")
    for k, v in sorted(parts.items(), key=lambda kv: -statistics.median(kv[1])):
        print(f"  {k:28s} {statistics.median(v):6.2f} s")
    return {"median_seconds": med}


if __name__ == "__main__":
    main()
