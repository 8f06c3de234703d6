"""`ratecheck rate` on a two-step method at one (L, mu), IQC bisection included (goal: < 2 s CPU), and `check`
of a user spec against the built-in method of the same size (goal: the same budget), in CPU seconds.

Same size, setting by setting: Polyak's heavy ball as a spec has one setting (quadratic: no IQC certificate,
Lessard et al.'s counterexample), as the built-in heavy-ball does; triple momentum as a spec has two (quadratic and
strongly convex), the built-in one has the strongly convex one, so its spec is timed on that setting alone too,
and both settings against the two built-ins that have one each (heavy-ball's quadratic, triple momentum's).
Both sides check the same implementation (ratecheck's own heavy_ball / triple_momentum, whose signatures the
specs share), so the difference is what checking against a spec costs: deriving its bounds at each drawn (L, mu).
Each check runs after a warm-up (imports, Hypothesis, the cvxpy compilation) and the best of --repeats is shown,
for a first run (theory.store empty) and a rerun (the store holds the certificates and envelope tables of the
same derandomised draws; the in-memory caches are emptied either way).

Last, the first two rows as a user runs them, imports included: `ratecheck check impl.py:hb --method spec.py:hb`
against `--method heavy-ball`, and `ratecheck check impl.py:tm --method spec.py:tm --setting strongly_convex`
against `--method triple-momentum`, each a new process (CPU of the child, best of --repeats), the catalogue
already cached.

    .venv/bin/python benchmarks/bench_rate.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ratecheck.checks.api import check
from ratecheck.implementations import heavy_ball, triple_momentum
from ratecheck.methods import multistep
from ratecheck.methods.multistep import rates
from ratecheck.theory import get


def cpu(fn: Callable[[], object], repeats: int = 1) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def cold(fn: Callable[[], object], stored: bool = False) -> Callable[[], object]:
    """fn with the in-memory derived-bound caches emptied first: a repeat must not reuse the certificates and
    envelope tables of the same (derandomised) draws, as no user's single run can. stored=False: theory.store
    is emptied too (a first run); True: it is kept (a rerun in a new process, the edit-and-recheck loop)."""
    from ratecheck.theory import iqc, store
    from ratecheck.theory import multistep as derived

    def run() -> object:
        iqc._certify.cache_clear()
        derived._TABLES.clear()
        derived.numeric_at.cache_clear()
        derived.envelope_at.cache_clear()
        where = store.root()
        if not stored and where is not None:
            shutil.rmtree(where, ignore_errors=True)
        return fn()

    return run


def specs() -> tuple[object, object]:
    tm, hb = get("triple_momentum.iterates"), get("heavy_ball.quadratic")
    return (multistep("tm-spec", dict(tm.hyperparameters), x=["1 + beta", "-beta"], y=["1 + gamma", "-gamma"],
                      step="alpha"),
            multistep("hb-spec", dict(hb.hyperparameters), x=["1 + momentum", "-momentum"], y=[1, 0], step="lr"))


# The user's spec file: the specs above (one definition), as `ratecheck check --method spec.py:NAME` loads them.
SPEC_FILE = f"""import sys
sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})
from bench_rate import specs
tm, hb = specs()
"""
IMPL_FILE = "from ratecheck.implementations import heavy_ball as hb, triple_momentum as tm\n"
CLI = "import sys; from ratecheck.cli import main; sys.argv[0] = 'ratecheck'; main()"


def child_cpu(*args: str, cwd: Path) -> float:
    """CPU seconds (user + system) of `ratecheck ARGS` in a new process; it must pass (exit 0)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", CLI, *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def cli(repeats: int) -> None:
    """The same rows as a user runs them: each check a new process, its imports (cvxpy's for the spec) included."""
    work = Path(tempfile.mkdtemp(prefix="bench-rate-cli-"))
    (work / "spec.py").write_text(SPEC_FILE)
    (work / "impl.py").write_text(IMPL_FILE)
    store = Path(os.environ["RATECHECK_CACHE_DIR"]) / "derived"
    rows = [("heavy ball, quadratic", ("impl.py:hb", "--method", "heavy-ball"),
             ("impl.py:hb", "--method", "spec.py:hb")),
            ("triple momentum, strongly convex", ("impl.py:tm", "--method", "triple-momentum"),
             ("impl.py:tm", "--method", "spec.py:tm", "--setting", "strongly_convex"))]
    child_cpu("check", *rows[0][1], cwd=work)  # the catalogue, cached for every later process
    print(f"\nratecheck check, a new process each (best of {repeats}, CPU s)")
    for label, builtin, spec in rows:
        first, again, base = [], [], []
        for _ in range(repeats):  # interleaved, so that load on the machine hits all three alike
            shutil.rmtree(store, ignore_errors=True)
            first.append(child_cpu("check", *spec, cwd=work))
            again.append(child_cpu("check", *spec, cwd=work))
            base.append(child_cpu("check", *builtin, cwd=work))
        b, f, r = min(base), min(first), min(again)
        print(f"  {label:<36} {b:6.2f} {f:11.2f} {f / b:8.2f}x {r:9.2f} {r / b:7.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    n = ap.parse_args().repeats
    get("gd.quadratic")  # the catalogue from the user's cache, before moving it
    os.environ["RATECHECK_CACHE_DIR"] = tempfile.mkdtemp(prefix="bench-rate-")  # never the user's store
    tm_spec, hb_spec = specs()
    print(f"rate, no PEPit (quadratic + IQC):  {cpu(cold(lambda: rates(tm_spec, 10.0, 1.0, pep_steps=0))):.2f} s CPU")
    print(f"rate, PEPit k = 1..10:             {cpu(cold(lambda: rates(tm_spec, 20.0, 1.0, pep_steps=10))):.2f} s CPU")
    for warm in (lambda: check(heavy_ball, "heavy-ball"), lambda: check(triple_momentum, tm_spec)):
        warm()
    rows = [
        ("heavy ball, quadratic", lambda: check(heavy_ball, "heavy-ball"),
         lambda: check(heavy_ball, hb_spec)),
        ("triple momentum, strongly convex", lambda: check(triple_momentum, "triple-momentum"),
         lambda: check(triple_momentum, tm_spec, settings=["strongly_convex"])),
        ("triple momentum, both settings", lambda: (check(heavy_ball, "heavy-ball"),
                                                    check(triple_momentum, "triple-momentum")),
         lambda: check(triple_momentum, tm_spec)),
    ]
    print(f"\ncheck (best of {n}, CPU s)             built-in  spec, 1st run  ratio  spec, rerun  ratio")
    for label, builtin, spec in rows:
        b, first = cpu(builtin, n), cpu(cold(spec), n)
        cold(spec)()  # fills the store
        again = cpu(cold(spec, stored=True), n)
        print(f"  {label:<36} {b:6.2f} {first:11.2f} {first / b:8.2f}x {again:9.2f} {again / b:7.2f}x")
    cli(n)


if __name__ == "__main__":
    main()
