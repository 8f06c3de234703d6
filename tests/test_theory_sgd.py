"""SGD bounds against exact expectation recursions (covariance propagation) and Monte-Carlo runs."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from ratecheck.theory import get
from ratecheck.theory.symbols import L as Ls
from ratecheck.theory.symbols import k as ks
from ratecheck.theory.symbols import mu as mus


def exact_mean_sq(lams, e0, Sigma, steps):
    """E||x_k - x*||^2 for x_{k+1} = x_k - eta_k (A (x_k - x*) + xi_k), Cov xi = Sigma.

    Propagates the covariance exactly: C_{k+1} = M C M^T + eta^2 Sigma with M = I - eta A.
    """
    C = np.outer(e0, e0)
    out = [np.trace(C)]
    for eta in steps:
        M = np.eye(len(lams)) - eta * np.diag(lams)
        C = M @ C @ M.T + eta**2 * Sigma
        out.append(np.trace(C))
    return np.array(out)


def _setup(rng, d=4, mu=0.5, L=5.0, sigma=0.7):
    lams = np.concatenate([[mu, L], rng.uniform(mu, L, d - 2)])
    B = rng.normal(size=(d, d))
    Sigma = B @ B.T
    Sigma *= sigma**2 / np.trace(Sigma)
    e0 = rng.normal(size=d)
    return lams, Sigma, e0


@pytest.mark.parametrize("frac", [0.05, 0.5, 1.0])
def test_sgd_constant_against_exact_recursion(frac):
    rng = np.random.default_rng(3)
    mu, L, sigma = 0.5, 5.0, 0.7
    b = get("sgd.constant")
    for _ in range(5):
        lams, Sigma, e0 = _setup(rng, mu=mu, L=L, sigma=sigma)
        eta = frac * 2 / (mu + L)
        exact = exact_mean_sq(lams, e0, Sigma, [eta] * 400)
        bound = b.evaluate(eta=eta, mu=mu, sigma=sigma, R=np.linalg.norm(e0), k=np.arange(401))
        assert np.all(exact <= bound * (1 + 1e-10))


def test_sgd_constant_is_tight_and_a_wrong_floor_fails():
    mu, sigma, eta, R = 1.0, 0.3, 0.8, 2.0
    exact = exact_mean_sq(np.array([mu]), np.array([R]), np.array([[sigma**2]]), [eta] * 200)
    b = get("sgd.constant")
    bound = b.evaluate(eta=eta, mu=mu, sigma=sigma, R=R, k=np.arange(201))
    assert np.allclose(exact, bound, rtol=1e-10)  # f = mu/2 x^2 with additive noise: equality
    wrong_floor = eta * sigma**2 / (2 * mu)  # forgets the (2 - eta mu) denominator
    assert exact[-1] > wrong_floor * 1.5
    assert float(b.evaluate_derived("noise_floor", eta=eta, mu=mu, sigma=sigma)) == pytest.approx(exact[-1])


def _finite_sum(rng, n, lams, sigma):
    """f_i(x) = 1/2 (x - c_i)^T A (x - c_i) with mean c_i = 0 = x*: noise variance exactly sigma^2 everywhere."""
    c = rng.normal(size=(n, len(lams)))
    c -= c.mean(axis=0)
    c *= sigma / np.sqrt(np.mean(np.sum((c * lams) ** 2, axis=1)))
    return c


def _sgd_runs(rng, lams, c, x0, steps, batch, reps):
    X = np.tile(x0, (reps, 1))
    out = [np.mean(np.sum(X**2, axis=1))]
    for eta in steps:
        idx = rng.integers(0, len(c), size=(reps, batch))  # with replacement
        g = lams * (X - c[idx].mean(axis=1))
        X = X - eta * g
        out.append(np.mean(np.sum(X**2, axis=1)))
    return np.array(out)


@pytest.mark.parametrize("batch", [1, 4, 16])
def test_sgd_minibatch_monte_carlo_matches_recursion_and_respects_bound(batch):
    rng = np.random.default_rng(10 + batch)
    mu, L, sigma, reps = 1.0, 4.0, 1.0, 4000
    lams = np.array([mu, 2.0, L])
    c = _finite_sum(rng, 200, lams, sigma)
    x0 = np.array([1.0, 0.0, 0.0])
    eta = 0.3
    steps = [eta] * 60
    mc = _sgd_runs(rng, lams, c, x0, steps, batch, reps)
    # exact: Cov of the mean of `batch` samples with replacement is Sigma/batch
    Sigma = np.cov((c * lams).T, bias=True) / batch
    exact = exact_mean_sq(lams, x0, Sigma, steps)
    assert np.allclose(mc[-20:].mean(), exact[-20:].mean(), rtol=0.1)
    bound = get("sgd.minibatch").evaluate(eta=eta, mu=mu, sigma=sigma, b=batch, R=1.0, k=np.arange(61))
    assert np.all(exact <= bound * (1 + 1e-10))
    # batching divides the floor by b
    floor = get("sgd.minibatch").evaluate_derived("noise_floor", eta=eta, mu=mu, sigma=sigma, b=batch)
    floor1 = get("sgd.constant").evaluate_derived("noise_floor", eta=eta, mu=mu, sigma=sigma)
    assert float(floor) == pytest.approx(float(floor1) / batch)


def test_sgd_minibatch_step_for_eps_and_critical_batch():
    b = get("sgd.minibatch")
    mu, L, sigma, eps = 0.5, 20.0, 2.0, 1e-3
    b_crit = float(b.evaluate_derived("critical_batch", mu=mu, L=L, sigma=sigma, eps=eps))
    lr_max = 2 / (mu + L)
    for batch in (1.0, 8.0, b_crit / 2):
        lr = float(b.evaluate_derived("lr_for_eps", b=batch, mu=mu, sigma=sigma, eps=eps))
        assert float(b.evaluate_derived("noise_floor", eta=lr, mu=mu, sigma=sigma, b=batch)) == pytest.approx(eps / 2)
        assert lr < lr_max
    lr_c = float(b.evaluate_derived("lr_for_eps", b=b_crit, mu=mu, sigma=sigma, eps=eps))
    assert lr_c == pytest.approx(lr_max, rel=1e-9)
    adm = b.evaluate_derived("lr_admissible", b=np.array([1.0, 4 * b_crit]), mu=mu, L=L, sigma=sigma, eps=eps)
    assert adm[1] == pytest.approx(lr_max) and adm[0] < lr_max


def _schedule(bound, L, mu, K):
    f = sp.lambdify(ks, bound.hyperparameters["lr"].subs({Ls: L, mus: mu}))
    return [float(f(k)) for k in range(K)]


@pytest.mark.parametrize("sigma", [0.0, 0.1, 3.0])
def test_sgd_decreasing_against_exact_recursion(sigma):
    rng = np.random.default_rng(4)
    mu, L = 0.5, 8.0
    b = get("sgd.decreasing")
    lams, Sigma, e0 = _setup(rng, mu=mu, L=L, sigma=max(sigma, 1e-300))
    steps = _schedule(b, L, mu, 3000)
    assert steps[0] == pytest.approx(2 / (mu + L))
    exact = exact_mean_sq(lams, e0, Sigma * (sigma > 0), steps)
    bound = b.evaluate(L=L, mu=mu, sigma=sigma, R=np.linalg.norm(e0), k=np.arange(3001))
    assert np.all(exact <= bound * (1 + 1e-10))


def test_sgd_decreasing_wrong_constant_fails():
    mu, L, sigma = 1.0, 2.0, 3.0
    b = get("sgd.decreasing")
    steps = _schedule(b, L, mu, 20000)
    exact = exact_mean_sq(np.array([mu]), np.array([0.1]), np.array([[sigma**2]]), steps)
    gamma = 1 + L / mu
    wrong = sigma**2 / mu**2 / (np.arange(20001) + gamma)  # nu = sigma^2/mu^2 instead of 4 sigma^2/mu^2
    assert exact[-1] > wrong[-1]
    assert exact[-1] * (20000 + gamma) == pytest.approx(4 * sigma**2 / (3 * mu**2), rel=0.01)
