"""svrg.strongly_convex and work.svrg: the exact second-moment recursion of SVRG on finite-sum quadratics, a
simulation of the reference implementation against it, and the three-way work regimes measured; each check also
shows a wrong formula failing it."""

from __future__ import annotations

import numpy as np
import pytest
from ratecheck.implementations import gradient_descent, svrg
from ratecheck.theory import get
from ratecheck.theory.work import cheapest, works


def alpha(L: float, mu: float, eta: float, m: int) -> float:
    return float(get("svrg.strongly_convex").evaluate_derived("rate", L=L, mu=mu, eta=eta, m=m))


def epoch_factor(a: np.ndarray, eta: float, m: int) -> float:
    """Exactly E f(x~_{s+1}) / f(x~_s) for SVRG option II on f_i = a_i/2 x^2 (1-D, x* = 0, f* = 0).

    With e_t = x_t, u = x~_s: e_{t+1} = (1 - eta a_i) e_t + eta (a_i - mean a) u, so (E e_t^2, E e_t u) follow a
    linear recursion from (u^2, u^2); option II averages E f(x_t) over t = 0..m-1.
    """
    A = a.mean()
    c, dev = 1 - eta * a, eta * (a - A)
    e2 = eu = uu = 1.0
    total = 0.0
    for _ in range(m):
        total += e2
        e2, eu = np.mean(c * c * e2 + 2 * c * dev * eu + dev * dev * uu), np.mean(c * eu + dev * uu)
    return total / m


def spiky(L: float, mu: float) -> np.ndarray:
    """n = L/mu components, one of curvature L and the rest flat: mean mu, the largest variance for (mu, L)."""
    a = np.zeros(round(L / mu))
    a[0] = L
    return a


def test_contraction_is_johnson_and_zhangs():
    L, mu, eta, m = 2.0, 0.05, 0.02, 3000
    paper = 1 / (mu * eta * (1 - 2 * L * eta) * m) + 2 * L * eta / (1 - 2 * L * eta)
    assert alpha(L, mu, eta, m) == pytest.approx(paper)
    b = get("svrg.strongly_convex")
    m_min = float(b.evaluate_derived("m_min", L=L, mu=mu, eta=eta))
    assert alpha(L, mu, eta, m_min) == pytest.approx(1.0)
    assert alpha(L, mu, 1 / (10 * L), 50 * L / mu) == pytest.approx(0.5)
    value = float(b.evaluate(L=L, mu=mu, eta=eta, m=m, Delta0=3.0, k=4))
    assert value == pytest.approx(3.0 * paper**4)
    assert "option II" in b.hyperparameters["snapshot"]


@pytest.mark.parametrize("eta_L", [0.01, 0.1, 0.2])
@pytest.mark.parametrize("mu_eta_m", [2.0, 10.0])
def test_exact_epoch_factor_is_below_alpha(eta_L, mu_eta_m):
    L, mu = 1.0, 0.05
    eta = eta_L / L
    m = round(mu_eta_m / (mu * eta))
    spread = np.concatenate([[L, L / 2, L / 4], np.zeros(round(1.75 * L / mu) - 3)])  # also mean mu, max L
    for a in (spiky(L, mu), spread):
        assert a.max() == L and a.mean() == pytest.approx(mu)
        assert epoch_factor(a, eta, m) <= alpha(L, mu, eta, m)
    # dropping the snapshot's term 1/(mu eta (1 - 2 L eta) m) from alpha fails on the spiky instance
    if mu_eta_m == 2.0 and eta_L <= 0.1:
        a = spiky(L, mu)
        assert epoch_factor(a, eta, m) > 2 * L * eta / (1 - 2 * L * eta)


def test_reference_implementation_matches_the_exact_recursion():
    """Monte Carlo over 600 runs of implementations.svrg (snapshot="random") against the exact factor."""
    L, mu, eta = 1.0, 0.1, 0.1
    a = spiky(L, mu)
    m = round(2 / (mu * eta))
    exact = epoch_factor(a, eta, m)
    rng = np.random.default_rng(11)
    finals = []
    for _ in range(600):
        xs = svrg(lambda x: a.mean() * x, lambda x, i: a[i].mean() * x, a.size, np.array([1.0]), eta, 1, rng,
                  inner_steps=m, snapshot="random")
        finals.append(a.mean() / 2 * xs[1, 0] ** 2)
    finals = np.array(finals) / (a.mean() / 2)
    se = finals.std() / np.sqrt(finals.size)
    assert abs(finals.mean() - exact) < 5 * se, (finals.mean(), exact, se)
    # option I (snapshot="last") is another law: its mean is far from option II's
    last = [svrg(lambda x: a.mean() * x, lambda x, i: a[i].mean() * x, a.size, np.array([1.0]), eta, 1, rng,
                 inner_steps=m)[1, 0] ** 2 for _ in range(200)]
    assert np.mean(last) < exact / 3


