"""OGM and triple momentum as Method files: the references pass every property, and for every property a
deliberately wrong variant is caught by it (like checks/mutants.py); torch/optax targets are refused clearly."""

from __future__ import annotations

import numpy as np
import pytest
from ratecheck import methods
from ratecheck.checks import check
from ratecheck.checks.adapters import TargetError, as_teaching_form
from ratecheck.checks.mutants import gd_extra_calls, gd_reads_the_data
from ratecheck.implementations import fista_momentum, nesterov, ogm, triple_momentum
from ratecheck.implementations.ogm import ogm_theta


# ---- OGM variants ---------------------------------------------------------------------------------------------
def _ogm(grad, x0, lr, steps, theta, extra=lambda th, k: th[k] / th[k + 1]):
    x = y = np.array(x0, dtype=float)
    ys = [y]
    for k in range(steps):
        x_prev, x = x, y - lr * grad(y)
        y = x + (theta[k] - 1) / theta[k + 1] * (x - x_prev) + extra(theta, k) * (x - y)
        ys.append(y)
    return np.array(ys)


def ogm_no_last_step_rule(grad, x0, lr, steps):
    """The regular theta rule at the last step too (an intermediate iterate of a longer run)."""
    return _ogm(grad, x0, lr, steps, ogm_theta(steps + 1))


def ogm_inverted_ratio(grad, x0, lr, steps):
    """theta_{k+1}/theta_k instead of theta_k/theta_{k+1} in OGM's extra term."""
    return _ogm(grad, x0, lr, steps, ogm_theta(steps), extra=lambda th, k: th[k + 1] / th[k])


def ogm_without_its_extra_term(grad, x0, lr, steps):
    """Nesterov/FISTA momentum: drops theta_k/theta_{k+1} (x_{k+1} - y_k)."""
    xs = nesterov(grad, x0, lr, fista_momentum(), steps)
    ys = [xs[0]]
    b = fista_momentum()
    for k in range(steps):  # the look-ahead points FISTA queries
        ys.append(xs[k + 1] + b(k) * (xs[k + 1] - xs[k]))
    return np.array(ys)


def ogm_kim_fessler_form(grad, x0, lr, steps):
    """Correct: the same method written with Kim & Fessler's names (y primary, x secondary) and a list."""
    theta = ogm_theta(steps)
    x = y = np.array(x0, dtype=float)
    out = [x.copy()]
    for i in range(steps):
        y_new = x - lr * grad(x)
        x = y_new + (theta[i] - 1) / theta[i + 1] * (y_new - y) + theta[i] / theta[i + 1] * (y_new - x)
        y = y_new
        out.append(x.copy())
    return out


# ---- triple momentum variants ---------------------------------------------------------------------------------
def tm_gradient_at_xi(grad, x0, alpha, beta, gamma, steps):
    """Takes the gradient at xi_k instead of y_k (gamma ignored): Polyak's heavy ball with TM's parameters."""
    return triple_momentum(grad, x0, alpha, beta, 0.0, steps)


def tm_zero_history(grad, x0, alpha, beta, gamma, steps):
    xis, prev = [np.array(x0, dtype=float)], np.zeros_like(x0, dtype=float)  # xi_{-1} = 0
    for _ in range(steps):
        xi = xis[-1]
        y = (1 + gamma) * xi - gamma * prev
        xis.append((1 + beta) * xi - beta * prev - alpha * grad(y))
        prev = xi
    return np.array(xis)


def tm_momentum_sign(grad, x0, alpha, beta, gamma, steps):
    xis = [np.array(x0, dtype=float)]
    prev = xis[0]
    for _ in range(steps):
        xi = xis[-1]
        y = (1 + gamma) * xi - gamma * prev
        xis.append((1 - beta) * xi + beta * prev - alpha * grad(y))  # momentum with the wrong sign
        prev = xi
    return np.array(xis)


def tm_beta_for_gamma(grad, x0, alpha, beta, gamma, steps):
    """The state update extrapolates with gamma instead of beta (the gradient point is right)."""
    xis = [np.array(x0, dtype=float)]
    prev = xis[0]
    for _ in range(steps):
        xi = xis[-1]
        y = (1 + gamma) * xi - gamma * prev
        xis.append((1 + gamma) * xi - gamma * prev - alpha * grad(y))
        prev = xi
    return np.array(xis)


