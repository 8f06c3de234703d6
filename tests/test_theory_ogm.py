"""ogm.convex against the exact theta recursion, the worst-case functions of Kim & Fessler, random convex
quadratics and PEPit's exact worst cases; each check also shows a wrong formula failing it."""

from __future__ import annotations

import numpy as np
import pytest
from ratecheck.implementations import fista_momentum, nesterov, ogm
from ratecheck.implementations.ogm import ogm_theta
from ratecheck.theory import get
from ratecheck.theory.ogm import along_the_way, exact_bound, schedule, theta


def huber(L: float, t: float):
    """L t |x| - L t^2/2 for |x| >= t, L/2 x^2 inside: convex, L-smooth, minimum 0 at 0."""
    def f(x):
        return np.where(np.abs(x) >= t, L * t * np.abs(x) - L * t**2 / 2, L / 2 * x**2)

    def grad(x):
        return np.where(np.abs(x) >= t, L * t * np.sign(x), L * x)

    return f, grad


def test_theta_schedules_agree_and_satisfy_the_derived_identities():
    for N in (1, 2, 7, 50):
        th = schedule(N)  # the theory's, from the SymPy recursion
        np.testing.assert_allclose(th, ogm_theta(N), rtol=1e-15)  # the implementation's
        np.testing.assert_allclose(th[1:-1] ** 2 - th[1:-1], th[:-2] ** 2, rtol=1e-13)  # regular rule
        assert th[-1] ** 2 - th[-1] == pytest.approx(2 * th[-2] ** 2, rel=1e-13)  # last-step rule
        assert np.all(th[:-1] >= (np.arange(N) + 2) / 2)  # theta_j >= (j + 2)/2
        assert 2 * th[-1] ** 2 > (N + 1) ** 2  # the step to the closed form
    assert theta(1, 1) == 2.0 and theta(1) == pytest.approx((1 + 5**0.5) / 2)


def test_closed_form_is_above_the_exact_bound_and_approaches_it():
    b = get("ogm.convex")
    N = np.arange(0, 400)
    exact = np.array([exact_bound(3.0, 2.0, int(n)) for n in N])
    closed = b.evaluate(L=3.0, R=2.0, k=N)
    assert np.all(exact <= closed)
    assert exact[1] == pytest.approx(closed[1] / 2)  # L R^2/8 against L R^2/4 at N = 1
    assert exact[-1] / closed[-1] > 0.97  # (N+1)^2/(2 theta_N^2) -> 1
    # A wrong closed form, L R^2/(2 (k+1)^2), fails the same check (below the exact value from N = 2 on):
    wrong = 3.0 * 4.0 / (2 * (N + 1) ** 2)
    assert not np.all(exact <= wrong) and np.all(exact[2:] > wrong[2:])


@pytest.mark.parametrize("N", [1, 2, 3, 5, 20, 100])
def test_last_iterate_attains_the_exact_bound_on_the_worst_functions(N):
    """Kim & Fessler (2016), Thm 3: the Huber function with t = R/theta_N^2 and L/2 x^2 attain L R^2/(2 theta_N^2)."""
    L, R = 2.0, 1.5
    bound = exact_bound(L, R, N)
    f, grad = huber(L, R / theta(N, N) ** 2)
    y = ogm(grad, np.array([R]), 1 / L, N)[-1]
    assert float(f(y[0])) == pytest.approx(bound, rel=1e-10)
    y = ogm(lambda x: L * x, np.array([R]), 1 / L, N)[-1]
    assert L / 2 * y[0] ** 2 == pytest.approx(bound, rel=1e-10)
    assert bound <= float(get("ogm.convex").evaluate(L=L, R=R, k=N))
    # the bound is OGM's, not any accelerated method's: FISTA on the same function ends above it
    x = nesterov(grad, np.array([R]), 1 / L, fista_momentum(), N)[-1]
    assert float(f(x[0])) > bound


