"""The isolated runner: a submission's code runs in a limited child process behind a proxy oracle; no attack
raises its score, stops the grader, or escapes the sandbox."""

from __future__ import annotations

import os

import numpy as np
import pytest
from ratecheck.checks import check
from ratecheck.grading.sandbox import Backstop, Limits, Sandbox, SubmissionError
from ratecheck.implementations import CountedOracle
from ratecheck.implementations.problems import quadratic_spectrum

HONEST = """
import numpy as np
def gradient_descent(grad, x0, lr, steps):
    xs = [np.array(x0, dtype=float)]
    for _ in range(steps):
        xs.append(xs[-1] - lr * grad(xs[-1]))
    return np.array(xs)
"""


def _one_call(sb: Sandbox, name: str = "gradient_descent"):
    problem = quadratic_spectrum(3, 1.0, 10.0, 0)
    oracle = CountedOracle(problem)
    fn = sb.function(name, "gd")
    return fn(oracle.grad, np.ones(3), 0.1, 5), oracle


def test_honest_submission_passes_through_the_sandbox():
    with Sandbox([HONEST]) as sb:
        report = check(sb.function("gradient_descent", "gd"), "gd", max_examples=4)
    assert report.passed, report.summary()


def test_gradients_are_computed_and_counted_by_the_grader():
    with Sandbox([HONEST]) as sb:
        xs, oracle = _one_call(sb)
    assert xs.shape == (6, 3) and oracle.full_gradients == 5


ATTACKS = {
    "monkeypatch numpy inside": HONEST.replace("xs = [", "np.allclose = lambda *a, **k: True\n    xs = ["),
    "import ratecheck": "import ratecheck.theory\n" + HONEST,
    "stderr and megabytes": HONEST.replace("for _ in", "import sys\n    print('x' * 10**7); "
                                           "sys.stderr.write('warn' * 10**5)\n    for _ in"),
    "read a file": HONEST.replace("xs = [", "open('/etc/passwd').read()\n    xs = ["),
    "read the hidden checks": HONEST.replace(
        "xs = [", f"open({os.path.abspath('assignments/hidden.py')!r}).read()\n    xs = ["),
    "write a file": HONEST.replace("xs = [", "open('/tmp/ratecheck-pwned', 'w').write('x')\n    xs = ["),
    "fork": HONEST.replace("xs = [", "import os; os.fork()\n    xs = ["),
    "subprocess": HONEST.replace("xs = [", "import subprocess; subprocess.run(['true'])\n    xs = ["),
    "kill the grader": HONEST.replace("xs = [", "import os, signal; os.kill(os.getppid(), signal.SIGKILL)\n"
                                      "    xs = ["),
}


@pytest.mark.parametrize("name", ATTACKS)
def test_attacks_fail_cleanly(name):
    with Sandbox([ATTACKS[name]], Limits(call_seconds=10)) as sb:
        if name in ("monkeypatch numpy inside", "stderr and megabytes"):
            xs, _ = _one_call(sb)  # harmless to the grader: the run is judged here
            assert xs.shape == (6, 3)
        elif name == "import ratecheck":
            xs, _ = _one_call(sb)  # the import is not what the function needs: it still works
            assert xs.shape == (6, 3)
            with pytest.raises(SubmissionError, match="ratecheck is not available"):
                sb.value("ratecheck")  # what needs the import gets the refusal
        else:
            with pytest.raises(SubmissionError, match="not allowed"):
                _one_call(sb)
    assert not os.path.exists("/tmp/ratecheck-pwned")


def test_infinite_loop_hits_the_cpu_budget_and_the_next_call_gets_a_fresh_process():
    src = HONEST + "\ndef looping(grad, x0, lr, steps):\n    while True:\n        pass\n"
    with Sandbox([src], Limits(cpu_part_seconds=1.5)) as sb:
        with pytest.raises(SubmissionError, match="CPU time limit exceeded") as err:
            _one_call(sb, "looping")
        assert not isinstance(err.value, Backstop)  # a CPU-bound loop is the submission's fault
        sb.begin_part()
        xs, _ = _one_call(sb)  # a restarted child serves the next call
        assert xs.shape == (6, 3)


def test_exit_and_memory_bombs_stop_only_the_child():
    src = HONEST + ("\ndef exits(grad, x0, lr, steps):\n    import os\n    os._exit(3)\n"
                    "\ndef hog(grad, x0, lr, steps):\n    return bytearray(8 * 2**30)\n")
    with Sandbox([src], Limits(memory_bytes=1 << 30)) as sb:
        with pytest.raises(SubmissionError, match="stopped"):
            _one_call(sb, "exits")
        with pytest.raises(SubmissionError, match="MemoryError"):
            _one_call(sb, "hog")
        xs, _ = _one_call(sb)
        assert xs.shape == (6, 3)


