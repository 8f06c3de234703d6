"""Nonconvex bounds against explicit worst-case functions, exact expectation recursions, Carmon et al.'s chain
and (with the pep extra) PEPit; each test also shows a wrong formula failing the same check."""

from __future__ import annotations

import math

import numpy as np
import pytest
from ratecheck.implementations import gradient_descent
from ratecheck.implementations.problems.nonconvex import (
    CHAIN_ELL1,
    carmon_chain,
    chain_grad,
    chain_value,
    random_nonconvex,
)
from ratecheck.theory import get
from scipy.integrate import quad


# ---- gd.nonconvex ----------------------------------------------------------------------------------------
def tent_worst_case(L: float, eta: float, c: float, N: int):
    """1-D L-smooth f' with slope -c at every GD iterate x_i = i eta c: between iterates f' tents up by L eta c/2,
    after x_N it rises to 0 at rate L and stays 0 (f = f_low beyond). The exact worst case for eta <= 1/L."""
    step = eta * c

    def fprime(x):
        x = np.asarray(x, dtype=float)
        i = np.floor(x / step)
        t = x - i * step
        inside = -c + L * np.minimum(t, step - t)
        tail = np.minimum(-c + L * (x - N * step), 0.0)
        return np.where(x < 0, -c, np.where(x < N * step, inside, tail))

    return fprime


@pytest.mark.parametrize("N", [0, 1, 2, 5, 30])
@pytest.mark.parametrize("h", [0.6, 1.0])
def test_gd_nonconvex_against_the_exact_worst_case(N, h):
    L, c = 2.0, 0.7
    eta = h / L
    fprime = tent_worst_case(L, eta, c, N)
    end = N * eta * c + c / L
    delta0 = quad(lambda x: -fprime(x), 0.0, end, limit=400, points=[i * eta * c for i in range(N + 1)])[0]
    xs = gradient_descent(fprime, np.zeros(1), eta, N)[:, 0]
    g2 = fprime(xs) ** 2
    np.testing.assert_allclose(g2, c**2, rtol=1e-6)  # slope -c at every iterate (up to round-off in x_i)
    b = get("gd.nonconvex")
    tight = float(b.evaluate_derived("tight_worst_case_step", L=L, Delta0=delta0, eta=eta, k=N))
    assert g2.min() == pytest.approx(tight, rel=1e-7)  # the derived worst case is attained
    if h == 1.0:
        assert g2.min() <= b.evaluate(L=L, Delta0=delta0, k=N) * (1 + 1e-12)
        assert tight == pytest.approx(float(b.evaluate_derived("tight_worst_case", L=L, Delta0=delta0, k=N)))
        wrong = L * delta0 / (N + 1)  # half the constant
        assert g2.min() > wrong * (1 + 1e-3)
    else:  # h = 0.6 >= 2 - sqrt(2): the stated bound still holds at this smaller step
        assert g2.min() <= b.evaluate(L=L, Delta0=delta0, k=N) * (1 + 1e-12)


def test_gd_nonconvex_breaks_below_its_smallest_step():
    L, c, N = 1.0, 1.0, 10
    b = get("gd.nonconvex")
    lr_min = float(b.evaluate_derived("lr_min", L=L))
    assert lr_min == pytest.approx(2 - math.sqrt(2))
    for h, holds in ((lr_min * 1.01, True), (lr_min * 0.9, False)):
        fprime = tent_worst_case(L, h, c, N)
        delta0 = N * c**2 * (h - L * h**2 / 4) + c**2 / (2 * L)
        xs = gradient_descent(fprime, np.zeros(1), h, N)[:, 0]
        assert (np.min(fprime(xs) ** 2) <= b.evaluate(L=L, Delta0=delta0, k=N)) == holds


