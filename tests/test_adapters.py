"""Adapters: real torch.optim and optax optimizers checked in the teaching form (no mocks), target loading."""

from __future__ import annotations

import numpy as np
import optax
import pytest
import torch
from ratecheck.checks import assert_respects_theory, check
from ratecheck.checks.adapters import (
    TargetError,
    Unsupported,
    as_teaching_form,
    kind_of,
    load_target,
    parse_options,
)
from ratecheck.implementations import fista_momentum, gradient_descent, heavy_ball, nesterov, sgd
from ratecheck.implementations.problems import noisy_quadratic, quadratic

# torch and optax are dev dependencies: imported plainly, so CI tests the adapters for real and never skips them.
SMALL = {"max_examples": 4, "replicates": 32}  # enough to run every adapter through each property for real
DETERMINISTIC = ["bound", "discipline", "conformance", "impossibility"]
STOCHASTIC = ["statistics", "discipline", "conformance"]


def adapted(spec: str, method: str, **options):
    # float64, so the algebra compares to 1e-12 (targets default to float32: tests/test_stall.py checks that)
    return as_teaching_form(load_target(spec), method, {"dtype": "float64", **options})


def quad() -> tuple:
    problem = quadratic(np.array([4.0, 1.5, 0.25]), 0)
    return problem, problem.x_star + np.array([1.0, -2.0, 0.5])


# ---------------------------------------------------------------- the algebra, step by step


@pytest.mark.parametrize("spec", ["torch.optim:SGD", "optax:sgd"])
def test_same_iterates_as_the_reference_implementations(spec):
    problem, x0 = quad()
    lr, b = 0.2, 0.6
    cases = [
        ("gd", {}, (problem.grad, x0, lr, 30), gradient_descent),
        ("heavy-ball", {}, (problem.grad, x0, lr, b, 30), heavy_ball),
        # torch/optax keep the look-ahead y_k as the parameter; the adapter returns the x_k of the teaching form
        ("nesterov", {"nesterov": True}, (problem.grad, x0, lr, b, 30), nesterov),
    ]
    for method, options, args, reference in cases:
        got = adapted(spec, method, **options)(*args)
        np.testing.assert_allclose(got, reference(*args), rtol=1e-12, atol=1e-12, err_msg=method)


@pytest.mark.parametrize("spec", ["torch.optim:SGD", "optax:sgd"])
@pytest.mark.parametrize("batch_size", [1, 3])
def test_sgd_follows_the_reference_with_the_same_rng_and_schedule(spec, batch_size):
    problem = noisy_quadratic(2, 1.0, 3.0, 0.5, 0, n=20)
    x0 = problem.x_star + 1.0
    lr = lambda k: 0.3 / (k + 1)  # noqa: E731 (a schedule, applied per step)
    got = adapted(spec, "sgd")(problem.grad_i, 20, x0, lr, 25, np.random.default_rng(5), batch_size=batch_size)
    want = sgd(problem.grad_i, 20, x0, lr, 25, np.random.default_rng(5), batch_size=batch_size)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_torch_nesterov_with_zero_momentum_is_gd_not_an_error():
    problem, x0 = quad()  # kappa = 1 makes the theory's momentum 0, which torch refuses with nesterov=True
    got = adapted("torch.optim:SGD", "nesterov", nesterov=True)(problem.grad, x0, 0.1, 0.0, 10)
    np.testing.assert_allclose(got, gradient_descent(problem.grad, x0, 0.1, 10), rtol=1e-12)


def test_a_momentum_schedule_is_unsupported():
    problem, x0 = quad()
    with pytest.raises(Unsupported, match="momentum schedule"):
        adapted("torch.optim:SGD", "nesterov", nesterov=True)(problem.grad, x0, 0.1, fista_momentum(), 10)


# ---------------------------------------------------------------- whole checks, for real


@pytest.mark.parametrize("spec", ["torch.optim:SGD", "optax:sgd"])
@pytest.mark.parametrize("method", ["gd", "heavy-ball"])
def test_sgd_classes_pass_gd_and_heavy_ball(spec, method):
    report = check(adapted(spec, method), method, properties=DETERMINISTIC, **SMALL)
    assert report.passed, report.summary()
    # gd.nonconvex bounds a gradient norm: the bound property leaves it to stationarity
    assert {(r.property, r.setting) for r in report.results if r.verdict != "pass"} <= {("bound", "nonconvex")}


@pytest.mark.parametrize("spec", ["torch.optim:SGD", "optax:sgd"])
def test_nesterov_true_passes_strongly_convex_and_skips_fista(spec):
    report = check(adapted(spec, "nesterov", nesterov=True), "nesterov", properties=DETERMINISTIC, **SMALL)
    assert report.passed, report.summary()  # no false failure from the look-ahead parametrisation
    by = {(r.property, r.setting): r for r in report.results}
    for prop in ("bound", "discipline", "conformance"):
        assert by[prop, "strongly_convex"].verdict == "pass"
        assert by[prop, "convex"].verdict == "skipped"
        assert "momentum schedule" in by[prop, "convex"].message
    assert by["impossibility", "worst_case"].verdict == "pass"  # its strongly convex case still runs
    assert "skipped 6 case(s)" in by["impossibility", "worst_case"].message