def tm_extra_calls(grad, x0, alpha, beta, gamma, steps):
    grad(np.asarray(x0, dtype=float))  # a wasted evaluation
    return triple_momentum(grad, x0, alpha, beta, gamma, steps)


def tm_reads_the_data(grad, x0, alpha, beta, gamma, steps):
    return gd_reads_the_data(grad, x0, alpha, steps)


WRONG = [
    ("ogm: inverted theta ratio", "ogm", ogm_inverted_ratio, "bound", "exceeds the bound ogm.trajectory"),
    ("ogm: no last-step rule", "ogm", ogm_no_last_step_rule, "conformance", "does not follow the ogm update"),
    ("ogm: FISTA's momentum", "ogm", ogm_without_its_extra_term, "conformance", "does not follow the ogm update"),
    ("ogm: extra oracle calls", "ogm", gd_extra_calls, "discipline", "expected exactly one gradient per step"),
    ("ogm: reads the problem's data", "ogm", gd_reads_the_data, "impossibility", "faster than any first-order"),
    ("tm: momentum sign", "triple-momentum", tm_momentum_sign, "bound", "exceeds the bound triple_momentum.iterates"),
    ("tm: gradient at xi_k", "triple-momentum", tm_gradient_at_xi, "conformance", "y_k = (1 + gamma) xi_k"),
    ("tm: xi_{-1} = 0", "triple-momentum", tm_zero_history, "conformance", "y_k = (1 + gamma) xi_k"),
    ("tm: beta for gamma", "triple-momentum", tm_beta_for_gamma, "conformance", "triple-momentum update"),
    ("tm: extra oracle calls", "triple-momentum", tm_extra_calls, "discipline", "expected exactly one gradient"),
    ("tm: reads the problem's data", "triple-momentum", tm_reads_the_data, "impossibility", "faster than any"),
]


@pytest.mark.parametrize("name,method,fn,prop,message", WRONG, ids=[w[0] for w in WRONG])
def test_wrong_variant_is_caught_by_its_property(name, method, fn, prop, message):
    report = check(fn, method, properties=[prop])
    failed = [r for r in report.results if r.verdict == "fail"]
    assert failed, report.summary()
    assert any(message in r.message for r in failed), report.summary()


def test_every_deterministic_property_has_a_wrong_variant_per_method():
    for method in ("ogm", "triple-momentum"):
        assert {w[3] for w in WRONG if w[1] == method} == {"bound", "conformance", "discipline", "impossibility"}


@pytest.mark.parametrize("method,fn", [("ogm", ogm), ("ogm", ogm_kim_fessler_form),
                                       ("triple-momentum", triple_momentum)])
def test_references_and_correct_variants_pass(method, fn):
    report = check(fn, method)
    assert report.passed, report.summary()
    bound = [r for r in report.results if r.property == "bound"]
    assert bound and all(r.examples >= 3 for r in bound)


def test_method_records():
    assert methods.get("triple_momentum") is methods.get("triple-momentum")
    ogm_m = methods.get("ogm")
    assert ogm_m.signature.text("ogm") == "ogm(grad, x0, lr, steps)"
    assert [s.bound_id for s in ogm_m.settings] == ["ogm.trajectory"]
    tm = methods.get("triple-momentum")
    assert tm.signature.hyperparameters == ("alpha", "beta", "gamma")
    assert tm.signature_data()["params"] == ["alpha", "beta", "gamma"]


@pytest.mark.parametrize("method", ["ogm", "triple-momentum"])
def test_library_targets_are_not_supported(method):
    torch = pytest.importorskip("torch")
    with pytest.raises(TargetError, match=f"{method} is not supported for torch targets"):
        as_teaching_form(torch.optim.SGD, method)
    optax = pytest.importorskip("optax")
    with pytest.raises(TargetError, match=r"torch\.optim and optax have no"):
        as_teaching_form(optax.sgd, method)
