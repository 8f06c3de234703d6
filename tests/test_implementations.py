"""Reference optimizers against hand-computed cases, their contracts, and their input validation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from ratecheck.implementations import (
    CountedOracle,
    fista_momentum,
    gradient_descent,
    heavy_ball,
    least_squares,
    nesterov,
    noisy_quadratic,
    replicate_rngs,
    sgd,
    sgd_replicates,
    svrg,
)
from ratecheck.implementations._sampling import uniform_indices


def quad_1d(a: float, x_star: float = 0.0):
    """grad of f(x) = a/2 (x - x_star)^2 in one dimension."""
    return lambda x: a * (x - x_star)


# --- gradient descent -------------------------------------------------------------------------

def test_gd_closed_form_on_1d_quadratic():
    a, lr, x0 = 2.0, 0.1, 3.0
    xs = gradient_descent(quad_1d(a, 1.0), np.array([x0]), lr, 20)
    k = np.arange(21)
    np.testing.assert_allclose(xs[:, 0], 1.0 + (1 - lr * a) ** k * (x0 - 1.0), rtol=1e-14)


def test_gd_shape_start_and_no_aliasing():
    x0 = np.array([1.0, -2.0, 0.5])
    xs = gradient_descent(lambda x: x, x0, 0.5, 4)
    assert xs.shape == (5, 3)
    np.testing.assert_array_equal(xs[0], x0)
    xs[0, 0] = 99.0
    assert x0[0] == 1.0
    assert gradient_descent(lambda x: x, [1, 2], 0.5, 0).shape == (1, 2)  # lists and ints are accepted


# --- heavy ball -------------------------------------------------------------------------------

def test_heavy_ball_hand_computed():
    a, lr, beta, x0 = 1.0, 0.5, 0.3, 2.0
    xs = heavy_ball(quad_1d(a), np.array([x0]), lr, beta, 3)[:, 0]
    x1 = x0 - lr * a * x0  # x_{-1} = x_0: the first step has no momentum
    x2 = x1 - lr * a * x1 + beta * (x1 - x0)
    x3 = x2 - lr * a * x2 + beta * (x2 - x1)
    np.testing.assert_allclose(xs, [x0, x1, x2, x3], rtol=1e-15)


def test_heavy_ball_without_momentum_is_gd():
    grad = quad_1d(3.0, -1.0)
    np.testing.assert_allclose(heavy_ball(grad, [2.0], 0.1, 0.0, 10), gradient_descent(grad, [2.0], 0.1, 10))


# --- Nesterov and FISTA ------------------------------------------------------------------------

def test_nesterov_hand_computed_with_schedule():
    a, lr, x0 = 1.0, 0.25, 4.0
    b = {0: 0.1, 1: 0.2, 2: 0.3}
    xs = nesterov(quad_1d(a), np.array([x0]), lr, b.__getitem__, 3)[:, 0]
    y0 = x0  # y_0 = x_0
    x1 = y0 - lr * a * y0
    y1 = x1 + b[0] * (x1 - x0)
    x2 = y1 - lr * a * y1
    y2 = x2 + b[1] * (x2 - x1)
    x3 = y2 - lr * a * y2
    np.testing.assert_allclose(xs, [x0, x1, x2, x3], rtol=1e-15)


def test_nesterov_without_momentum_is_gd():
    grad = quad_1d(3.0, -1.0)
    np.testing.assert_allclose(nesterov(grad, [2.0], 0.1, 0.0, 10), gradient_descent(grad, [2.0], 0.1, 10))


def test_fista_momentum_values():
    b = fista_momentum()
    t1 = 1.0
    t2 = (1 + math.sqrt(1 + 4 * t1**2)) / 2
    t3 = (1 + math.sqrt(1 + 4 * t2**2)) / 2
    t4 = (1 + math.sqrt(1 + 4 * t3**2)) / 2
    assert b(2) == pytest.approx((t3 - 1) / t4, rel=1e-15)  # any order
    assert b(0) == 0.0
    assert b(1) == pytest.approx((t2 - 1) / t3, rel=1e-15)
    vals = [b(k) for k in range(200)]
    assert all(0 <= v < 1 for v in vals) and np.all(np.diff(vals) > 0)
    assert vals[-1] == pytest.approx(1 - 3 / 202, abs=2e-3)  # b_k ~ k/(k+3)
    with pytest.raises(ValueError, match="k must be an int >= 0"):
        b(-1)


def test_nesterov_accelerates_on_ill_conditioned_quadratic():
    L, mu = 1.0, 1e-3
    grad = lambda x: np.array([L, mu]) * x  # noqa: E731
    x0 = np.array([1.0, 1.0])
    q = (1 - math.sqrt(mu / L)) / (1 + math.sqrt(mu / L))
    fast = nesterov(grad, x0, 1 / L, q, 300)[-1]
    slow = gradient_descent(grad, x0, 1 / L, 300)[-1]
    assert np.linalg.norm(fast) < 0.01 * np.linalg.norm(slow)


# --- SGD --------------------------------------------------------------------------------------

def test_uniform_indices_equal_one_rng_call_per_step():
    for n, b in [(7, 1), (1000, 3), (2**40, 2)]:
        chunked = np.array(list(uniform_indices(np.random.default_rng(5), n, b, 5000)))
        rng = np.random.default_rng(5)
        np.testing.assert_array_equal(chunked, [rng.integers(n, size=b) for _ in range(5000)])


def test_sgd_hand_computed_with_the_same_index_stream():
    # f_i(x) = 1/2 (x - c_i)^2 in 1-D, so grad_i(x, idx) = x - mean(c[idx])
    c = np.array([0.0, 10.0, -4.0])
    grad_i = lambda x, idx: x - c[idx].mean()  # noqa: E731
    lr = lambda k: 1.0 / (k + 2)  # noqa: E731
    xs = sgd(grad_i, 3, np.array([1.0]), lr, 50, np.random.default_rng(3), batch_size=2)
    rng, x = np.random.default_rng(3), 1.0
    for k in range(50):
        x = x - lr(k) * (x - c[rng.integers(3, size=2)].mean())
        assert xs[k + 1, 0] == pytest.approx(x, rel=1e-14)


def test_sgd_reproducible_and_samples_with_replacement():
    problem = least_squares(5, 3, rng=0)
    oracle = CountedOracle(problem, record=True)
    a = sgd(oracle.grad_i, 5, np.zeros(3), 0.01, 300, np.random.default_rng(1), batch_size=8)
    b = sgd(problem.grad_i, 5, np.zeros(3), 0.01, 300, np.random.default_rng(1), batch_size=8)
    np.testing.assert_array_equal(a, b)
    idx = np.array([q.idx for q in oracle.log])
    assert idx.shape == (300, 8) and idx.min() >= 0 and idx.max() < 5
    assert all(len(set(row)) < 8 for row in idx)  # batch 8 from 5 components: repeats are forced
    freq = np.bincount(idx.ravel(), minlength=5) / idx.size
    np.testing.assert_allclose(freq, 0.2, atol=0.03)  # uniform


def test_sgd_replicates_match_sgd_run_alone():
    problem = least_squares(40, 4, rng=2)
    for b in (1, 3):
        reps = sgd_replicates(problem.grad_i_batched, 40, np.ones(4), 0.01, 200, 7, 5, batch_size=b)
        assert reps.shape == (5, 201, 4)
        for r, g in enumerate(replicate_rngs(7, 5)):
            alone = sgd(problem.grad_i, 40, np.ones(4), 0.01, 200, g, batch_size=b)
            np.testing.assert_allclose(reps[r], alone, rtol=1e-12, atol=1e-14)
        assert not np.allclose(reps[0], reps[1])  # distinct streams


def test_sgd_replicates_are_statistically_independent_runs():
    # Noisy quadratic with exactly known noise; compare R vectorised replicates with R runs one by one
    # (other seeds): the final iterates must share mean and variance within sampling error.
    problem = noisy_quadratic(3, 0.5, 1.0, sigma2=1.0, rng=0, n=512)
    x0, lr, steps, R = problem.x_star + 2.0, 0.2, 40, 400
    vec = sgd_replicates(problem.grad_i_batched, problem.n, x0, lr, steps, 11, R)[:, -1]
    one = np.array([sgd(problem.grad_i, problem.n, x0, lr, steps, g)[-1] for g in replicate_rngs(12, R)])
    se = np.sqrt(vec.var(axis=0) / R + one.var(axis=0) / R)
    assert np.all(np.abs(vec.mean(axis=0) - one.mean(axis=0)) < 5 * se)
    np.testing.assert_allclose(vec.var(axis=0), one.var(axis=0), rtol=0.35)
    # independence across replicates: correlation of replicate pairs is ~ 0
    corr = np.corrcoef(vec[::2, 0], vec[1::2, 0])[0, 1]
    assert abs(corr) < 5 / np.sqrt(R / 2)


def test_replicate_rngs_from_generator_and_bad_seed():
    gens = replicate_rngs(np.random.default_rng(0), 3)
    assert len(gens) == 3 and len({g.integers(2**62) for g in gens}) == 3
    with pytest.raises(TypeError, match="Generator, a SeedSequence or an int seed"):
        replicate_rngs(None, 3)


# --- SVRG -------------------------------------------------------------------------------------

def test_svrg_converges_linearly_on_least_squares():
    problem = least_squares(100, 10, rng=0)
    oracle = CountedOracle(problem)
    epochs, m = 15, 500  # m ~ 10 L_max / mu, lr = 1/(5 L_max): a constant contraction per epoch
    xs = svrg(oracle.grad, oracle.grad_i, oracle.n, np.zeros(10), 1 / (5 * problem.L_max), epochs,
              np.random.default_rng(0), inner_steps=m)
    err = np.linalg.norm(xs - problem.x_star, axis=1)
    assert xs.shape == (epochs + 1, 10)
    assert err[-1] < 1e-8 * err[0]
    rates = err[1:] / err[:-1]
    assert np.all(rates < 0.5)  # every epoch contracts by a constant factor: linear convergence
    assert oracle.work == epochs * (problem.n + 2 * m)  # n per snapshot gradient, 2 per inner step


def test_svrg_option_ii_random_snapshot_converges():
    problem = least_squares(100, 10, rng=0)
    xs = svrg(problem.grad, problem.grad_i, 100, np.zeros(10), 1 / (5 * problem.L_max), 15,
              np.random.default_rng(1), inner_steps=1000, snapshot="random")
    assert np.linalg.norm(xs[-1] - problem.x_star) < 1e-6 * np.linalg.norm(problem.x_star)


# --- boundary validation ----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"steps": -1}, ValueError, "steps must be an int >= 0, got -1"),
        ({"steps": 2.0}, TypeError, "steps must be an int >= 0, got float"),
        ({"steps": True}, TypeError, "steps must be an int"),
        ({"x0": np.zeros((2, 2))}, ValueError, r"x0 must be a non-empty 1-D array of shape \(d,\), got shape \(2, 2\)"),
        ({"x0": []}, ValueError, "non-empty 1-D"),
        ({"x0": [1.0, np.nan]}, ValueError, "x0 must be finite, got nan at index 1"),
        ({"x0": [1j]}, TypeError, "real numbers"),
        ({"lr": 0.0}, ValueError, r"lr must be a finite number in \(0.0, inf\), got 0.0"),
        ({"lr": -1}, ValueError, "lr must be a finite number"),
        ({"lr": math.inf}, ValueError, "lr must be a finite number"),
        ({"lr": "0.1"}, TypeError, "lr must be a real number"),
        ({"grad": 3}, TypeError, "grad must be callable"),
    ],
)
def test_gd_rejects_bad_inputs(kwargs, exc, match):
    args = {"grad": lambda x: x, "x0": np.ones(2), "lr": 0.1, "steps": 3} | kwargs
    with pytest.raises(exc, match=match):
        gradient_descent(**args)


def test_momentum_batch_rng_and_schedule_validation():
    with pytest.raises(ValueError, match=r"momentum must be a finite number in \[0.0, 1.0\]"):
        heavy_ball(lambda x: x, [1.0], 0.1, 1.5, 3)
    with pytest.raises(ValueError, match=r"momentum\(1\) must be a finite number"):
        nesterov(lambda x: x, [1.0], 0.1, lambda k: -1.0 if k == 1 else 0.5, 3)
    grad_i = lambda x, idx: x  # noqa: E731
    with pytest.raises(ValueError, match="batch_size must be an int >= 1, got 0"):
        sgd(grad_i, 3, [1.0], 0.1, 3, np.random.default_rng(0), batch_size=0)
    with pytest.raises(TypeError, match=r"rng must be a numpy Generator \(e.g. np.random.default_rng\(0\)\)"):
        sgd(grad_i, 3, [1.0], 0.1, 3, 0)
    with pytest.raises(ValueError, match=r"lr\(2\) must be a finite number"):
        sgd(grad_i, 3, [1.0], lambda k: 0.1 if k < 2 else math.nan, 5, np.random.default_rng(0))
    with pytest.raises(ValueError, match="n must be an int >= 1"):
        sgd(grad_i, 0, [1.0], 0.1, 3, np.random.default_rng(0))
    with pytest.raises(ValueError, match="snapshot must be 'last' or 'random'"):
        svrg(lambda x: x, grad_i, 3, [1.0], 0.1, 2, np.random.default_rng(0), snapshot="avg")
