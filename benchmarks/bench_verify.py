"""Wall time of `ratecheck verify` on a profile at --jobs 1 and --jobs N, with the breakdown per method and
property, and the interleaved ratio (noisy shared machines: compare within one run).

    python benchmarks/bench_verify.py [--profile fast|thorough] [--jobs 1 --jobs 2] [--repeats 1]

Targets: the fast profile under 15 s; thorough, all seven methods, at most 85 s at --jobs 2 on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections import defaultdict


def main(argv: list[str] | None = None) -> dict[str, float]:
    from ratecheck.checks.config import profile
    from ratecheck.checks.verify import verify
    from ratecheck.methods import names
    from ratecheck.theory import bounds

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="fast")
    ap.add_argument("--jobs", type=int, action="append")
    ap.add_argument("--repeats", type=int, default=1)
    a = ap.parse_args(argv)
    jobs = a.jobs or [1]
    bounds()  # the theory cache is warm in any real use; do not time SymPy
    walls: dict[int, list[float]] = defaultdict(list)
    parts: dict[str, list[float]] = defaultdict(list)
    for _ in range(a.repeats):
        for j in jobs:  # interleaved
            t0 = time.perf_counter()
            reports = verify(profile(a.profile), jobs=j)
            walls[j].append(time.perf_counter() - t0)
            assert all(r.passed for r in reports), [r.summary() for r in reports if not r.passed]
            if j == jobs[0]:
                acc: dict[str, float] = defaultdict(float)
                for rep in reports:
                    for r in rep.results:
                        acc[f"{rep.method} {r.property}"] += r.seconds
                for k, v in acc.items():
                    parts[k].append(v)
    print(f"ratecheck verify --profile {a.profile}, {len(names())} methods ({', '.join(names())}); "
          f"load average {os.getloadavg()[0]:.1f}")
    out = {}
    for j in jobs:
        med = statistics.median(walls[j])
        out[f"jobs{j}"] = med
        print(f"  --jobs {j}: median {med:.1f} s over {a.repeats} runs {[round(w, 1) for w in walls[j]]}"
              + (f"  ({out[f'jobs{jobs[0]}'] / med:.2f}x --jobs {jobs[0]})" if j != jobs[0] else ""))
    print(f"  per method and property (--jobs {jobs[0]}):")
    for k, v in sorted(parts.items(), key=lambda kv: -statistics.median(kv[1]))[:15]:
        print(f"    {k:32s} {statistics.median(v):6.2f} s")
    return out


if __name__ == "__main__":
    main()
