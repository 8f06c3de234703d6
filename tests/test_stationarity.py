"""The stationarity property and the nonconvex settings: which settings each property takes or skips, the
quantities it measures (no x*), the SGD bound for a decreasing step cross-checked by its exact recursion, and
the Markov-binomial test's false-alarm level. The wrong variants failing it run in test_checks_teeth.py."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ratecheck.checks import check
from ratecheck.checks.methods import f_low, problem_values
from ratecheck.checks.mutants import MUTANTS
from ratecheck.checks.properties.stationarity import MARKOV_C, step_weights, weighted_means
from ratecheck.checks.properties.statistics import markov_count
from ratecheck.checks.run import allowance, grad_sq, measure
from ratecheck.checks.strategies import nonconvex_instances
from ratecheck.implementations import gradient_descent, sgd
from ratecheck.implementations.problems import logistic_nonconvex, quadratic_spectrum, random_nonconvex
from ratecheck.methods import get
from ratecheck.theory import get as bound


def test_each_property_takes_its_own_settings_and_says_why_it_skips_the_others():
    report = check(gradient_descent, "gd", properties=["bound", "stationarity"], max_examples=3)
    verdicts = {(r.property, r.setting): r for r in report.results}
    assert verdicts[("stationarity", "nonconvex")].verdict == "pass"
    assert verdicts[("bound", "nonconvex")].verdict == "skipped"
    assert "the stationarity property checks it" in verdicts[("bound", "nonconvex")].message
    for s in ("quadratic", "strongly_convex", "convex"):
        r = verdicts[("stationarity", s)]
        assert r.verdict == "skipped" and "the bound property checks it" in r.message, r.message
        assert verdicts[("bound", s)].verdict == "pass"
    report = check(sgd, "sgd", properties=["statistics", "stationarity"], settings=["constant", "nonconvex"],
                   statistics_examples=1)
    verdicts = {(r.property, r.setting): r for r in report.results}
    assert verdicts[("statistics", "nonconvex")].verdict == "skipped"
    assert "statistics property checks it" in verdicts[("stationarity", "constant")].message
    assert verdicts[("stationarity", "nonconvex")].verdict == "pass"
    assert verdicts[("stationarity", "nonconvex")].details["test"] == "nonnegative"


def test_the_wrong_variants_of_issue_17_are_judged_by_stationarity():
    caught = {m.name for m in MUTANTS if m.caught_by == "stationarity"}
    assert any("above 2/L" in n for n in caught) and any("frozen" in n for n in caught)
    assert any("sum instead of mean" in n for n in caught)


def test_nonconvex_settings_read_f_low_and_the_variance_bound():
    p = random_nonconvex(3, 8, 1, sigma=0.7)
    x0 = np.ones(3)
    vals = problem_values(p, x0, np.full(3, np.nan))
    assert vals["Delta0"] == pytest.approx(p.f(x0) - p.f_low) and f_low(p) == p.f_low
    assert vals["sigma"] == pytest.approx(0.7)
    q = quadratic_spectrum(2, 0.5, 2.0, 0, "linear")
    assert f_low(q) == q.f_star  # a convex problem's best lower bound is f*
    tol = allowance("grad_sq_min", p, x0, np.full(3, np.nan))
    assert 0 < tol < 1e-8 * (p.grad(x0) @ p.grad(x0) + p.L * abs(p.f(x0)) + 1)


def test_grad_sq_is_the_full_gradient_norm_in_chunks():
    p = logistic_nonconvex(3000, 400, 0.1, 0)  # 2**20 // (n d) = 0: one row per chunk
    xs = np.random.default_rng(0).standard_normal((3, 400)) * 0.1
    want = [float(p.grad(x) @ p.grad(x)) for x in xs]
    np.testing.assert_allclose(grad_sq(p, xs), want, rtol=1e-12)
    small = random_nonconvex(2, 5, 0, sigma=1.0)
    X = np.random.default_rng(1).standard_normal((4, 6, 2))
    np.testing.assert_allclose(grad_sq(small, X), [[small.grad(x) @ small.grad(x) for x in row] for row in X],
                               rtol=1e-12, atol=1e-15)
    g = grad_sq(small, X[0])
    np.testing.assert_array_equal(measure("grad_sq_min", small, X[0], None), np.minimum.accumulate(g))


def test_weights_of_r_are_the_steps():
    G = np.arange(1.0, 6.0)
    np.testing.assert_allclose(weighted_means(G, step_weights({"lr": 0.3}, 5)), np.cumsum(G) / np.arange(1, 6))
    w = step_weights({"lr": lambda k: 1 / np.sqrt(k + 1)}, 5)
    np.testing.assert_allclose(w, 1 / np.sqrt(np.arange(1, 6)))
    assert weighted_means(G, w)[-1] == pytest.approx(np.sum(w * G) / np.sum(w))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(L=st.floats(0.1, 10), h=st.floats(0.01, 1.0), b=st.integers(1, 32), x0=st.floats(-3, 3),
       sigma=st.floats(0.0, 3.0), k=st.integers(1, 3000))
def test_decreasing_bound_holds_on_the_exact_recursion(L, h, b, x0, sigma, k):
    """f = L/2 x^2 with additive noise of variance sigma^2/b per batch mean: E x_{j+1}^2 = (1 - L eta_j)^2 E x_j^2
    + eta_j^2 sigma^2/b exactly, E||grad f(x_j)||^2 = L^2 E x_j^2; its eta_j-weighted mean is within the bound."""
    eta = h / L
    lr = eta / np.sqrt(np.arange(k) + 1)
    ex2 = np.empty(k)
    ex2[0] = x0**2
    for j in range(k - 1):
        ex2[j + 1] = (1 - L * lr[j]) ** 2 * ex2[j] + lr[j] ** 2 * sigma**2 / b
    observed = np.sum(lr * L**2 * ex2) / np.sum(lr)
    bd = bound("sgd.nonconvex_decreasing")
    assert observed <= bd.evaluate(k=k, L=L, Delta0=L / 2 * x0**2, sigma=sigma, eta=eta, b=b) * (1 + 1e-12)


def test_decreasing_bound_sums_and_limits():
    ks = np.arange(1, 20001)
    harmonic = np.cumsum(1 / ks)
    assert np.all(harmonic <= 1 + np.log(ks) + 1e-12)  # sum_{j<k} 1/(j+1) <= 1 + log k
    assert np.all(np.cumsum(ks**-0.5) >= 2 * (np.sqrt(ks + 1) - 1))
    bd = bound("sgd.nonconvex_decreasing")
    vals = {"L": 1.0, "Delta0": 1.0, "sigma": 1.0, "eta": 1.0, "b": 1}
    assert bd.evaluate(k=1e12, **vals) < 1e-4  # no noise floor: it falls like log k / sqrt k
    # a step frozen at eta settles at sgd.nonconvex's floor, which this bound undercuts for large k
    floor = float(bound("sgd.nonconvex").evaluate(k=1e15, L=1.0, Delta0=1.0, sigma=1.0, eta=1.0))
    assert bd.evaluate(k=150, **vals) < floor / 2


def test_markov_count_keeps_the_false_alarm_level():
    from scipy.stats import binom

    for R in (16, 64, 256):
        q = markov_count(R, 12, 1e-6, MARKOV_C)
        if q <= R:
            assert binom.sf(q - 1, R, 1 / MARKOV_C) <= 1e-6 / 12 < binom.sf(q - 2, R, 1 / MARKOV_C)
    assert markov_count(16, 12, 1e-6, MARKOV_C) == 17  # too few runs: the test can never flag


@settings(max_examples=25, deadline=None, derandomize=True)
@given(nonconvex_instances())
def test_nonconvex_family_has_the_constants_the_bounds_need(inst):
    p = inst.problem
    assert np.isfinite(p.L) and p.L > 0 and np.isfinite(p.f_low) and np.isfinite(p.sigma2)
    assert p.f(inst.x0) >= p.f_low
    g = p.grad(inst.x0)
    assert g @ g <= 2 * p.L * (p.f(inst.x0) - p.f_low) * (1 + 1e-9) + 1e-12  # L-smooth and bounded below


def test_settings_of_issue_17_exist():
    assert get("gd").setting("nonconvex").bound_id == "gd.nonconvex"
    assert get("sgd").setting("nonconvex").bound_id == "sgd.nonconvex"
    assert get("sgd").setting("nonconvex_decreasing").family == "nonconvex"


def test_torch_sgd_through_the_adapter_passes_stationarity():
    pytest.importorskip("torch")
    from ratecheck.checks.adapters import as_teaching_form, load_target

    for method, chosen in (("gd", ["nonconvex"]), ("sgd", ["nonconvex_decreasing"])):
        fn = as_teaching_form(load_target("torch.optim:SGD"), method, {})
        report = check(fn, method, properties=["stationarity"], settings=chosen, max_examples=3)
        assert report.passed and report.results[0].verdict == "pass", report.summary()