def test_gd_nonconvex_on_random_nonconvex_sums():
    b = get("gd.nonconvex")
    for seed in range(6):
        p = random_nonconvex(5, 1, seed, L=3.0, depth=6.0)
        assert p.mu < 0  # really nonconvex
        x0 = np.random.default_rng(seed).uniform(-3, 3, 5)
        xs = gradient_descent(p.grad, x0, 1 / p.L, 200)
        g2 = np.minimum.accumulate(np.array([p.grad(x) @ p.grad(x) for x in xs]))
        assert np.all(g2 <= b.evaluate(L=p.L, Delta0=p.f(x0) - p.f_low, k=np.arange(201)) * (1 + 1e-12))


def test_gd_nonconvex_k_eps_and_catalogue_entry():
    b = get("gd.nonconvex")
    assert b.quantity == "grad_sq_min" and not b.tight and "Abbaszadehpeivasti" in b.source
    kk = b.k_eps(0.01, L=2.0, Delta0=1.0)
    assert b.evaluate(L=2.0, Delta0=1.0, k=kk) <= 0.01 < b.evaluate(L=2.0, Delta0=1.0, k=kk - 1)


# ---- sgd.nonconvex ---------------------------------------------------------------------------------------
def exact_mean_grad_sq(L, eta, sigma, x0, k):
    """f = L/2 x^2 with additive noise of variance sigma^2: (1/k) sum_{j<k} E f'(x_j)^2 from the exact
    second-moment recursion E x_{j+1}^2 = (1 - eta L)^2 E x_j^2 + eta^2 sigma^2."""
    m, total = x0**2, 0.0
    for _ in range(k):
        total += L**2 * m
        m = (1 - eta * L) ** 2 * m + eta**2 * sigma**2
    return total / k


@pytest.mark.parametrize("frac", [0.1, 0.5, 1.0, 1.6])
def test_sgd_nonconvex_against_exact_recursion(frac):
    L, sigma, x0 = 2.0, 0.8, 1.5
    eta = frac / L
    b = get("sgd.nonconvex")
    delta0 = L / 2 * x0**2  # f_low = 0
    for k in (1, 3, 10, 100, 3000):
        exact = exact_mean_grad_sq(L, eta, sigma, x0, k)
        assert exact <= b.evaluate(L=L, Delta0=delta0, eta=eta, sigma=sigma, k=k) * (1 + 1e-12)
    floor = float(b.evaluate_derived("noise_floor", L=L, eta=eta, sigma=sigma))
    assert exact_mean_grad_sq(L, eta, sigma, x0, 200_000) == pytest.approx(floor, rel=1e-2)  # tight floor
    wrong_floor = L * eta * sigma**2 / 2  # forgets the 2 - L eta
    assert exact_mean_grad_sq(L, eta, sigma, x0, 200_000) > wrong_floor * (1 + 0.4 * frac)


def test_sgd_nonconvex_monte_carlo_on_a_nonconvex_sum():
    from ratecheck.implementations import sgd_replicates

    p = random_nonconvex(3, 50, 4, L=2.0, depth=5.0, sigma=1.0)
    x0 = np.array([2.0, -1.0, 0.5])
    b = get("sgd.nonconvex")
    eta, k, runs = 0.5 / p.L, 200, 200
    xs = sgd_replicates(p.grad_i_batched, p.n, x0, eta, k, 0, runs)
    g = np.array([[p.grad(x) for x in run[:k]] for run in xs])
    mean = float(np.mean(np.sum(g * g, axis=2)))
    bound = float(b.evaluate(L=p.L, Delta0=p.f(x0) - p.f_low, eta=eta, sigma=math.sqrt(p.sigma2), k=k))
    assert mean <= bound
    assert mean > float(b.evaluate_derived("noise_floor", L=p.L, eta=eta, sigma=0.1))  # noise is visible


