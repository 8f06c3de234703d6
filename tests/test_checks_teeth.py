"""The checks show their teeth: every mutant is caught by its property with a clear message, every correct
variant and every reference implementation passes."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from ratecheck.checks import Report, check
from ratecheck.checks.mutants import MUTANTS
from ratecheck.implementations import gradient_descent, heavy_ball, nesterov, sgd

WRONG = [m for m in MUTANTS if m.caught_by]
RIGHT = [m for m in MUTANTS if not m.caught_by]


@pytest.mark.parametrize("mutant", WRONG, ids=[m.name for m in WRONG])
def test_mutant_is_caught_by_its_property(mutant):
    report = check(mutant.fn, mutant.method, properties=[mutant.caught_by])
    failed = [r for r in report.results if r.verdict == "fail"]
    assert failed, report.summary()
    assert any(mutant.message in r.message for r in failed), report.summary()
    assert not report.passed
    assert "counterexample" in report.summary()


def test_every_property_has_a_mutant_that_fails_it():
    from ratecheck.checks.properties import ALL

    assert {m.caught_by for m in WRONG} == set(ALL)


@pytest.mark.parametrize("variant", RIGHT, ids=[m.name for m in RIGHT])
def test_correct_variant_passes(variant):
    report = check(variant.fn, variant.method)
    assert report.passed, report.summary()


@pytest.mark.parametrize("method,fn", [("gd", gradient_descent), ("heavy-ball", heavy_ball),
                                       ("nesterov", nesterov), ("sgd", sgd)])
def test_reference_implementations_pass_everything(method, fn):
    report = check(fn, method)
    assert report.passed, report.summary()
    assert {r.verdict for r in report.results} <= {"pass", "skipped"}
    bound_like = [r for r in report.results
                  if r.property in ("bound", "statistics", "stationarity") and r.verdict != "skipped"]
    assert bound_like and all(r.examples >= 3 for r in bound_like)


def test_counterexample_is_shrunk_and_readable():
    half = next(m for m in WRONG if m.name == "gd: half the step")
    report = check(half.fn, "gd", properties=["bound"], settings=["strongly_convex"], max_examples=30)
    (res,) = report.results
    ce = res.counterexample
    assert ce is not None and ce.step is not None and ce.observed > ce.bound
    assert ce.d <= 2 and ce.spectrum is not None  # the tight instance, or shrunk to a tiny one
    text = ce.describe()
    assert "at k=" in text and "ratio" in text and "hyperparameters" in text


def test_report_round_trips_through_json():
    report = check(WRONG[0].fn, WRONG[0].method, properties=["bound"])
    data = json.loads(report.to_json())
    again = Report.from_dict(data)
    assert again.passed == report.passed == data["passed"] is False
    assert again.results[0].counterexample.step == report.results[0].counterexample.step


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match="unknown method 'adam'"):
        check(gradient_descent, "adam")
    with pytest.raises(TypeError, match="must be a callable"):
        check(42, "gd")
    with pytest.raises(ValueError, match="unknown properties"):
        check(gradient_descent, "gd", properties=["speed"])
    with pytest.raises(ValueError, match="has no setting"):
        check(gradient_descent, "gd", settings=["noisy"])


def _diverging_gd(grad, x0, lr, steps):
    xs = np.empty((steps + 1, np.size(x0)))
    xs[0] = x0
    for k in range(steps):
        xs[k + 1] = xs[k] - 1e200 * lr * grad(xs[k])  # overflows to inf, then queries the oracle there
    return xs


def test_a_diverging_optimizer_gets_the_oracle_error_at_its_own_line_and_no_warning_flood():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a numpy warning escaping the run would turn into the failure
        report = check(_diverging_gd, "gd", max_examples=5)  # every property; f at huge iterates overflows
    assert not report.passed
    for res in [r for r in report.results if r.property == "bound" and r.verdict != "skipped"]:
        assert res.verdict == "fail"
        assert "OracleCallError: grad(x): x must be finite, got" in res.message, res.message
        assert f"called at {__file__}:" in res.message, res.message
