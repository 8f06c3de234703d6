"""Problem constants verified independently: Hessians probed through the gradients, eigvalsh, closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.optimize
from ratecheck.implementations import (
    gradient_descent,
    least_squares,
    least_squares_rank_deficient,
    logistic,
    nesterov_worst_case,
    noisy_quadratic,
    quadratic,
    quadratic_spectrum,
    quadratic_worst_case,
    spectrum,
)


def probe_hessian(grad, d: int, x: np.ndarray | None = None, h: float | None = None) -> np.ndarray:
    """Hessian from gradient calls only: exact differences for quadratics (h None), central otherwise."""
    x = np.zeros(d) if x is None else x
    eye = np.eye(d)
    if h is None:
        g0 = grad(x)
        H = np.array([grad(x + e) - g0 for e in eye])
    else:
        H = np.array([(grad(x + h * e) - grad(x - h * e)) / (2 * h) for e in eye])
    return (H + H.T) / 2


def components(problem, x):
    return np.array([problem.grad_i(x, np.array([i])) for i in range(problem.n)])


def check_common(problem, rtol=1e-10):
    """grad(x*) = 0, f(x*) = f*, mean of components = grad, batched = row-wise, f consistent with grad."""
    d, n = problem.d, problem.n
    rng = np.random.default_rng(123)
    scale = max(1.0, np.abs(problem.x_star).max())
    assert np.linalg.norm(problem.grad(problem.x_star)) <= 1e-10 * scale * max(problem.L, 1.0)
    assert problem.f(problem.x_star) == pytest.approx(problem.f_star, rel=1e-12, abs=1e-12)
    x = rng.standard_normal(d)
    if "fresh Gaussian" not in problem.notes:  # components are not fixed functions under fresh noise
        np.testing.assert_allclose(components(problem, x).mean(axis=0), problem.grad(x), rtol=rtol, atol=1e-12)
        X, IDX = rng.standard_normal((4, d)), rng.integers(n, size=(4, 3))
        rows = np.array([problem.grad_i(X[r], IDX[r]) for r in range(4)])
        np.testing.assert_allclose(problem.grad_i_batched(X, IDX), rows, rtol=1e-12, atol=1e-12)
    v, h = rng.standard_normal(d), 1e-6  # directional derivative of f = <grad f, v>
    fd = (problem.f(x + h * v) - problem.f(x - h * v)) / (2 * h)
    assert fd == pytest.approx(problem.grad(x) @ v, rel=1e-6, abs=1e-7)
    assert problem.f(x) >= problem.f_star - 1e-12
    with pytest.raises(ValueError):
        problem.x_star[0] = 1.0  # read-only ground truth


# --- quadratics -------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["linear", "uniform", "geometric", "extremes"])
@pytest.mark.parametrize(("d", "mu", "L"), [(20, 0.1, 1.0), (30, 1e-6, 1.0), (8, 2.0, 2.0), (1, 3.0, 3.0)])
def test_quadratic_spectrum_constants(kind, d, mu, L):
    problem = quadratic_spectrum(d, mu, L, rng=0, kind=kind)
    eig = np.linalg.eigvalsh(probe_hessian(problem.grad, d))
    assert eig[0] == pytest.approx(mu, rel=1e-8) and eig[-1] == pytest.approx(L, rel=1e-12)
    assert (problem.L, problem.mu, problem.L_max, problem.sigma2_star, problem.n) == (L, mu, L, 0.0, 1)
    assert problem.kappa == pytest.approx(L / mu)
    check_common(problem)


def test_spectrum_kinds_and_errors():
    assert list(spectrum(4, 1.0, 4.0, 0, "linear")) == [1.0, 2.0, 3.0, 4.0]
    assert list(spectrum(4, 1.0, 8.0, 0, "geometric")) == pytest.approx([1.0, 2.0, 4.0, 8.0])
    assert list(spectrum(5, 1.0, 9.0, 0, "extremes")) == [1.0, 1.0, 9.0, 9.0, 9.0]  # repeated eigenvalues
    with pytest.raises(ValueError, match="d = 1 has a single eigenvalue, so mu must equal L"):
        spectrum(1, 1.0, 2.0, 0)
    with pytest.raises(ValueError, match="need 0 <= mu <= L"):
        spectrum(3, 2.0, 1.0, 0)
    with pytest.raises(ValueError, match="kind must be one of"):
        spectrum(3, 1.0, 2.0, 0, "cubic")
    with pytest.raises(TypeError, match="Generator or an int seed"):
        quadratic_spectrum(3, 1.0, 2.0, rng=None)


def test_quadratic_reproducible_from_seed_and_prescribed_f_star():
    a, b = quadratic([1.0, 2.0, 5.0], 7, f_star=-1.5), quadratic([1.0, 2.0, 5.0], 7, f_star=-1.5)
    np.testing.assert_array_equal(a.x_star, b.x_star)
    assert a.f(a.x_star) == pytest.approx(-1.5)
    check_common(a)


def test_quadratic_with_zero_eigenvalues_is_merely_convex():
    problem = quadratic([0.0, 0.0, 0.5, 1.0], rng=3)
    assert problem.mu == 0.0 and problem.kappa == math.inf
    x0 = np.random.default_rng(0).standard_normal(4)
    near = problem.minimizer_near(x0)
    assert np.linalg.norm(problem.grad(near)) < 1e-12
    assert problem.f(near) == pytest.approx(problem.f_star, abs=1e-12)
    # GD from x0 converges to that minimiser (null-space component of x0 is untouched)
    xs = gradient_descent(problem.grad, x0, 1.0, 200)
    np.testing.assert_allclose(xs[-1], near, atol=1e-10)
    assert np.linalg.norm(problem.x_star) <= np.linalg.norm(near) + 1e-12  # x_star is the min-norm one


@pytest.mark.parametrize("which", ["min", "max", "both"])
def test_worst_case_starts_make_gd_rates_exact(which):
    mu, L = 0.1, 1.0
    problem, x0 = quadratic_worst_case(10, mu, L, rng=0, which=which, radius=2.0)
    assert np.linalg.norm(x0 - problem.x_star) == pytest.approx(2.0)
    lr = 1 / L if which == "min" else 2 / (L + mu)
    rate = {"min": 1 - mu / L, "max": (L - mu) / (L + mu), "both": (L - mu) / (L + mu)}[which]
    err = np.linalg.norm(gradient_descent(problem.grad, x0, lr, 30) - problem.x_star, axis=1)
    np.testing.assert_allclose(err, 2.0 * rate ** np.arange(31), rtol=1e-9)


# --- least squares ----------------------------------------------------------------------------

@pytest.mark.parametrize("interpolating", [False, True])
def test_least_squares_constants(interpolating):
    problem = least_squares(60, 6, rng=1, interpolating=interpolating)
    eig = np.linalg.eigvalsh(probe_hessian(problem.grad, 6))
    assert problem.L == pytest.approx(eig[-1], rel=1e-12) and problem.mu == pytest.approx(eig[0], rel=1e-10)
    # L_max: each f_i has Hessian a_i a_i^T, probed through its component gradient; its top eigenvalue
    l_i = [np.linalg.eigvalsh(probe_hessian(lambda x, i=i: problem.grad_i(x, np.array([i])), 6))[-1]
           for i in range(60)]
    assert problem.L_max == pytest.approx(max(l_i), rel=1e-10)
    comp = components(problem, problem.x_star)
    assert problem.sigma2_star == pytest.approx(np.mean(np.sum(comp**2, axis=1)), rel=1e-10, abs=1e-20)
    assert problem.interpolating is interpolating
    if interpolating:
        assert problem.f_star == 0.0 and np.abs(comp).max() < 1e-12
    else:
        assert problem.sigma2_star > 0.1 and problem.f_star > 0
    check_common(problem)


def test_least_squares_prescribed_spectrum_and_errors():
    problem = least_squares(50, 5, rng=2, spectrum=(0.01, 2.0))
    eig = np.linalg.eigvalsh(probe_hessian(problem.grad, 5))
    assert (problem.mu, problem.L) == (0.01, 2.0)
    np.testing.assert_allclose(eig[[0, -1]], [0.01, 2.0], rtol=1e-10)
    with pytest.raises(ValueError, match="use least_squares_rank_deficient"):
        least_squares(3, 5, rng=0)
    with pytest.raises(ValueError, match="interpolating=True means noise = 0"):
        least_squares(10, 2, rng=0, noise=0.3, interpolating=True)


@pytest.mark.parametrize("interpolating", [False, True])
def test_rank_deficient_least_squares(interpolating):
    problem = least_squares_rank_deficient(40, 8, 3, rng=4, interpolating=interpolating)
    eig = np.linalg.eigvalsh(probe_hessian(problem.grad, 8))
    assert problem.mu == 0.0 and np.sum(eig > 1e-10) == 3
    assert problem.L == pytest.approx(eig[-1], rel=1e-10)
    x0 = np.random.default_rng(0).standard_normal(8)
    near = problem.minimizer_near(x0)
    xs = gradient_descent(problem.grad, x0, 1 / problem.L, 400)
    np.testing.assert_allclose(xs[-1], near, atol=1e-9)  # GD reaches the minimiser nearest x0
    comp = components(problem, near)
    assert problem.sigma2_star == pytest.approx(np.mean(np.sum(comp**2, axis=1)), rel=1e-9, abs=1e-20)
    check_common(problem)


# --- logistic ---------------------------------------------------------------------------------

def test_logistic_constants():
    problem = logistic(200, 8, 1e-2, rng=5)
    assert np.linalg.norm(problem.grad(problem.x_star)) < 1e-12
    assert problem.mu == 1e-2
    # At x = 0 every sigmoid' equals 1/4, so the Hessian there attains the bound L = ||Z||^2/(4n) + lam.
    eig0 = np.linalg.eigvalsh(probe_hessian(problem.grad, 8, h=1e-4))
    assert problem.L == pytest.approx(eig0[-1], rel=1e-7)
    eig_star = np.linalg.eigvalsh(probe_hessian(problem.grad, 8, problem.x_star, h=1e-4))
    assert problem.mu <= eig_star[0] and eig_star[-1] <= problem.L * (1 + 1e-7)
    l_i = [np.linalg.eigvalsh(probe_hessian(lambda x, i=i: problem.grad_i(x, np.array([i])), 8, h=1e-4))[-1]
           for i in range(200)]
    assert problem.L_max == pytest.approx(max(l_i), rel=1e-6)
    comp = components(problem, problem.x_star)
    assert problem.sigma2_star == pytest.approx(np.mean(np.sum(comp**2, axis=1)), rel=1e-10)
    check_common(problem, rtol=1e-9)


@pytest.mark.parametrize("make", [
    lambda: logistic(200, 8, 1e-2, rng=5),
    lambda: logistic(50, 3, 1.0, rng=0),
    lambda: least_squares(60, 6, rng=1),
    lambda: quadratic_spectrum(7, 0.05, 3.0, rng=2, kind="geometric"),
], ids=["logistic", "logistic strongly regularised", "least squares", "quadratic"])
def test_x_star_and_f_star_agree_with_scipy_optimize(make):
    # Independent solvers started elsewhere land on the same minimiser: MINPACK's root finder on
    # grad f = 0 (finite-difference Jacobian, so nothing of the problem's own Newton or constants),
    # and BFGS on f, whose value the stored f* must match or beat.
    problem = make()
    scale = max(1.0, np.abs(problem.x_star).max())
    root = scipy.optimize.root(problem.grad, np.ones(problem.d), method="hybr", tol=1e-15)
    assert np.linalg.norm(root.fun) < 1e-12 * max(1.0, problem.L * scale), root.message  # "xtol too small" = done
    np.testing.assert_allclose(root.x, problem.x_star, rtol=0, atol=1e-10 * scale)
    found = scipy.optimize.minimize(problem.f, np.ones(problem.d), jac=problem.grad, method="BFGS")
    assert problem.f_star <= found.fun + 1e-14 * max(1.0, abs(found.fun))
    assert problem.f(root.x) == pytest.approx(problem.f_star, rel=1e-13, abs=1e-15)


# --- Nesterov's worst case --------------------------------------------------------------------

@pytest.mark.parametrize(("d", "k"), [(10, None), (21, 7), (1, None)])
def test_nesterov_worst_case_convex_closed_form(d, k):
    problem = nesterov_worst_case(d, L=2.0, active=k)
    k = d if k is None else k
    H = probe_hessian(problem.grad, d)
    c = -problem.grad(np.zeros(d))
    x_solve = np.linalg.lstsq(H, c, rcond=None)[0]  # min-norm solution
    np.testing.assert_allclose(problem.x_star, x_solve, atol=1e-10)
    assert problem.f_star == pytest.approx(2.0 / 8 * (-1 + 1 / (k + 1)), rel=1e-14)
    assert problem.f_star == pytest.approx(problem.f(x_solve), rel=1e-10)
    eig = np.linalg.eigvalsh(H)
    assert eig[-1] < problem.L and problem.mu == 0.0
    check_common(problem)


def test_nesterov_worst_case_lower_bound_for_gd():
    # A Krylov method started at 0 on f_{2j+1} keeps x_j in span(e_1..e_j): the gap bound must hold.
    L, d = 1.0, 41
    for j in (1, 5, 10, 20):
        problem = nesterov_worst_case(d, L, active=2 * j + 1)
        xs = gradient_descent(problem.grad, np.zeros(d), 1 / L, j)
        assert np.all(xs[-1][j:] == 0.0)
        gap = problem.f(xs[-1]) - problem.f_star
        assert gap >= 3 * L * np.linalg.norm(problem.x_star) ** 2 / (32 * (j + 1) ** 2)


@pytest.mark.parametrize(("d", "kappa"), [(30, 10.0), (200, 1e4), (1, 4.0)])
def test_nesterov_worst_case_strongly_convex_closed_form(d, kappa):
    L = 3.0
    problem = nesterov_worst_case(d, L, mu=L / kappa)
    H = probe_hessian(problem.grad, d)
    x_solve = np.linalg.solve(H, -problem.grad(np.zeros(d)))
    np.testing.assert_allclose(problem.x_star, x_solve, rtol=1e-9, atol=1e-14)
    assert problem.f_star == pytest.approx(problem.f(x_solve), rel=1e-10)
    eig = np.linalg.eigvalsh(H)
    assert problem.mu < eig[0] and eig[-1] < problem.L
    q = (math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1)
    if q ** (2 * d) < 1e-12:  # truncation negligible: the infinite-dimensional x*_i = q^i is recovered
        np.testing.assert_allclose(problem.x_star[:5], q ** np.arange(1, 6), rtol=1e-6)
    check_common(problem)


def test_nesterov_worst_case_errors():
    with pytest.raises(ValueError, match="active must be an int in"):
        nesterov_worst_case(5, 1.0, active=6)
    with pytest.raises(ValueError, match="need 0 <= mu < L"):
        nesterov_worst_case(5, 1.0, mu=1.0)


# --- noisy quadratic --------------------------------------------------------------------------

def test_noisy_quadratic_finite_noise_is_exact():
    problem = noisy_quadratic(5, 0.2, 1.0, sigma2=2.5, rng=6, n=300)
    x = np.random.default_rng(1).standard_normal(5)
    dev = components(problem, x) - problem.grad(x)
    np.testing.assert_allclose(dev.mean(axis=0), 0.0, atol=1e-13)
    assert np.mean(np.sum(dev**2, axis=1)) == pytest.approx(2.5, rel=1e-12)  # at every x, not only x*
    assert (problem.sigma2_star, problem.L_max) == (2.5, problem.L)
    check_common(problem)


@pytest.mark.parametrize("batch", [1, 4])
def test_noisy_quadratic_gaussian_noise_variance(batch):
    problem = noisy_quadratic(4, 0.5, 1.0, sigma2=2.0, rng=7, n=None)
    assert problem.n == 2**20  # virtual components: idx only sets the batch size
    x = np.ones(4)
    idx = np.zeros((20000, batch), dtype=np.intp)
    dev = problem.grad_i_batched(np.tile(x, (20000, 1)), idx) - problem.grad(x)
    est = np.mean(np.sum(dev**2, axis=1))
    assert est == pytest.approx(2.0 / batch, rel=0.05)  # ~ 5 standard errors
    single = np.array([problem.grad_i(x, idx[0]) for _ in range(4000)]) - problem.grad(x)
    assert np.mean(np.sum(single**2, axis=1)) == pytest.approx(2.0 / batch, rel=0.1)
    check_common(problem)