def test_random_convex_quadratics_stay_below_along_the_whole_run():
    rng = np.random.default_rng(3)
    L = 1.0
    for _ in range(15):
        d = 12
        lams = np.concatenate([[L], rng.uniform(0, L, d - 4), np.zeros(3)])
        Q = np.linalg.qr(rng.normal(size=(d, d)))[0]
        A = Q @ np.diag(lams) @ Q.T
        x0 = rng.normal(size=d)
        xstar = Q @ np.where(lams > 0, 0.0, Q.T @ x0)
        R = np.linalg.norm(x0 - xstar)
        N = int(rng.integers(1, 60))
        ys = ogm(lambda x: A @ x, x0, 1 / L, N)  # noqa: B023
        gaps = np.array([0.5 * y @ A @ y for y in ys])
        assert gaps[-1] <= exact_bound(L, R, N) * (1 + 1e-12) + 1e-15
        # along the way: the regular-rule value, and ogm.trajectory on every iterate
        for j in range(N):
            assert gaps[j] <= along_the_way(L, R, j) * (1 + 1e-12) + 1e-15
        trajectory = get("ogm.trajectory").evaluate(L=L, R=R, k=np.arange(N + 1))
        assert np.all(gaps <= trajectory * (1 + 1e-12) + 1e-15)


def test_intermediate_iterates_are_not_covered_by_the_last_step_bound():
    """On L/2 x^2, the intermediate y_j of a long run exceed the last-step bound at j (they use the regular rule)."""
    L, R, N = 1.0, 1.0, 30
    ys = ogm(lambda x: L * x, np.array([R]), 1 / L, N)
    gaps = L / 2 * ys[:, 0] ** 2
    j = np.arange(1, N)
    assert np.all(gaps[1:-1] > [exact_bound(L, R, int(i)) for i in j])
    np.testing.assert_allclose(gaps[1:-1], [along_the_way(L, R, int(i)) for i in j], rtol=1e-9)
    closed = get("ogm.convex").evaluate(L=L, R=R, k=np.arange(N + 1))
    assert np.any(gaps > closed)  # the catalogue's closed form of ogm.convex, too, from j = 3 on
    assert np.all(gaps <= get("ogm.trajectory").evaluate(L=L, R=R, k=np.arange(N + 1)))


@pytest.fixture(scope="module")
def pep():
    pytest.importorskip("PEPit", reason="the extra ratecheck[pep] is not installed")
    from ratecheck.theory.pep.builders import solve
    from ratecheck.theory.pep.ogm import ogm_convex

    def worst(L, R, k, last=True):
        return solve(ogm_convex(L, R, k, last=last))[0]

    return worst


@pytest.mark.parametrize("k", [1, 2, 4])
def test_pepit_worst_case_is_the_exact_bound(pep, k):
    L, R = 2.5, 0.8
    assert pep(L, R, k) == pytest.approx(exact_bound(L, R, k), rel=1e-5)  # tight: Thm 2 with Drori (2017)
    inner = pep(L, R, k, last=False)  # an intermediate iterate of a longer run
    assert inner == pytest.approx(along_the_way(L, R, k), rel=1e-5)
    assert inner > exact_bound(L, R, k) * 1.2  # the last-step bound would be violated along the way
    assert inner <= float(get("ogm.trajectory").evaluate(L=L, R=R, k=k))
    # a wrong (too strong) bound, the exact one times k/(k+1), is beaten by the worst case:
    assert pep(L, R, k) > exact_bound(L, R, k) * k / (k + 1) * (1 + 1e-3)


def test_certification_reports_the_closed_form_valid(pep):
    from ratecheck.theory.pep import certify

    rep = certify("ogm.convex", sweep=False, ks=(1, 3), n_points=1)
    assert rep.ok and not rep.violated
    for r in rep.rows:  # ratio = (k+1)^2/(2 theta_k^2): the closed form's slack, nothing else
        assert r.ratio == pytest.approx((r.k + 1) ** 2 / (2 * theta(r.k, r.k) ** 2), rel=1e-4)