@pytest.mark.parametrize("spec", ["torch.optim:SGD", "optax:sgd"])
def test_sgd_passes_constant_minibatch_and_decreasing(spec):
    report = check(adapted(spec, "sgd"), "sgd", properties=STOCHASTIC, **SMALL)
    assert report.passed, report.summary()
    nonconvex = {"nonconvex", "nonconvex_decreasing"}
    assert {r.setting for r in report.results} == {"constant", "minibatch", "decreasing", *nonconvex}
    assert {(r.property, r.setting) for r in report.results if r.verdict != "pass"} == {
        ("statistics", s) for s in nonconvex}  # gradient norms: the stationarity property's


@pytest.mark.parametrize("spec", ["torch.optim:SGD", "optax:sgd"])
def test_momentum_without_nesterov_is_not_nesterov(spec):
    report = check(adapted(spec, "nesterov"), "nesterov", properties=["conformance"], settings=["strongly_convex"],
                   **SMALL)
    assert not report.passed
    assert "the rule queries it at y_k" in report.results[0].counterexample.message


def test_assert_respects_theory_takes_target_strings():
    report = assert_respects_theory("torch.optim:SGD", "nesterov", optimizer_kwargs={"nesterov": True},
                                    properties=["conformance"], **SMALL)
    assert report.target == "torch.optim:SGD" and report.passed
    with pytest.raises(AssertionError, match="counterexample for conformance / quadratic"):
        assert_respects_theory(torch.optim.SGD, "heavy-ball", optimizer_kwargs={"dampening": 0.5},
                               properties=["conformance"], **SMALL)


def test_torch_dampening_breaks_heavy_ball():
    report = check(adapted("torch.optim:SGD", "heavy-ball", dampening=0.5), "heavy-ball",
                   properties=["conformance"], **SMALL)
    assert not report.passed
    assert "does not follow the heavy-ball update" in report.summary()


@pytest.mark.parametrize("spec", ["torch.optim:Adam", "optax:adam"])
def test_adam_is_not_gradient_descent(spec):
    report = check(adapted(spec, "gd"), "gd", properties=["conformance"], settings=["quadratic"], **SMALL)
    assert not report.passed
    assert "does not follow the gd update" in report.summary()


# ---------------------------------------------------------------- loading and kinds


def test_load_file_and_module_targets(tmp_path):
    (tmp_path / "helper.py").write_text("STEP = 1.0\n")
    (tmp_path / "opt.py").write_text("from helper import STEP\n\nclass Box:\n    def gd(grad, x0, lr, steps):\n"
                                     "        return [x0] * (steps + 1)\n")
    box_gd = load_target(f"{tmp_path / 'opt.py'}:Box.gd")  # dotted attribute, sibling import works
    assert callable(box_gd) and box_gd.__qualname__ == "Box.gd"
    assert load_target("ratecheck.implementations:gradient_descent") is gradient_descent
    assert kind_of(gradient_descent) == "function"
    assert kind_of(torch.optim.SGD) == "torch"
    assert kind_of(optax.sgd) == "optax"


@pytest.mark.parametrize(("spec", "message"), [
    ("ratecheck.implementations", "must be 'path/to/file.py:function' or 'module:attr'"),
    ("missing/nowhere.py:f", "file not found"),
    ("no_such_module_xyz:f", "cannot import module 'no_such_module_xyz'"),
    ("ratecheck.implementations:gradient_decent", "did you mean gradient_descent"),
    ("ratecheck.checks.methods:METHODS", "not callable"),
])
def test_load_target_errors(spec, message):
    with pytest.raises(TargetError, match=message):
        load_target(spec)


def test_a_file_that_raises_on_import(tmp_path):
    (tmp_path / "broken.py").write_text("raise RuntimeError('boom')\n")
    with pytest.raises(TargetError, match="RuntimeError: boom"):
        load_target(f"{tmp_path / 'broken.py'}:f")


def test_kind_and_option_errors():
    with pytest.raises(TargetError, match=r"not a torch\.optim\.Optimizer subclass"):
        kind_of(dict)
    with pytest.raises(TargetError, match=r"torch\.optim and optax targets only"):
        as_teaching_form(gradient_descent, "gd", {"nesterov": True})
    with pytest.raises(TargetError, match="come from the theory"):
        as_teaching_form(torch.optim.SGD, "gd", {"lr": 0.1})
    with pytest.raises(TargetError, match="unknown method"):
        as_teaching_form(torch.optim.SGD, "adam", {})
    assert parse_options(["nesterov=true", "dampening=0.5", "n=3", "name=x", "w=None"]) == {
        "nesterov": True, "dampening": 0.5, "n": 3, "name": "x", "w": None}
    with pytest.raises(ValueError, match="key=value"):
        parse_options(["nesterov"])
