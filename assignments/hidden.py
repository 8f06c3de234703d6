"""The hidden tests of the assignments: ratecheck's property checks, run by a one-line hidden cell.

A released notebook never contains these tests: its hidden cell is removed by `nbgrader generate_assignment`
and only the autograder's copy (from source/) runs

    from ratecheck.assignments.hidden import grade
    grade("gd", gradient_descent)

`grade` runs `ratecheck.checks.check` with a small, derandomised configuration (the same examples every time,
a few seconds per method) and raises AssertionError naming each failed property with its shrunk counterexample.
Anything the checks write to stderr (e.g. a warning raised inside the student's function) is captured and
echoed on stdout, so it cannot zero the cell (see `support`).
"""

from __future__ import annotations

import contextlib
import io
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

from .. import methods
from ..checks import Report, check
from ..checks.config import Config

# Per method: which properties, and how many examples. Fixed here (not read from RATECHECK_PROFILE) so every
# student is graded on the same instances. SGD leaves out `regimes` (a loop-based SGD takes ~8 s there; the sgd
# notebook measures the crossover itself) and uses fewer replicates: alpha stays 1e-6, so a correct SGD still
# fails with probability at most ~1e-6 per statistical test; a batch summed instead of averaged is still caught.
GRADING: dict[str, dict[str, Any]] = {
    "gd": {"properties": None, "max_examples": 6},
    "heavy-ball": {"properties": None, "max_examples": 6},
    "nesterov": {"properties": None, "max_examples": 6},
    "sgd": {"properties": ["statistics", "discipline", "conformance"], "max_examples": 4, "replicates": 128},
}


def run(method: str, optimizer: Callable[..., Any], plan: dict[str, Any] | None = None) -> Report:
    """The grading run of `optimizer` as a Report (no assertion); stderr and warnings go to stdout.
    `method` is a method's name or one of its aliases (ratecheck.methods: e.g. "heavy_ball" for heavy-ball).
    `plan` ({"properties": list | None, "max_examples": int, ...}) is an assignment spec's own configuration for a
    method GRADING does not list (fixed, so every student is graded on the same instances)."""
    try:
        m = methods.get(method)
    except ValueError:
        m = None
    if m is None or (m.name not in GRADING and plan is None):
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(GRADING)} (or pass a plan)")
    method = m.name
    plan = dict(plan if plan is not None else GRADING[method])
    plan.setdefault("properties", None)
    properties = plan.pop("properties")
    config = Config().with_(seed=None, **plan)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = check(optimizer, method, properties=properties, config=config)
    noise = err.getvalue().strip()
    if caught or noise:
        first = str(caught[0].message) if caught else noise.splitlines()[0]
        print(f"(note: {len(caught)} warning(s) and {len(noise)} characters on stderr while checking; "
              f"first: {first[:200]})", file=sys.stdout)
    return report


def failure_text(report: Report) -> str:
    """What a student reads when a hidden test fails: each failed property, its setting, and the shrunk
    counterexample (without Hypothesis' reproduce blob, which is test-code noise for a student)."""
    lines = [f"ratecheck: {report.target} ({report.method}) fails {len(report.failures)} of "
             f"{len(report.results)} checks against the theory"]
    groups: dict[str, list] = {}  # failures with the same message (e.g. "raised NotImplementedError") once
    for r in report.failures:
        groups.setdefault(r.message, []).append(r)
    for message, results in groups.items():
        where = ", ".join(f"{r.property} / {r.setting}" + (f" ({r.bound_id})" if r.bound_id else "")
                          for r in results)
        lines.append(f"- {where}: {message}")
        ce = results[0].counterexample
        if ce is not None:
            saved, ce.reproduce = ce.reproduce, None
            try:
                body = ce.describe().splitlines()[1:]  # the first line repeats the message
            finally:
                ce.reproduce = saved
            lines += [f"    {line}" for line in body]
    return "\n".join(lines)


def grade(method: str, optimizer: Callable[..., Any]) -> None:
    """Assert that `optimizer` (the student's function in the teaching form of `method`) passes ratecheck.

    Returns None on purpose: a value as the last expression of a test cell would be an execute_result, which
    nbgrader reads as partial credit (`nbgrader.utils.get_partial_grade`). Use `run` for the Report.
    """
    t0 = time.perf_counter()
    report = run(method, optimizer)
    if not report.passed:
        raise AssertionError(failure_text(report))
    passed = sum(r.verdict == "pass" for r in report.results)
    print(f"ratecheck: {report.method} passes all {passed} checks ({time.perf_counter() - t0:.1f} s)")


__all__ = ["GRADING", "failure_text", "grade", "run"]