def test_sgd_nonconvex_horizon_relaxes_the_constant_step_bound():
    hb, cb = get("sgd.nonconvex_horizon"), get("sgd.nonconvex")
    rng = np.random.default_rng(7)
    for _ in range(200):
        L, D, s, k = 10 ** rng.uniform(-1, 1), 10 ** rng.uniform(-1, 1), 10 ** rng.uniform(-2, 1), \
            int(10 ** rng.uniform(0, 5))
        lr = min(1 / L, math.sqrt(2 * D / L) / (s * math.sqrt(k)))
        at_step = float(cb.evaluate(L=L, Delta0=D, eta=lr, sigma=s, k=k))
        assert at_step <= hb.evaluate(L=L, Delta0=D, sigma=s, k=k) * (1 + 1e-12)
        assert float(hb.evaluate_derived("exact_at_step", L=L, Delta0=D, sigma=s, k=k)) == pytest.approx(at_step)
        # on the exact recursion (f = L/2 x^2, x0^2 = 2 D / L) at that step
        exact = exact_mean_grad_sq(L, lr, s, math.sqrt(2 * D / L), min(k, 2000))
        assert exact <= float(cb.evaluate(L=L, Delta0=D, eta=lr, sigma=s, k=min(k, 2000))) * (1 + 1e-12)
    # O(1/sqrt(k)), not O(1/k): a 1/k bound with the same constants fails for large k
    L, D, s = 1.0, 1.0, 1.0
    k = 10**6
    lr = min(1 / L, math.sqrt(2 * D / L) / (s * math.sqrt(k)))
    floor_like = exact_mean_grad_sq(L, lr, s, 0.0, 20000)  # start at the minimum: only noise
    assert floor_like > (2 * L * D + 2 * s * math.sqrt(2 * L * D)) / k


def test_sgd_nonconvex_horizon_k_eps():
    b = get("sgd.nonconvex_horizon")
    for e in (1e-1, 1e-2, 1e-3):
        kk = float(b.k_eps(e, L=2.0, Delta0=1.0, sigma=0.5))
        assert b.evaluate(L=2.0, Delta0=1.0, sigma=0.5, k=kk) <= e < b.evaluate(L=2.0, Delta0=1.0, sigma=0.5, k=kk - 1)
    big = float(b.k_eps(1e-4, L=2.0, Delta0=1.0, sigma=0.5)) / float(b.k_eps(1e-3, L=2.0, Delta0=1.0, sigma=0.5))
    assert 60 < big < 101  # ~ eps^-2 once the noise term dominates


