"""Quadratic bounds against the iteration matrices: spectral radii, exact matrix powers, worst cases.

Each test also shows a wrong formula failing the same cross-check.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from ratecheck.theory import get
from scipy.optimize import minimize_scalar

conditioning = st.tuples(st.floats(1e-3, 1.0), st.floats(1.0, 1e4)).map(lambda t: (t[0], t[0] * t[1]))


def _grid(mu: float, L: float, m: int = 401) -> np.ndarray:
    return np.unique(np.concatenate([np.linspace(mu, L, m), np.geomspace(mu, L, m), [mu, L]]))


# ---- gradient descent ------------------------------------------------------------------------------
@given(conditioning, st.floats(0.01, 1.0), st.integers(0, 200))
def test_gd_quadratic_factor_is_spectral_norm_of_iteration_matrix(ml, frac, k):
    mu, L = ml
    eta = frac * 2 / L
    lams = _grid(mu, L)
    M = np.diag(1 - eta * lams)  # I - eta A in A's eigenbasis (a rotation does not change norms)
    observed = np.linalg.norm(np.linalg.matrix_power(M, k), 2)  # worst ||e_k|| over ||e_0|| = 1
    bound = get("gd.quadratic").evaluate(L=L, mu=mu, eta=eta, k=k, R=1.0)
    assert observed <= bound * (1 + 1e-9) + 1e-300
    assert observed >= bound * (1 - 1e-9)  # tight: attained at an extreme eigenvector


def test_gd_quadratic_optimal_step_minimises_the_factor():
    b = get("gd.quadratic")
    for mu, L in [(1.0, 10.0), (0.01, 3.0), (2.0, 2.5)]:
        res = minimize_scalar(lambda e, L=L, mu=mu: float(b.evaluate(L=L, mu=mu, eta=e, k=1, R=1.0)),
                              bounds=(1e-9, 2 / L), method="bounded", options={"xatol": 1e-12})
        assert res.x == pytest.approx(float(b.evaluate_derived("lr_opt", L=L, mu=mu)), rel=1e-5)
        assert res.fun == pytest.approx(float(b.evaluate_derived("rate_opt", L=L, mu=mu)), rel=1e-6)
        kappa = L / mu
        assert res.fun == pytest.approx((kappa - 1) / (kappa + 1), rel=1e-6)


@given(conditioning, st.integers(1, 100))
def test_gd_strongly_convex_on_quadratics_and_wrong_rate_fails(ml, k):
    mu, L = ml
    lams = _grid(mu, L)
    observed = np.max(np.abs(1 - lams / L) ** k)
    bound = get("gd.strongly_convex").evaluate(L=L, mu=mu, R=1.0, k=k)
    assert observed <= bound * (1 + 1e-9) + 1e-15
    assert observed == pytest.approx(bound, rel=1e-9, abs=1e-15)  # tight at lambda = mu
    wrong = np.abs(1 - 2 * mu / L) ** k  # a plausible typo; distinguishable once kappa > 1.5
    if L / mu > 1.6:
        assert observed > wrong


def test_gd_strongly_convex_on_a_non_quadratic_function():
    """f(x) = mu/2 ||x||^2 + (L - mu) sum softplus-like terms, exactly mu-strongly convex and L-smooth."""
    rng = np.random.default_rng(0)
    mu, L, d = 0.1, 5.0, 4
    c = rng.normal(size=d)
    # h(t) = 4 log(1 + e^t) has 0 < h'' <= 1, so (L - mu) h adds curvature in (0, L - mu].
    grad = lambda x: mu * x + (L - mu) * 4 / (1 + np.exp(-(x - c)))  # noqa: E731
    from scipy.optimize import brentq  # the function is separable: solve each coordinate exactly
    xstar = np.array([brentq(lambda t, i=i: grad(np.full(d, t))[i], -100, 100, xtol=1e-15) for i in range(d)])
    assert np.linalg.norm(grad(xstar)) < 1e-10
    x = rng.normal(size=d) * 3
    R = np.linalg.norm(x - xstar)
    b = get("gd.strongly_convex")
    for k in range(200):
        assert np.linalg.norm(x - xstar) <= b.evaluate(L=L, mu=mu, R=R, k=k) * (1 + 1e-9) + 1e-12
        x = x - grad(x) / L


# ---- heavy ball ---------------------------------------------------------------------------------------
def _hb_errors(lams: np.ndarray, alpha: float, beta: float, K: int) -> np.ndarray:
    """|e_k| per eigenvalue for e_0 = e_{-1} = 1, by powers of the 2x2 iteration matrix."""
    T = np.zeros((lams.size, 2, 2))
    T[:, 0, 0] = 1 + beta - alpha * lams
    T[:, 0, 1] = -beta
    T[:, 1, 0] = 1.0
    v = np.ones((lams.size, 2))
    out = [np.abs(v[:, 0])]
    for _ in range(K):
        v = np.einsum("nij,nj->ni", T, v)
        out.append(np.abs(v[:, 0]))
    return np.array(out)  # (K+1, len(lams))


@pytest.mark.parametrize("mu,L", [(1.0, 4.0), (1.0, 100.0), (0.01, 100.0), (1.0, 1.5)])
def test_heavy_ball_bound_holds_for_every_k_and_is_attained(mu, L):
    b = get("heavy_ball.quadratic")
    from ratecheck.theory.symbols import L as Ls
    from ratecheck.theory.symbols import mu as mus
    alpha = float(b.hyperparameters["lr"].subs({Ls: L, mus: mu}))
    beta = float(b.hyperparameters["momentum"].subs({Ls: L, mus: mu}))
    K = 300
    lams = _grid(mu, L)
    errs = _hb_errors(lams, alpha, beta, K)
    ks = np.arange(K + 1)
    bound = b.evaluate(L=L, mu=mu, R=1.0, k=ks)
    worst = errs.max(axis=1)
    assert np.all(worst <= bound * (1 + 1e-9))
    assert np.allclose(errs[:, -1], bound, rtol=1e-9)  # attained at lambda = L, for every k
    q = (np.sqrt(L) - np.sqrt(mu)) / (np.sqrt(L) + np.sqrt(mu))
    # spectral radius of every iteration matrix is q (the asymptotic rate)
    for lam in lams[:: max(1, lams.size // 40)]:
        T = np.array([[1 + beta - alpha * lam, -beta], [1.0, 0.0]])
        assert np.max(np.abs(np.linalg.eigvals(T))) == pytest.approx(q, rel=1e-6, abs=1e-7)
    # q^k alone (the asymptotic rate) is NOT a bound: it fails already at k = 1
    assert np.any(worst[1:] > q ** ks[1:])
    assert worst[1] == pytest.approx((2 + q) * q)


def test_heavy_ball_fails_on_the_lessard_recht_packard_function():
    (lrp,) = get("heavy_ball.quadratic").counterexamples  # recorded as data in the registry

    mu, L = lrp["mu"], lrp["L"]

    def grad(x: float) -> float:
        return 25 * x if x < 1 else (x + 24 if x < 2 else 25 * x - 24)

    # f is mu-strongly convex and L-smooth: its gradient's slopes are in [1, 25] and it is continuous
    for x in (1.0, 2.0):
        assert grad(x - 1e-12) == pytest.approx(grad(x), abs=1e-9)
    alpha = 4 / (np.sqrt(L) + np.sqrt(mu)) ** 2
    beta = ((np.sqrt(L) - np.sqrt(mu)) / (np.sqrt(L) + np.sqrt(mu))) ** 2
    x_prev = x = lrp["x0"]
    traj = []
    for _ in range(3000):
        x, x_prev = x - alpha * grad(x) + beta * (x - x_prev), x
        traj.append(x)
    tail = np.array(traj[-300:])
    assert np.min(np.abs(tail)) > 0.1  # never settles at x* = 0: a limit cycle
    assert np.allclose(tail[3:], tail[:-3], atol=1e-6)  # of period 3
    # ... while on a quadratic with the same (mu, L) it converges as the bound says
    x_prev = x = lrp["x0"]
    for _ in range(300):
        x, x_prev = x - alpha * L * x + beta * (x - x_prev), x
    assert abs(x) < 1e-12


# ---- Nesterov, strongly convex, on quadratics ---------------------------------------------------------------
def _nesterov_x(lams: np.ndarray, L: float, beta: float, K: int) -> np.ndarray:
    """x_k per eigenvalue (x_0 = 1), gradient-step sequence with y_0 = x_0."""
    x_prev = np.ones_like(lams)
    y = np.ones_like(lams)
    out = [x_prev.copy()]
    for _ in range(K):
        x = y - lams / L * y
        y = x + beta * (x - x_prev)
        x_prev = x
        out.append(x)
    return np.array(out)


@given(conditioning)
def test_nesterov_strongly_convex_per_eigencomponent(ml):
    mu, L = ml
    b = get("nesterov.strongly_convex")
    beta = (np.sqrt(L) - np.sqrt(mu)) / (np.sqrt(L) + np.sqrt(mu))
    lams = _grid(mu, L, 101)
    K = 200
    x = _nesterov_x(lams, L, beta, K)
    gap = lams / 2 * x**2  # f(x_k) - f* per unit-eigencomponent
    ks = np.arange(K + 1)[:, None]
    # A quadratic is a sum of such components; the bound is linear in (Delta0, R^2), so it suffices
    # to check every component with Delta0 = lambda/2, R = 1.
    bound = b.evaluate(L=L, mu=mu, R=1.0, Delta0=lams[None, :] / 2, k=ks)
    assert np.all(gap <= bound * (1 + 1e-9) + 1e-15 * lams)
    # dropping the mu R^2/2 term gives a wrong formula that fails at k = 1 on the mu-component
    wrong = (1 - np.sqrt(mu / L)) ** ks * lams[None, :] / 2
    if mu / L < 0.3:
        assert np.any(gap > wrong * (1 + 1e-9))


def test_nesterov_strongly_convex_spectral_radius():
    mu, L = 1.0, 400.0
    beta = (np.sqrt(L) - np.sqrt(mu)) / (np.sqrt(L) + np.sqrt(mu))
    rho = float(get("nesterov.strongly_convex").evaluate_derived("rate", L=L, mu=mu))
    radii = []
    for lam in _grid(mu, L, 200):
        T = np.array([[(1 + beta) * (1 - lam / L), -beta * (1 - lam / L)], [1.0, 0.0]])
        radii.append(np.max(np.abs(np.linalg.eigvals(T))))
    assert max(radii) == pytest.approx(rho, rel=1e-6)
