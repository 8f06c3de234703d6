"""`make bench` (pytest benchmarks -q -s): run both benchmarks, print their tables, check the targets.

The replicate speedup is asserted at its target (>= 10x). The oracle overhead table is printed (met /
MISSED per case); only a loose bound is asserted, because whether a case lands under 20% depends on its
step cost and on machine noise (see the benchmark's docstring).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sgd_replicates_speedup():
    rows = _load("bench_sgd_replicates").main()
    assert rows[0]["speedup"] >= 10.0


def test_oracle_overhead():
    rows = _load("bench_oracle_overhead").main([])
    assert all(r["us_per_call"] < 3.0 for r in rows)
    assert min(r["overhead"] for r in rows) < 0.20