def test_cheating_by_computing_x_star_is_caught_by_the_checks():
    src = """
import numpy as np
def gradient_descent(grad, x0, lr, steps):
    # finite differences: many extra oracle calls, then jump to the solution
    d = len(x0); g0 = grad(x0); H = np.array([grad(x0 + e) - g0 for e in np.eye(d)])
    x = x0 - np.linalg.solve(H, g0)
    return np.array([x0] + [x] * steps)
"""
    with Sandbox([src]) as sb:
        report = check(sb.function("gradient_descent", "gd"), "gd", properties=["discipline"], max_examples=3)
    assert not report.passed and "expected exactly one gradient per step" in report.summary()


def test_missing_function_and_broken_cells_are_reported():
    with Sandbox(["def other(): pass", "def broken(:", HONEST]) as sb:
        with pytest.raises(SubmissionError, match="defines no function 'heavy_ball'"):
            sb.function("heavy_ball", "heavy-ball")(lambda x: x, np.ones(2), 0.1, 0.5, 3)
        assert "gradient_descent" in sb.names
        assert any("SyntaxError" in e for e in sb.load_errors)


SGD = """
import numpy as np
def sgd(grad_i, n, x0, lr, steps, rng, batch_size=1):
    xs = [np.array(x0, dtype=float)]
    for k in range(steps):
        idx = rng.integers(0, n, size=batch_size)
        if n == 7 and k == 3 and rng.random() < 0.3:
            raise RuntimeError("unlucky replicate")
        xs.append(xs[-1] - (lr(k) if callable(lr) else lr) * grad_i(xs[-1], idx))
    return np.array(xs)
"""


def test_replicated_sgd_calls_batch_queries_and_match_one_by_one_calls():
    from ratecheck.checks.run import run, run_replicates
    from ratecheck.implementations.problems import noisy_quadratic

    problem = noisy_quadratic(3, 0.5, 2.0, 0.3, 0, n=16)  # a finite sum: runs are deterministic given the rng
    hp = {"lr": 0.2, "batch_size": 2}
    seeds = list(range(20))
    with Sandbox([SGD]) as sb:
        fn = sb.function("sgd", "sgd")
        batched = run_replicates("sgd", fn, problem, np.ones(3), hp, 30, seeds)
        del fn.replicated
        one_by_one = [run("sgd", fn, problem, np.ones(3), hp, 30, seed=s) for s in seeds]
    for a, b in zip(batched, one_by_one, strict=True):
        assert a.error is None and b.error is None
        # the grader answers a batch with one vectorised grad_i_batched call: equal up to its rounding
        np.testing.assert_allclose(a.xs, b.xs, rtol=1e-13, atol=1e-15)
        assert a.counts["component_gradients"] == b.counts["component_gradients"] == 60


def test_a_failing_replicate_fails_alone():
    from ratecheck.checks.run import run_replicates
    from ratecheck.implementations.problems import noisy_quadratic

    problem = noisy_quadratic(2, 1.0, 1.0, 0.1, 0, n=7)
    with Sandbox([SGD]) as sb:
        runs = run_replicates("sgd", sb.function("sgd", "sgd"), problem, np.ones(2), {"lr": 0.1}, 10, range(40))
    failed = [r for r in runs if r.error]
    assert failed and len(failed) < 40
    assert all("unlucky replicate" in r.error for r in failed)
    assert all(r.xs.shape == (11, 2) for r in runs if not r.error)


def _methods():
    from ratecheck import methods

    return [m.name for m in methods.all_methods()]


@pytest.mark.parametrize("method", _methods())
def test_every_method_passes_through_the_sandbox_with_its_own_signature(method):
    """The proxy is built from the Method's signature as data (no per-method code in the grader): the reference
    implementation, run in the child, passes the method's checks through it."""
    from ratecheck import methods
    from ratecheck.grading.rubric import PUBLIC
    from ratecheck.implementations import OPTIMIZERS

    m = methods.get(method)
    module, _, attr = m.reference_target.partition(":")
    own = (f"ratecheck.implementations.{OPTIMIZERS[attr]}",)  # the sandbox holds no reference optimizer by default
    with Sandbox([f"from {module} import {attr} as submitted"], public=PUBLIC + own) as sb:
        report = check(sb.function("submitted", method), method, max_examples=2)
    assert report.passed, report.summary()
