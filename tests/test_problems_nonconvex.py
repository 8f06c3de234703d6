"""Nonconvex problems: L against numeric Hessian maxima, f_low really below f, gradients against finite
differences, components against the full gradient, the variance bound; a wrong L or f_low is caught."""

from __future__ import annotations

import numpy as np
import pytest
from ratecheck.implementations import CountedOracle, gradient_descent, sgd
from ratecheck.implementations.problems.nonconvex import (
    NonconvexProblem,
    carmon_chain,
    cauchy_regression,
    logistic_nonconvex,
    logistic_nonconvex_data,
    random_nonconvex,
)


def hessian_fd(grad, x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    eye = np.eye(x.size)
    H = np.array([(grad(x + h * e) - grad(x - h * e)) / (2 * h) for e in eye])
    return (H + H.T) / 2


def curvature_range(problem, points) -> tuple[float, float]:
    """(min, max) eigenvalue of the finite-difference Hessian over the points."""
    eig = np.array([np.linalg.eigvalsh(hessian_fd(problem.grad, x))[[0, -1]] for x in points])
    return float(eig[:, 0].min()), float(eig[:, 1].max())


def check_nonconvex(problem: NonconvexProblem, points: np.ndarray, *, spread: float = 3.0) -> None:
    """Shared checks: FD gradients, components average to grad, batched = row-wise, f >= f_low,
    curvature within [mu, L], the variance within sigma2, NaN ground truth (no minimiser claimed)."""
    d, n = problem.d, problem.n
    rng = np.random.default_rng(11)
    for x in points[:5]:
        v = rng.standard_normal(d)
        fd = (problem.f(x + 1e-6 * v) - problem.f(x - 1e-6 * v)) / 2e-6
        assert fd == pytest.approx(problem.grad(x) @ v, rel=1e-6, abs=1e-8)
        comps = np.array([problem.grad_i(x, np.array([i])) for i in range(n)])
        np.testing.assert_allclose(comps.mean(axis=0), problem.grad(x), rtol=1e-10, atol=1e-12)
        var = np.mean(np.sum((comps - problem.grad(x)) ** 2, axis=1))
        assert var <= problem.sigma2 * (1 + 1e-10) + 1e-15
    X, IDX = points[:4], rng.integers(n, size=(4, 3))
    rows = np.array([problem.grad_i(X[r], IDX[r]) for r in range(4)])
    np.testing.assert_allclose(problem.grad_i_batched(X, IDX), rows, rtol=1e-12, atol=1e-12)
    wide = rng.uniform(-spread, spread, (4000, d)) * rng.random((4000, 1))
    assert min(problem.f(x) for x in wide) >= problem.f_low
    lo, hi = curvature_range(problem, points)
    assert problem.mu <= lo + 1e-6 and hi <= problem.L * (1 + 1e-6)
    assert np.isnan(problem.f_star) and np.all(np.isnan(problem.x_star)) and "NonconvexProblem" in repr(problem)


# ---- logistic with lam sum x^2/(1+x^2) -------------------------------------------------------------------
def test_logistic_nonconvex_L_is_exact_at_zero():
    p = logistic_nonconvex(80, 5, 0.3, rng=0)
    rng = np.random.default_rng(1)
    points = np.vstack([np.zeros(5), rng.uniform(-3, 3, (40, 5))])
    check_nonconvex(p, points)
    top = np.linalg.eigvalsh(hessian_fd(p.grad, np.zeros(5)))[-1]
    assert top == pytest.approx(p.L, rel=1e-7) and p.L_exact  # attained at x = 0
    lo, _ = curvature_range(p, rng.uniform(-3, 3, (200, 5)) * 3)
    assert lo < 0  # nonconvex indeed
    # L_max: the component Hessians at 0
    l_i = [np.linalg.eigvalsh(hessian_fd(lambda x, i=i: p.grad_i(x, np.array([i])), np.zeros(5)))[-1]
           for i in range(80)]
    assert p.L_max == pytest.approx(max(l_i), rel=1e-7)
    wrong_L = p.L - 2 * 0.3 * 0.5  # regulariser curvature taken as 1 instead of 2: below the Hessian at 0
    assert top > wrong_L * (1 + 1e-3)


def test_logistic_nonconvex_data_validation():
    A = np.ones((3, 2))
    with pytest.raises(ValueError, match="labels y must be -1 or \\+1"):
        logistic_nonconvex_data(A, np.array([0.0, 1.0, 1.0]), 0.1)
    with pytest.raises(ValueError, match="lam must be a finite number > 0"):
        logistic_nonconvex_data(A, np.ones(3), 0.0)
    with pytest.raises(ValueError, match="A must be \\(n, d\\)"):
        logistic_nonconvex_data(A, np.ones(2), 0.1)


# ---- Cauchy robust regression ----------------------------------------------------------------------------
@pytest.mark.parametrize("outliers", [0.0, 0.2])
def test_cauchy_regression_constants(outliers):
    p = cauchy_regression(60, 4, rng=2, outliers=outliers, c=1.5)
    rng = np.random.default_rng(3)
    points = rng.uniform(-3, 3, (40, 4))
    check_nonconvex(p, points, spread=20.0)
    assert p.L_exact == (outliers == 0)
    if outliers == 0:  # every residual vanishes at x_true, the minimiser (f = 0 = f_low)
        gen = np.random.default_rng(2)  # the constructor's draws: A, then x_true
        gen.standard_normal((60, 4))
        x_true = gen.standard_normal(4)
        top = np.linalg.eigvalsh(hessian_fd(p.grad, x_true))[-1]
        assert top == pytest.approx(p.L, rel=1e-7) and p.f(x_true) == pytest.approx(0, abs=1e-24)
    else:
        _, hi = curvature_range(p, points)
        assert hi < p.L  # an upper bound only: no point zeroes every residual


# ---- random nonconvex sums -------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(4))
def test_random_nonconvex_exact_constants(seed):
    p = random_nonconvex(4, 6, seed, L=2.5, depth=5.0, sigma=0.7)
    rng = np.random.default_rng(seed)
    points = rng.uniform(-3, 3, (30, 4))
    check_nonconvex(p, points)
    comps = np.array([p.grad_i(points[0], np.array([i])) for i in range(6)])
    assert np.mean(np.sum((comps - p.grad(points[0])) ** 2, axis=1)) == pytest.approx(0.49)  # exact sigma^2
    # L and mu attained: search along each eigen-direction of the curvature (FD Hessian maxima)
    lo, hi = curvature_range(p, _curvature_extremes(p))
    assert hi == pytest.approx(p.L, rel=1e-6) and lo == pytest.approx(p.mu, rel=1e-5, abs=1e-6)
    assert p.mu < 0


def _curvature_extremes(p):
    """Points where the Hessian attains L and mu: found by GD on -lambda_max / lambda_min of the FD Hessian
    would be slow; use a dense random search refined by scipy on the 1-D curvature of each eigen-direction."""
    from scipy.optimize import minimize

    rng = np.random.default_rng(0)
    best = []
    for sign in (1.0, -1.0):  # max eigenvalue, then min eigenvalue
        def obj(x, sign=sign):
            e = np.linalg.eigvalsh(hessian_fd(p.grad, x, 1e-4))
            return -sign * (e[-1] if sign > 0 else e[0])
        starts = rng.uniform(-3, 3, (30, p.d))
        x0 = starts[np.argmin([obj(s) for s in starts])]
        best.append(minimize(obj, x0, method="Nelder-Mead", options={"xatol": 1e-8, "fatol": 1e-12,
                                                                    "maxiter": 4000}).x)
    return np.array(best)


def test_random_nonconvex_wrong_f_low_is_caught():
    p = random_nonconvex(3, 1, 5, L=1.0, depth=8.0)
    # f_low = -sum lam_j is approached near y = s when a is small; claiming f_low/2 is caught by GD's minimum
    xs = gradient_descent(p.grad, np.zeros(3), 1 / p.L, 3000)
    fmin = min(p.f(x) for x in xs)
    assert fmin >= p.f_low and fmin < p.f_low / 2


def test_random_nonconvex_with_the_oracle_and_sgd():
    p = random_nonconvex(3, 10, 1, sigma=0.5)
    oracle = CountedOracle(p)
    xs = sgd(oracle.grad_i, p.n, np.ones(3), 0.1, 20, np.random.default_rng(0))
    assert xs.shape == (21, 3) and oracle.component_gradients == 20 and oracle.full_gradients == 0


# ---- Carmon et al.'s chain -------------------------------------------------------------------------------
def test_carmon_chain_constants():
    L, delta0, T = 2.0, 1.5, 6
    p = carmon_chain(T, L, delta0, d=8)
    s = 152 * np.sqrt(L * delta0 / (1824 * T)) / L  # the chain's length scale
    rng = np.random.default_rng(4)
    points = rng.uniform(-2, 2, (30, 8)) * s
    lo, hi = curvature_range(p, points)
    assert hi <= p.L and lo >= p.mu
    assert p.f(np.zeros(8)) - p.f_low == pytest.approx(1.5)
    with pytest.raises(ValueError, match="d must be an int >= T"):
        carmon_chain(6, 2.0, 1.5, d=3)


# ---- the exact worst case of GD --------------------------------------------------------------------------
@pytest.mark.parametrize(("steps", "h"), [(0, 1.0), (3, 1.0), (12, 0.7)])
def test_gd_nonconvex_worst_case_is_attained(steps, h):
    from ratecheck.implementations.problems import gd_nonconvex_worst_case
    from ratecheck.theory import get

    p = gd_nonconvex_worst_case(2.0, 1.5, steps, h)
    xs = gradient_descent(p.grad, np.zeros(1), h / p.L, steps)
    g2 = np.array([p.grad(x)[0] ** 2 for x in xs])
    exact = float(get("gd.nonconvex").evaluate_derived("tight_worst_case_step", L=2.0, Delta0=1.5, eta=h / 2.0,
                                                       k=steps))
    assert g2.min() == pytest.approx(exact, rel=1e-10)
    grid = np.linspace(-1.0, float(xs[-1, 0]) + 3.0, 3001)[:, None]
    slopes = p.grad_i_batched(grid, None)[:, 0]
    fd = np.array([(p.f(x + 1e-6) - p.f(x - 1e-6)) / 2e-6 for x in grid])
    np.testing.assert_allclose(fd, slopes, atol=2 * p.L * 1e-6)  # f and grad agree (up to L h at a kink)
    curv = np.diff(slopes) / np.diff(grid[:, 0])
    assert np.abs(curv).max() <= p.L * (1 + 1e-9) and np.abs(curv).max() >= p.L * (1 - 1e-6)  # L exact
    assert min(p.f(x) for x in grid) >= p.f_low - 1e-12 and p.f(np.array([1e9])) == pytest.approx(p.f_low, abs=1e-12)
    assert p.f(np.zeros(1)) == pytest.approx(1.5)
    wrong = float(get("gd.nonconvex").evaluate(L=2.0, Delta0=1.5, k=steps)) / 2  # half the bound: fails here
    assert steps == 0 or h < 1 or g2.min() > wrong
    with pytest.raises(ValueError, match=r"h must be in \(0, 1\]"):
        gd_nonconvex_worst_case(2.0, 1.5, steps, 1.5)
