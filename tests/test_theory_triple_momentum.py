"""Triple momentum: parameters against the paper, iteration-matrix spectra and exact powers on quadratics, a
non-quadratic function, and PEPit's exact worst cases; each check also shows a wrong formula failing it."""

from __future__ import annotations

import numpy as np
import pytest
from ratecheck.implementations import triple_momentum
from ratecheck.implementations.triple_momentum import output, tm_parameters
from ratecheck.theory import SYMBOLS, get

CASES = [(1.0, 4.0), (1.0, 10.0), (0.01, 3.0), (1.0, 1e3)]


def _grid(mu: float, L: float, m: int = 301) -> np.ndarray:
    return np.unique(np.concatenate([np.linspace(mu, L, m), np.geomspace(mu, L, m), [mu, L]]))


def _hp(L: float, mu: float) -> dict[str, float]:
    b = get("triple_momentum.strongly_convex")
    return {name: float(e.subs({SYMBOLS["L"]: L, SYMBOLS["mu"]: mu})) for name, e in b.hyperparameters.items()}


def _matrix(lam: np.ndarray, p: dict[str, float]) -> np.ndarray:
    """(xi_{k+1}, xi_k) = T (xi_k, xi_{k-1}) on the eigencomponent lam of a quadratic, one matrix per lam."""
    a, b, g = p["alpha"], p["beta"], p["gamma"]
    T = np.zeros((lam.size, 2, 2))
    T[:, 0, 0] = 1 + b - a * lam * (1 + g)
    T[:, 0, 1] = -(b - a * lam * g)
    T[:, 1, 0] = 1.0
    return T


def _run(lam: np.ndarray, p: dict[str, float], K: int) -> np.ndarray:
    """xi_0 .. xi_K per eigencomponent from xi_{-1} = xi_0 = 1 (x* = 0), by powers of the iteration matrices."""
    T, v = _matrix(lam, p), np.ones((lam.size, 2))
    out = [v[:, 0].copy()]
    for _ in range(K):
        v = np.einsum("nij,nj->ni", T, v)
        out.append(v[:, 0].copy())
    return np.array(out)


@pytest.mark.parametrize("mu,L", CASES)
def test_parameters_are_the_papers_and_the_implementations(mu, L):
    p, ref = _hp(L, mu), tm_parameters(L, mu)
    rho = 1 - np.sqrt(mu / L)
    assert p == pytest.approx({"alpha": (1 + rho) / L, "beta": rho**2 / (2 - rho),
                               "gamma": rho**2 / ((1 + rho) * (2 - rho))}, rel=1e-12)
    assert p == pytest.approx({k: ref[k] for k in p}, rel=1e-12)
    b = get("triple_momentum.strongly_convex")
    assert float(b.evaluate_derived("delta", L=L, mu=mu)) == pytest.approx(rho**2 / (1 - rho**2), rel=1e-12)
    assert float(b.evaluate_derived("rate", L=L, mu=mu)) == pytest.approx(rho, rel=1e-12)


@pytest.mark.parametrize("mu,L", CASES)
def test_spectral_radius_is_rho_on_quadratics(mu, L):
    p, rho = _hp(L, mu), 1 - np.sqrt(mu / L)
    radii = np.max(np.abs(np.linalg.eigvals(_matrix(_grid(mu, L), p))), axis=1)
    assert radii.max() <= rho * (1 + 1e-9) and radii[0] == pytest.approx(rho, rel=1e-9)  # attained at mu
    np.testing.assert_allclose(np.sort(np.abs(np.linalg.eigvals(_matrix(np.array([L]), p))[0])), [0, rho], atol=1e-9)
    # the lower bound's (faster) rate (sqrt(kappa) - 1)/(sqrt(kappa) + 1) is not TM's: the same check fails
    q = (np.sqrt(L / mu) - 1) / (np.sqrt(L / mu) + 1)
    assert radii.max() > q


@pytest.mark.parametrize("mu,L", CASES)
def test_bounds_against_exact_powers_on_quadratics(mu, L):
    p, delta = _hp(L, mu), tm_parameters(L, mu)["delta"]
    lam, K = _grid(mu, L), 200
    xi = _run(lam, p, K)  # R = 1 on every component
    x = output(xi, delta)
    ks = np.arange(K + 1)[:, None]
    gap = lam / 2 * x**2
    bound = get("triple_momentum.strongly_convex").evaluate(L=L, mu=mu, R=1.0, k=ks)
    assert np.all(gap <= bound * (1 + 1e-9) + 1e-300)
    state = get("triple_momentum.iterates").evaluate(L=L, mu=mu, R=1.0, k=ks)
    assert np.all(np.abs(xi) <= state * (1 + 1e-9) + 1e-300)
    # a wrong rate, rho^2 per step on the gap replaced by rho^3, fails on the mu-component
    wrong = L * (L / mu) / 2 * (1 - np.sqrt(mu / L)) ** (3 * ks)
    assert np.any(gap > wrong)


