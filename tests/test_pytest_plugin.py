"""The pytest plugin, run the way a user runs it: test files in a temporary project, through pytester.

In-process, so the user files must not import torch or jax: pytester drops modules first imported by the inner run
from sys.modules afterwards, and re-importing a native extension in the same process can crash it. torch targets
through assert_respects_theory are tested in test_adapters.py; one subprocess run checks the plugin's entry point."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import ratecheck.checks.testing  # noqa: F401 (loaded out here: in-process runs must not import and drop SciPy)
from ratecheck.theory import registry

registry.bounds()  # derived (or read from the cache) once, out here: in-process runs reuse it
# pytester points HOME at a temporary directory; the subprocess run should still find the theory cache.
CACHE_DIR = os.environ.get("RATECHECK_CACHE_DIR") or str(Path.home() / ".cache" / "ratecheck")

PASSING = """
from ratecheck.implementations import gradient_descent

def test_my_gd(ratecheck_check):
    ratecheck_check(gradient_descent, "gd", properties=["bound", "conformance"], max_examples=3)

def test_my_heavy_ball(ratecheck_check):
    ratecheck_check("ratecheck.implementations:heavy_ball", "heavy-ball", max_examples=3)  # a target string
"""

FAILING = """
def wrong_gd(grad, x0, lr, steps):  # a deliberately wrong step: twice the prescribed learning rate
    xs = [x0]
    for _ in range(steps):
        xs.append(xs[-1] - 2 * lr * grad(xs[-1]))
    return xs

def test_wrong_gd(ratecheck_check):
    ratecheck_check(wrong_gd, "gd", properties=["bound"], settings=["strongly_convex"], max_examples=3)
"""

PROFILE = """
from ratecheck.implementations import gradient_descent

def test_profile(ratecheck_check):
    report = ratecheck_check(gradient_descent, "gd", properties=["conformance"], settings=["quadratic"],
                             max_examples=3)
    print("PROFILE", report.profile, "SEED", report.seed)
"""


@pytest.fixture(autouse=True)
def _no_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("RATECHECK_CACHE_DIR", CACHE_DIR)
    monkeypatch.delenv("RATECHECK_PROFILE", raising=False)


def test_a_passing_user_test_file(pytester):
    pytester.makepyfile(test_user=PASSING)
    result = pytester.runpytest()
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["ratecheck: profile fast, derandomised"])


def test_a_failing_user_test_shows_the_counterexample(pytester):
    pytester.makepyfile(test_user=FAILING)
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*AssertionError: ratecheck gd on *wrong_gd: FAILED",
        "*counterexample for bound / strongly_convex:",
        "*exceeds the bound gd.strongly_convex*",
        "*hyperparameters: lr=*",
    ])


def test_profile_and_seed_options(pytester):
    pytester.makepyfile(test_user=PROFILE)
    result = pytester.runpytest("-s", "--ratecheck-profile", "thorough", "--ratecheck-seed", "7")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["ratecheck: profile thorough, seed 7*", "*PROFILE thorough SEED 7*"])


def test_random_seed_is_derandomised_under_ci(pytester, monkeypatch):
    pytester.makepyfile(test_user=PROFILE)
    monkeypatch.setenv("CI", "true")
    result = pytester.runpytest("-s", "--ratecheck-seed", "random")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["ratecheck: profile fast, derandomised", "*PROFILE fast SEED None*"])
    monkeypatch.delenv("CI")
    result = pytester.runpytest("-s", "--ratecheck-seed", "random")
    result.stdout.fnmatch_lines(["ratecheck: profile fast, seed * (rerun with --ratecheck-seed *)"])


def test_a_bad_seed_is_a_usage_error(pytester):
    pytester.makepyfile(test_user=PROFILE)
    result = pytester.runpytest("--ratecheck-seed", "soon")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--ratecheck-seed expects an integer or 'random', got 'soon'*"])


def test_the_entry_point_loads_the_plugin_in_a_fresh_process(pytester):
    pytester.makepyfile(test_user=FAILING)
    result = pytester.runpytest_subprocess("--ratecheck-seed", "3")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["ratecheck: profile fast, seed 3*", "*counterexample for bound / strongly_convex:"])
