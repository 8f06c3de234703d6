"""SVRG as a Method file: the reference passes every property (options I and II), and for every property that
applies to it a deliberately wrong variant is caught by it; the statistical test's false-alarm rule; torch/optax
targets are refused clearly."""

from __future__ import annotations

import numpy as np
import pytest
from ratecheck import methods
from ratecheck.checks import check
from ratecheck.checks.adapters import TargetError, as_teaching_form
from ratecheck.checks.properties.statistics import MARKOV_C, markov_count
from ratecheck.implementations import svrg
from scipy.stats import binom


def _svrg(grad, grad_i, n, x0, lr, epochs, rng, inner_steps=None, snapshot="last", *, refresh=True,
          index=lambda i, n: i, extra_full=False, draw=lambda rng, n: int(rng.integers(n)), correction=1.0):
    """The reference loop with one thing changed (the keyword arguments), option I or II as asked."""
    m = 2 * n if inner_steps is None else inner_steps
    xs = [np.array(x0, dtype=float)]
    snap = xs[0]
    for _ in range(epochs):
        if refresh:
            snap = xs[-1]
        g = grad(snap)
        if extra_full:
            grad(snap)
        keep = m if snapshot == "last" else int(rng.integers(m))
        x = xs[-1]
        for _t in range(keep):
            i = draw(rng, n)
            x = x - lr * (grad_i(x, np.array([i])) - correction * grad_i(snap, np.array([index(i, n)])) + g)
        xs.append(x)
    return np.array(xs)


def svrg_frozen_snapshot(grad, grad_i, n, x0, lr, epochs, rng, inner_steps=None, snapshot="last"):
    return _svrg(grad, grad_i, n, x0, lr, epochs, rng, inner_steps, snapshot, refresh=False)


def svrg_no_correction(grad, grad_i, n, x0, lr, epochs, rng, inner_steps=None, snapshot="last"):
    """SGD with a constant step dressed as SVRG: the control variate's component term is dropped, its
    full-gradient term kept (the queries are the same, the variance is not removed and the mean is wrong)."""
    return _svrg(grad, grad_i, n, x0, lr, epochs, rng, inner_steps, snapshot, correction=0.0)


def svrg_other_index(grad, grad_i, n, x0, lr, epochs, rng, inner_steps=None, snapshot="last"):
    return _svrg(grad, grad_i, n, x0, lr, epochs, rng, inner_steps, snapshot, index=lambda i, n: (i + 1) % n)


def svrg_two_full_gradients(grad, grad_i, n, x0, lr, epochs, rng, inner_steps=None, snapshot="last"):
    return _svrg(grad, grad_i, n, x0, lr, epochs, rng, inner_steps, snapshot, extra_full=True)


def svrg_biased_sampling(grad, grad_i, n, x0, lr, epochs, rng, inner_steps=None, snapshot="last"):
    return _svrg(grad, grad_i, n, x0, lr, epochs, rng, inner_steps, snapshot,
                 draw=lambda rng, n: int(rng.integers(max(1, n - 1))))


def svrg_unseeded(grad, grad_i, n, x0, lr, epochs, rng, inner_steps=None, snapshot="last"):
    return svrg(grad, grad_i, n, x0, lr, epochs, np.random.default_rng(), inner_steps, snapshot)


def svrg_option_i(grad, grad_i, n, x0, lr, epochs, rng, inner_steps=None, snapshot="last"):
    """Ignores snapshot= and always runs option I (x~_{s+1} = x_m), which Thm 1 does not cover: the checks
    prescribe option II, and the epoch lengths give it away."""
    return svrg(grad, grad_i, n, x0, lr, epochs, rng, inner_steps, "last")


WRONG = [
    ("svrg: frozen snapshot", svrg_frozen_snapshot, "statistics", "runs have f(x_k) - f* above"),
    ("svrg: no control variate", svrg_no_correction, "statistics", "runs have f(x_k) - f* above"),
    ("svrg: frozen snapshot (rule)", svrg_frozen_snapshot, "conformance", "queries the full gradient at the snapshot"),
    ("svrg: index mismatch", svrg_other_index, "conformance", "SVRG's correction needs the same i"),
    ("svrg: ignores snapshot=", svrg_option_i, "conformance", "option II stops at t < m"),
    ("svrg: biased sampling", svrg_biased_sampling, "conformance", "not uniform"),
    ("svrg: two full gradients per epoch", svrg_two_full_gradients, "discipline", "one per epoch"),
    ("svrg: ignores its rng", svrg_unseeded, "discipline", "same seed"),
]


@pytest.mark.parametrize("name,fn,prop,message", WRONG, ids=[w[0] for w in WRONG])
def test_wrong_variant_is_caught_by_its_property(name, fn, prop, message):
    report = check(fn, "svrg", properties=[prop])
    failed = [r for r in report.results if r.verdict == "fail"]
    assert failed, report.summary()
    assert any(message in r.message for r in failed), report.summary()


def test_every_applicable_property_has_a_wrong_variant():
    assert {w[2] for w in WRONG} == {"statistics", "conformance", "discipline"}


def test_reference_passes_every_property():
    report = check(svrg, "svrg")
    assert report.passed, report.summary()
    stats = [r for r in report.results if r.property == "statistics"]
    assert stats and stats[0].examples >= 3 and 0 < stats[0].worst_ratio < 1
    # stationarity: svrg has no nonconvex setting, so it skips each of its settings
    assert {r.property for r in report.results if r.verdict == "skipped"} == {"regimes", "impossibility",
                                                                               "stationarity"}


def test_markov_count_is_the_binomial_quantile():
    """Under H0 each run exceeds C x bound with probability <= 1/C; q is the smallest count whose tail is
    within alpha/K, so q - 1 is not."""
    for R, K, alpha in ((16, 16, 1e-6), (64, 16, 1e-6), (32, 4, 1e-3)):
        q = markov_count(R, K, alpha)
        assert binom.sf(q - 1, R, 1 / MARKOV_C) <= alpha / K < binom.sf(q - 2, R, 1 / MARKOV_C)


def test_method_record():
    m = methods.get("svrg")
    assert m.signature.text("svrg") == ('svrg(grad, grad_i, n, x0, lr, epochs, rng, inner_steps=None, '
                                        'snapshot="last")')
    assert m.signature.oracles == ("grad", "grad_i")
    assert m.signature.hyperparameters == ("lr", "inner_steps", "snapshot")
    (setting,) = m.settings
    assert setting.bound_id == "svrg.strongly_convex" and setting.constants == {"L": "L_max"}


def test_library_targets_are_not_supported():
    torch = pytest.importorskip("torch")
    with pytest.raises(TargetError, match="svrg is not supported for torch targets"):
        as_teaching_form(torch.optim.SGD, "svrg")