def test_teaching_form_matches_the_iteration_matrices():
    mu, L = 0.5, 20.0
    p = _hp(L, mu)
    lam = np.array([mu, 3.0, L])
    xis = triple_momentum(lambda v: lam * v, np.ones(3), p["alpha"], p["beta"], p["gamma"], 40)
    np.testing.assert_allclose(xis, _run(lam, p, 40), rtol=1e-12, atol=1e-15)


def test_bounds_on_a_non_quadratic_function():
    """f(x) = mu/2 ||x||^2 + (L - mu) sum 4 log(1 + e^{x_i - c_i}): exactly mu-strongly convex and L-smooth."""
    from scipy.optimize import brentq

    rng = np.random.default_rng(4)
    mu, L, d = 0.05, 5.0, 3
    c = rng.normal(size=d)
    grad = lambda x: mu * x + (L - mu) * 4 / (1 + np.exp(-(x - c)))  # noqa: E731
    f = lambda x: mu / 2 * x @ x + (L - mu) * 4 * np.sum(np.logaddexp(0, x - c))  # noqa: E731
    xstar = np.array([brentq(lambda t, i=i: grad(np.full(d, t))[i], -500, 500, xtol=1e-15) for i in range(d)])
    x0 = xstar + rng.normal(size=d) * 3
    R = np.linalg.norm(x0 - xstar)
    tm = tm_parameters(L, mu)
    xis = triple_momentum(grad, x0, tm["alpha"], tm["beta"], tm["gamma"], 300)
    x = output(xis, tm["delta"])
    ks = np.arange(301)
    gaps = np.array([f(v) for v in x]) - f(xstar)
    assert np.all(gaps <= get("triple_momentum.strongly_convex").evaluate(L=L, mu=mu, R=R, k=ks) + 1e-12)
    dist = np.linalg.norm(xis - xstar, axis=1)
    assert np.all(dist <= get("triple_momentum.iterates").evaluate(L=L, mu=mu, R=R, k=ks) + 1e-9)


def test_iterates_k_eps_is_the_last_crossing():
    b = get("triple_momentum.iterates")
    for L, mu in [(10.0, 1.0), (100.0, 1.0), (4.0, 2.0)]:
        for eps in (1e-1, 1e-4, 1e-8):
            kk = int(b.k_eps(eps, L=L, mu=mu, R=1.0))
            assert np.all(b.evaluate(L=L, mu=mu, R=1.0, k=np.arange(kk, kk + 400)) <= eps * (1 + 1e-9))
            assert kk == 0 or b.evaluate(L=L, mu=mu, R=1.0, k=kk - 1) > eps


@pytest.fixture(scope="module")
def pep():
    pytest.importorskip("PEPit", reason="the extra ratecheck[pep] is not installed")
    from ratecheck.theory.pep.builders import solve
    from ratecheck.theory.pep.triple_momentum import triple_momentum as build

    return lambda *args: solve(build(*args))[0]


@pytest.mark.parametrize("k", [1, 3])
def test_pepit_output_gap_is_tight_and_the_state_bound_valid(pep, k):
    L, mu, R = 2.0, 0.1, 0.7
    gap = pep(L, mu, R, k, "output_gap")
    bound = float(get("triple_momentum.strongly_convex").evaluate(L=L, mu=mu, R=R, k=k))
    assert gap == pytest.approx(bound, rel=1e-4)
    # the constant L/2 (the k = 0 value) without kappa is violated by the worst case
    assert gap > L / 2 * (1 - np.sqrt(mu / L)) ** (2 * k) * R**2 * 1.01
    state = pep(L, mu, R, k, "state_dist")
    assert state <= float(get("triple_momentum.iterates").evaluate(L=L, mu=mu, R=R, k=k)) ** 2 * (1 + 1e-4)


def test_kappa_one_gives_gradient_descent_with_step_one_over_L():
    """mu = L: rho = 0, so alpha = 1/L and beta = gamma = 0 (a cancellation-prone form of gamma rounded to -2e-16
    here and made the reference refuse its own parameters)."""
    for L in (1.0, 3.7, 1e3):
        p = _hp(L, L)
        assert p["alpha"] == pytest.approx(1 / L, rel=1e-15)
        assert 0 <= p["beta"] < 1e-30 and 0 <= p["gamma"] < 1e-30  # never negative
        xs = triple_momentum(lambda v, L=L: L * v, np.array([2.0]), p["alpha"], p["beta"], p["gamma"], 3)
        np.testing.assert_allclose(xs[1:], 0.0, atol=1e-15)