# ---- work.svrg and the three-way regime map ---------------------------------------------------------------
P = {"L": 100.0, "mu": 1.0, "R": 1.0, "sigma": 3.0}


def test_work_svrg_is_epochs_times_the_epoch_cost():
    w = get("work.svrg")
    for n, eps in [(10.0, 1e-2), (1e4, 1e-6)]:
        epochs = float(w.k_eps(eps, L=P["L"], mu=P["mu"], R=P["R"]))
        raw = np.log2(P["L"] / P["mu"] * P["R"] ** 2 / eps)
        assert epochs == np.ceil(raw)
        assert float(w.evaluate(n=n, eps=eps, L=P["L"], mu=P["mu"], R=P["R"])) == pytest.approx(
            (n + 100 * P["L"] / P["mu"]) * raw)


def test_predicted_regimes_have_three_winners():
    assert cheapest(10, 1e-6, **P) == "gd"  # small n: a full gradient is cheap
    assert cheapest(1e5, 1e-6, **P) == "svrg"  # large n, high accuracy: (n + kappa) log(1/eps)
    assert cheapest(1e5, 0.1, **P) == "sgd"  # low accuracy: 1/eps, independent of n
    w = works(1e5, 1e-6, **P)
    assert w["svrg"] < w["gd"] / 10 and w["svrg"] < w["sgd"] / 10


def _measured_gd_svrg(n: int, eps: float, seed: int = 0) -> tuple[float, float]:
    """Component gradients GD (step 1/L) and SVRG (work.svrg's eta, m; option II; mean over 4 runs) spend to reach
    E||x - x*||^2 <= eps on a finite sum of 2-D quadratics f_i = 1/2 x^T A_i x - b_i^T x, A_i diagonal, mean
    Hessian diag(mu, L), every A_i L-smooth (the components differ along the mu-eigenvector)."""
    rng = np.random.default_rng(seed)
    L, mu = P["L"], P["mu"]
    curv = rng.uniform(0, 2 * mu, n)
    diag = np.stack([curv * mu / curv.mean(), np.full(n, L)], axis=1)  # components <= L, mean diag(mu, L)
    b = rng.normal(size=(n, 2)) * diag
    A, bbar = diag.mean(axis=0), b.mean(axis=0)
    xstar = bbar / A
    x0 = xstar + np.array([P["R"], 0.0])
    grad = lambda x: A * x - bbar  # noqa: E731
    xs = gradient_descent(grad, x0, 1 / L, 5000)
    k_gd = int(np.argmax(np.sum((xs - xstar) ** 2, axis=1) <= eps))
    eta, m = 1 / (10 * L), int(np.ceil(50 * L / mu))
    runs = []
    for _ in range(4):
        snaps = svrg(grad, lambda x, i: diag[i].mean(axis=0) * x - b[i].mean(axis=0), n, x0, eta, 12, rng,
                     inner_steps=m, snapshot="random")
        runs.append(np.sum((snaps - xstar) ** 2, axis=1))
    hit = np.nonzero(np.mean(runs, axis=0) <= eps)[0]
    epochs = int(hit[0]) if hit.size else np.inf
    return n * k_gd, epochs * (n + 2 * m)


@pytest.mark.slow
def test_measured_gd_and_svrg_agree_with_the_prediction_far_from_the_crossover():
    eps = 1e-6
    gd_big, svrg_big = _measured_gd_svrg(20_000, eps)
    assert cheapest(20_000, eps, **P) == "svrg" and svrg_big < gd_big
    gd_small, svrg_small = _measured_gd_svrg(20, eps)
    assert cheapest(20, eps, **P) == "gd" and gd_small < svrg_small


def test_vectorised_replicates_have_the_same_law():
    """svrg_replicates (used by the three-way regime map) against the exact recursion, option II and option I."""
    from ratecheck.implementations import svrg_replicates

    L, mu, eta = 1.0, 0.1, 0.1
    a = spiky(L, mu)
    m = round(2 / (mu * eta))
    grad = lambda x: a.mean() * x  # noqa: E731
    grad_b = lambda X, IDX: a[IDX].mean(axis=1, keepdims=True) * X  # noqa: E731
    snaps = svrg_replicates(grad, grad_b, a.size, np.array([1.0]), eta, 2, 5, 4000, inner_steps=m, snapshot="random")
    assert snaps.shape == (4000, 3, 1)
    for s, want in ((1, epoch_factor(a, eta, m)), (2, epoch_factor(a, eta, m) ** 2)):
        vals = snaps[:, s, 0] ** 2
        assert abs(vals.mean() - want) < 5 * vals.std() / np.sqrt(vals.size), (s, vals.mean(), want)
    last = svrg_replicates(grad, grad_b, a.size, np.array([1.0]), eta, 1, 5, 400, inner_steps=m)
    assert np.mean(last[:, 1, 0] ** 2) < epoch_factor(a, eta, m) / 3  # option I: another law, as for svrg
