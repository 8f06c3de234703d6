"""Convex bounds and Nesterov's lower bounds, against worst-case instances and exact Krylov minima."""

from __future__ import annotations

import numpy as np
import pytest
from ratecheck.theory import get


def huber_worst_case(L: float, R: float, N: int):
    """Drori & Teboulle (2014): the function on which GD (step 1/L) has gap exactly L R^2/(4N+2) at N."""
    t = R / (2 * N + 1)

    def f(x):
        return np.where(np.abs(x) >= t, L * t * np.abs(x) - L * t**2 / 2, L / 2 * x**2)

    def grad(x):
        return np.where(np.abs(x) >= t, L * t * np.sign(x), L * x)

    return f, grad


@pytest.mark.parametrize("N", [1, 2, 5, 17, 60])
def test_gd_convex_against_the_exact_worst_case(N):
    L, R = 3.0, 2.0
    f, grad = huber_worst_case(L, R, N)
    x = np.array(R)
    b = get("gd.convex")
    for k in range(1, N + 1):
        x = x - grad(x) / L
        assert f(x) <= b.evaluate(L=L, R=R, k=k) * (1 + 1e-12)
    assert f(x) == pytest.approx(float(b.evaluate_derived("tight_worst_case", L=L, R=R, k=N)), rel=1e-12)
    assert f(x) > L * R**2 / (8 * N)  # a wrong constant fails on the worst case


def test_gd_convex_on_rank_deficient_quadratics():
    rng = np.random.default_rng(1)
    b = get("gd.convex")
    for _ in range(20):
        d, r = 12, 5
        lams = np.concatenate([rng.uniform(0, 4.0, r - 1), [4.0], np.zeros(d - r)])
        Q = np.linalg.qr(rng.normal(size=(d, d)))[0]
        A = Q @ np.diag(lams) @ Q.T
        x0 = rng.normal(size=d)
        xstar = Q @ np.where(lams > 0, 0.0, Q.T @ x0)  # the minimiser closest to x0 (GD never moves there)
        R = np.linalg.norm(x0 - xstar)
        x = x0
        for k in range(1, 300):
            x = x - A @ x / 4.0
            assert 0.5 * x @ A @ x <= b.evaluate(L=4.0, R=R, k=k) * (1 + 1e-12) + 1e-15


# ---- Nesterov's worst function (lower.convex) ---------------------------------------------------------
def tridiag(d: int) -> np.ndarray:
    return 2 * np.eye(d) - np.eye(d, k=1) - np.eye(d, k=-1)


def _krylov_min_gap(A: np.ndarray, rhs: np.ndarray, fval, fstar: float, k: int) -> float:
    """min of f over span{e_1..e_k} (= the Krylov space of any first-order method from 0)."""
    xk = np.zeros(A.shape[0])
    xk[:k] = np.linalg.solve(A[:k, :k], rhs[:k])
    return fval(xk) - fstar


def _fista(grad, x0, L, K):
    t, x_prev, y, xs = 1.0, x0.copy(), x0.copy(), [x0.copy()]
    for _ in range(K):
        x = y - grad(y) / L
        t_next = (1 + np.sqrt(1 + 4 * t**2)) / 2
        t_next2 = (1 + np.sqrt(1 + 4 * t_next**2)) / 2
        y = x + (t_next - 1) / t_next2 * (x - x_prev)
        x_prev, t = x, t_next
        xs.append(x)
    return xs


@pytest.mark.parametrize("k", [1, 2, 3, 8, 20, 40])
def test_lower_convex_on_nesterovs_function(k):
    L = 2.0
    d = 2 * k + 1
    A = L / 4 * tridiag(d)
    e1 = np.zeros(d)
    e1[0] = L / 4
    fval = lambda x: 0.5 * x @ A @ x - e1 @ x  # noqa: E731
    xstar = np.linalg.solve(A, e1)
    assert np.allclose(xstar, 1 - np.arange(1, d + 1) / (d + 1))
    fstar, R = fval(xstar), np.linalg.norm(xstar)
    lb = float(get("lower.convex").evaluate(L=L, R=R, k=k))
    best = _krylov_min_gap(A, e1, fval, fstar, k)  # the best any first-order method can do
    assert best >= lb * (1 - 1e-12)
    # a too-strong lower bound (1/(k+1) instead of 1/(k+1)^2) fails: the Krylov minimum beats it
    assert best < 3 * L * R**2 / (32 * (k + 1))
    # the methods themselves stay in the Krylov space and above the bound; FISTA's upper bound holds too
    grad = lambda x: A @ x - e1  # noqa: E731
    xs = _fista(grad, np.zeros(d), L, k)
    assert np.all(xs[k][k:] == 0)
    assert fval(xs[k]) - fstar >= lb * (1 - 1e-12)
    upper = float(get("nesterov.convex").evaluate(L=L, R=R, k=k))
    assert fval(xs[k]) - fstar <= upper
    assert fval(xs[k]) - fstar > L * R**2 / (16 * (k + 1) ** 2)  # a wrong (too fast) FISTA rate fails


