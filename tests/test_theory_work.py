"""Work bounds and the GD/SGD crossover: consistency of the solved forms, then a simulation in both regimes."""

from __future__ import annotations

import numpy as np
import pytest
from ratecheck.theory import get

P = {"L": 4.0, "mu": 1.0, "R": 1.0, "sigma": 3.0}  # noise-dominated: nu = 4 sigma^2/mu^2


def _works(n, eps):
    wg = float(get("work.gd").evaluate(n=n, eps=eps, L=P["L"], mu=P["mu"], R=P["R"]))
    ws = float(get("work.sgd").evaluate(eps=eps, **P))
    return wg, ws


def test_crossover_is_where_the_works_meet():
    c = get("work.crossover")
    for eps in (1e-2, 1e-3, 1e-5):
        n_star = float(c.evaluate(eps=eps, **P))
        wg, ws = _works(n_star, eps)
        assert wg == pytest.approx(ws, rel=1e-10)
        assert _works(2 * n_star, eps)[0] > ws and _works(n_star / 2, eps)[0] < ws


def test_eps_below_which_gd_wins_solves_the_lambertw_equation():
    c = get("work.crossover")
    for n in (100.0, 620.0, 1e4):
        e_star = float(c.evaluate_derived("eps_gd_wins", n=n, **P))
        assert 0 < e_star < P["R"] ** 2
        wg, ws = _works(n, e_star)
        assert wg == pytest.approx(ws, rel=1e-8)
        assert np.less(*_works(n, e_star / 3))  # GD cheaper below
        assert np.greater(*_works(n, e_star * 1.5))  # SGD cheaper just above
    # small n: no SGD band at all (no real root, or one above R^2) -> GD wins at every accuracy
    for n in (1.0, 2.0):
        assert c.evaluate_derived("eps_gd_wins", n=n, **P) == P["R"] ** 2
        assert all(np.less(*_works(n, e)) for e in np.geomspace(1e-8, 0.99, 30))


def _first_hit(curve, eps):
    hit = np.nonzero(curve <= eps)[0]
    return int(hit[0]) if hit.size else None


def _measured(n, eps, rng, reps=300):
    """Component-gradient evaluations GD and SGD (b=1, the bound's schedule) measure to reach eps."""
    L, mu, R, sigma = P["L"], P["mu"], P["R"], P["sigma"]
    lams = np.array([mu, 2.5, L])
    # noise only along the mu-eigenvector, the direction where SGD's bound is nearly attained
    c = np.zeros((n, 3))
    c[:, 0] = rng.normal(size=n)
    c -= c.mean(axis=0)
    c *= sigma / np.sqrt(np.mean(np.sum((c * lams) ** 2, axis=1)))  # noise variance exactly sigma^2
    x0 = np.array([R, 0, 0])  # on the mu-eigenvector: GD's worst case
    # GD, step 1/L, on f = mean_i 1/2 (x - c_i)^T A (x - c_i) (x* = 0): n evaluations per step
    x, k_gd = x0.copy(), 0
    while x @ x > eps:
        x = x - lams * x / L
        k_gd += 1
    # SGD: replicates of real runs sampling one component with replacement
    X = np.tile(x0, (reps, 1))
    k = 0
    while np.mean(np.sum(X**2, axis=1)) > eps:
        idx = rng.integers(0, n, size=reps)
        X = X - 2 / (mu * (k + 1) + L) * lams * (X - c[idx])
        k += 1
        assert k < 10**6
    return n * k_gd, k


def test_simulated_regimes_agree_with_the_predicted_crossover():
    rng = np.random.default_rng(5)
    c = get("work.crossover")
    eps = 0.01
    n_star = float(c.evaluate(eps=eps, **P))
    assert 100 < n_star < 1000
    gd_big, sgd_big = _measured(int(10 * n_star), eps, rng)
    assert sgd_big < gd_big  # n well above n*: SGD cheaper, as predicted
    gd_small, sgd_small = _measured(max(2, int(n_star / 10)), eps, rng)
    assert gd_small < sgd_small  # n well below n*: GD cheaper, as predicted
    # GD's count is the tight one: measured equals the bound's k(eps) exactly on the worst case
    k_pred = float(get("work.gd").k_eps(eps, L=P["L"], mu=P["mu"], R=P["R"]))
    assert gd_big / int(10 * n_star) == k_pred
    # for fixed n, a tiny eps flips the winner back to GD (and just above eps_gd_wins SGD is cheaper)
    n = int(2 * n_star)
    e_star = float(c.evaluate_derived("eps_gd_wins", n=n, **P))
    assert e_star < eps
    gd_tiny, sgd_tiny = _measured(n, e_star / 20, rng, reps=100)
    assert gd_tiny < sgd_tiny