# ---- lower.nonconvex: Carmon, Duchi, Hinder & Sidford's chain -------------------------------------------
def test_chain_lemma3_properties():
    rng = np.random.default_rng(3)
    T = 8
    for _ in range(300):  # (ii): ||grad|| > 1 whenever u_T = 0
        u = rng.uniform(-3, 3, T) * (rng.random(T) < 0.7)
        u[-1] = 0.0
        assert np.linalg.norm(chain_grad(u)) > 1.0
    # (i): f(0) - inf <= 12 T (termwise -Psi Phi > -e sqrt(2 pi e)), probed from many random points
    vals = [chain_value(rng.uniform(-4, 4, T)) for _ in range(2000)]
    assert chain_value(np.zeros(T)) - min(vals) <= 12 * T
    # (iii): curvature probed by central differences stays below 152
    for _ in range(30):
        u, v = rng.uniform(-2, 2, T), rng.standard_normal(T)
        v /= np.linalg.norm(v)
        hv = (chain_grad(u + 1e-5 * v) - chain_grad(u - 1e-5 * v)) / 2e-5
        assert np.linalg.norm(hv) <= CHAIN_ELL1
    # the gradient is the derivative of the value
    u, v = rng.uniform(-2, 2, T), rng.standard_normal(T)
    fd = (chain_value(u + 1e-6 * v) - chain_value(u - 1e-6 * v)) / 2e-6
    assert fd == pytest.approx(chain_grad(u) @ v, rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("k", [1, 4, 20])
def test_lower_nonconvex_on_the_chain(k):
    L, delta0 = 2.0, 3.0
    p = carmon_chain(k + 1, L, delta0, d=k + 3)
    b = get("lower.nonconvex")
    xs = gradient_descent(p.grad, np.zeros(p.d), 1 / L, k)
    g2 = min(float(p.grad(x) @ p.grad(x)) for x in xs)
    assert np.all(xs[:, k:] == 0)  # zero-respecting: coordinate k+1 (x_T) never touched
    assert g2 > b.evaluate(L=L, Delta0=delta0, k=k)  # the lower bound holds
    assert p.f(np.zeros(p.d)) - p.f_low == pytest.approx(delta0)
    assert g2 <= get("gd.nonconvex").evaluate(L=L, Delta0=delta0, k=k)  # and GD's upper bound too
    wrong = L * delta0 / (12 * (k + 1))  # forgetting ell1 = 152 claims more than the chain delivers
    assert g2 < wrong


def test_lower_nonconvex_is_data():
    b = get("lower.nonconvex")
    assert b.direction == "lower" and "d >= k + 1" in b.validity and "Carmon" in b.source
    assert float(b.evaluate_derived("gd_ratio")) == 3648  # GD is optimal up to this constant


# ---- PEPit (extra ratecheck[pep]) ------------------------------------------------------------------------
def test_gd_nonconvex_certified_by_pepit():
    pytest.importorskip("PEPit")
    from ratecheck.theory.pep.certify import certify, evaluate
    from ratecheck.theory.pep.specs import spec

    report = certify("gd.nonconvex", sweep=False, ks=(1, 3), n_points=1)
    assert report.ok and not report.violated
    b = get("gd.nonconvex")
    for row in report.rows:  # PEPit's worst case is the derived exact one, 4 L Delta0 / (3k + 2)
        tight = float(b.evaluate_derived("tight_worst_case", L=row.point["L"], Delta0=row.point["Delta0"], k=row.k))
        assert row.worst == pytest.approx(tight, rel=1e-5)
    import dataclasses

    import sympy as sp
    from ratecheck.theory.symbols import Delta0, L, k

    wrong = dataclasses.replace(b, expr=L * Delta0 / (k + 1))  # half the constant: PEPit says VIOLATED
    point = spec("gd.nonconvex").points(1)[0]
    assert evaluate(wrong, spec("gd.nonconvex"), point, 2).verdict == "VIOLATED"
    assert sp.simplify(b.expr - 2 * L * Delta0 / (k + 1)) == 0


# ---- work.nonconvex_crossover ------------------------------------------------------------------------------
def test_nonconvex_crossover_is_the_ratio_of_the_two_counts():
    b, gd, sgd_h = get("work.nonconvex_crossover"), get("gd.nonconvex"), get("sgd.nonconvex_horizon")
    rng = np.random.default_rng(5)
    for _ in range(50):
        L, D, s = 10 ** rng.uniform(-1, 1), 10 ** rng.uniform(-1, 1), 10 ** rng.uniform(-1, 1)
        e = 10 ** rng.uniform(-4, -1) * L * D
        n_star = float(b.evaluate(L=L, Delta0=D, sigma=s, eps=e))
        # the real-valued counts (k(eps) before the ceiling) by bisection on the bounds themselves
        k_gd = 2 * L * D / e - 1
        assert gd.evaluate(L=L, Delta0=D, k=k_gd) == pytest.approx(e)
        lo, hi = 1e-9, 1e15
        for _ in range(200):
            mid = math.sqrt(lo * hi)
            lo, hi = (mid, hi) if sgd_h.evaluate(L=L, Delta0=D, sigma=s, k=mid) > e else (lo, mid)
        assert n_star == pytest.approx(hi / k_gd, rel=1e-6)
    small = float(b.evaluate(L=1.0, Delta0=1.0, sigma=1.0, eps=1e-6)) * 1e-6
    assert small == pytest.approx(4.0, rel=1e-2)  # ~ 4 sigma^2 / eps
    assert small > 1.0 * 1.5  # a crossover of sigma^2/eps (forgetting Ghadimi-Lan's factors) is caught