def test_lower_convex_needs_its_dimension_condition():
    """With k >= d the Krylov space is everything and the gap is 0 < bound: the validity condition matters."""
    L, d = 2.0, 9
    A = L / 4 * tridiag(d)
    e1 = np.zeros(d)
    e1[0] = L / 4
    fval = lambda x: 0.5 * x @ A @ x - e1 @ x  # noqa: E731
    xstar = np.linalg.solve(A, e1)
    gap = _krylov_min_gap(A, e1, fval, fval(xstar), d)
    assert gap < 1e-14 < float(get("lower.convex").evaluate(L=L, R=np.linalg.norm(xstar), k=d))
    assert "d >= 2k + 1" in get("lower.convex").validity


def test_nesterov_convex_on_random_convex_quadratics_and_huber():
    rng = np.random.default_rng(2)
    b = get("nesterov.convex")
    for _ in range(10):
        d = 20
        lams = np.concatenate([[1.0], rng.uniform(0, 1, d - 6), np.zeros(5)])
        Q = np.linalg.qr(rng.normal(size=(d, d)))[0]
        A = Q @ np.diag(lams) @ Q.T
        x0 = rng.normal(size=d)
        xstar = Q @ np.where(lams > 0, 0.0, Q.T @ x0)
        R = np.linalg.norm(x0 - xstar)
        xs = _fista(lambda x: A @ x, x0, 1.0, 200)  # noqa: B023
        gaps = np.array([0.5 * x @ A @ x for x in xs])
        assert np.all(gaps <= b.evaluate(L=1.0, R=R, k=np.arange(201)) * (1 + 1e-12) + 1e-15)
    for N in (5, 50):
        f, grad = huber_worst_case(1.0, 1.0, N)
        xs = _fista(grad, np.array(1.0), 1.0, 3 * N)
        assert all(f(x) <= b.evaluate(L=1.0, R=1.0, k=k) for k, x in enumerate(xs))


# ---- lower.strongly_convex on the truncated worst function ------------------------------------------------
@pytest.mark.parametrize("kappa", [4.0, 100.0, 1e4])
def test_lower_strongly_convex_on_truncated_worst_function(kappa):
    mu, L, d = 1.0, kappa, 800
    A = (L - mu) / 4 * tridiag(d) + mu * np.eye(d)
    rhs = np.zeros(d)
    rhs[0] = (L - mu) / 4
    xstar = np.linalg.solve(A, rhs)
    R = np.linalg.norm(xstar)
    b = get("lower.strongly_convex")
    q = (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)
    for k in [0, 1, 2, 5, 20, 60]:
        best = np.sqrt(np.sum(xstar[k:] ** 2))  # closest point of span{e_1..e_k} to x*
        lb = float(b.evaluate(L=L, mu=mu, R=R, k=k))
        assert best >= lb * (1 - 1e-9)
        assert best == pytest.approx(lb, rel=1e-6)  # the truncation is negligible at d = 800
        if k > 0:
            assert best < R * np.sqrt(q) ** k  # a too-strong lower bound fails
    # heavy ball (an actual method) on it stays above the bound
    alpha, beta = 4 / (np.sqrt(L) + np.sqrt(mu)) ** 2, q**2
    x_prev = x = np.zeros(d)
    for k in range(1, 80):
        x, x_prev = x - alpha * (A @ x - rhs) + beta * (x - x_prev), x
        assert np.linalg.norm(x - xstar) >= b.evaluate(L=L, mu=mu, R=R, k=k) * (1 - 1e-9)
