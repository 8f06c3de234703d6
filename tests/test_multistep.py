"""methods.multistep: a user's own method, its derived rates against the catalogue's, PEPit and bad input."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from ratecheck.methods import multistep
from ratecheck.methods.multistep import rates
from ratecheck.theory import SYMBOLS as SYM
from ratecheck.theory import get
from ratecheck.theory.iqc import certify, verify
from ratecheck.theory.multistep import envelope, numeric_at, quadratic_rate

MOMENTUM = "(sqrt(L/mu) - 1)/(sqrt(L/mu) + 1)"
RHO_TM = "(1 - sqrt(mu/L))"


def gd_spec(h: float):
    return multistep(f"gd-{h}", {"lr": f"{h}/L"}, x=[1], y=[1], step="lr")


def heavy_ball_spec():
    hb = get("heavy_ball.quadratic")
    return multistep("polyak", dict(hb.hyperparameters), x=["1 + momentum", "-momentum"], y=[1, 0], step="lr")


def nesterov_spec():
    return multistep("nesterov-constant", {"lr": "1/L", "momentum": MOMENTUM},
                     x=["1 + momentum", "-momentum"], y=["1 + momentum", "-momentum"], step="lr")


def tm_spec():
    tm = get("triple_momentum.iterates")
    return multistep("tm", dict(tm.hyperparameters), x=["1 + beta", "-beta"], y=["1 + gamma", "-gamma"],
                     step="alpha", output=[f"1 + {RHO_TM}**2/(1 - {RHO_TM}**2)", f"-{RHO_TM}**2/(1 - {RHO_TM}**2)"])


def quad(spec, L: float, mu: float):
    return quadratic_rate(spec.spec.coefficients(), L, mu)


def cert(spec, L: float, mu: float):
    return certify(numeric_at(spec.spec.coefficients(), L, mu), L, mu)


# ---- the catalogue's rates, reproduced from the coefficients ----------------------------------------------------
@pytest.mark.parametrize("h", [0.5, 1.0, 1.7])
def test_gd_any_step_quadratic_rate_is_gd_quadratic(h: float) -> None:
    L, mu = 10.0, 1.0
    want = float(get("gd.quadratic").evaluate(k=1, R=1.0, L=L, mu=mu, eta=h / L))
    got = quad(gd_spec(h), L, mu)
    assert got.rate == pytest.approx(want, rel=1e-9)
    assert got.expr is not None and float(got.expr.subs({SYM["L"]: L, SYM["mu"]: mu})) == pytest.approx(want)


def test_gd_certified_rate_is_gd_strongly_convex() -> None:
    L, mu = 10.0, 1.0
    want = float(get("gd.strongly_convex").evaluate_derived("rate", L=L, mu=mu))
    c = cert(gd_spec(1.0), L, mu)
    assert c is not None and want <= c.rho <= want + 0.05 * (1 - want)


@pytest.mark.parametrize("L", [10.0, 100.0])
def test_heavy_ball_quadratic_rate_and_envelope(L: float) -> None:
    mu, spec, bound = 1.0, heavy_ball_spec(), get("heavy_ball.quadratic")
    q = quad(spec, L, mu)
    assert q.rate == pytest.approx(float(bound.evaluate_derived("spectral_radius", L=L, mu=mu)), rel=1e-9)
    assert q.expr is not None
    ks = np.arange(0, 60)
    E = envelope(numeric_at(spec.spec.coefficients(), L, mu), L, mu, 59)
    closed = bound.evaluate(k=ks, L=L, mu=mu, R=1.0)  # tight at the L-eigenvector: E_k is the same curve
    # E_k is an upper estimate (grid + first-order allowance): never below, close for small k where it matters
    assert np.all(E >= closed * (1 - 1e-9)) and np.all(E[:6] <= closed[:6] * 1.01)


def test_heavy_ball_polyak_has_no_certificate_at_the_counterexample() -> None:
    (ce,) = get("heavy_ball.quadratic").counterexamples
    L, mu = float(ce["L"]), float(ce["mu"])
    spec = heavy_ball_spec()
    assert quad(spec, L, mu).rate == pytest.approx((np.sqrt(L / mu) - 1) / (np.sqrt(L / mu) + 1), rel=1e-9)
    assert cert(spec, L, mu) is None
    assert "strongly_convex" not in spec.setting_names  # so `check` does not claim one


def test_nesterov_constant_momentum_rates() -> None:
    L, mu, spec = 10.0, 1.0, nesterov_spec()
    rho = float(get("nesterov.strongly_convex").evaluate_derived("rate", L=L, mu=mu))  # on f - f*, per step
    assert quad(spec, L, mu).rate == pytest.approx(rho, rel=1e-9)  # the double root at lambda = mu
    c = cert(spec, L, mu)
    # distances: at least the quadratic rate, at most sqrt(rho) (the gap bound with f - f* >= mu/2 ||x - x*||^2)
    assert c is not None and rho <= c.rho <= np.sqrt(rho)


def test_triple_momentum_rates() -> None:
    L, mu, spec = 10.0, 1.0, tm_spec()
    rho = float(get("triple_momentum.iterates").evaluate_derived("rate", L=L, mu=mu))
    assert quad(spec, L, mu).rate == pytest.approx(rho, rel=1e-9)
    c = cert(spec, L, mu)
    assert c is not None and rho <= c.rho <= rho + 0.05 * (1 - rho)
    assert "strongly_convex" in spec.setting_names


@pytest.mark.parametrize("make", [lambda: gd_spec(1.0), nesterov_spec, tm_spec], ids=["gd", "nesterov", "tm"])
def test_certified_bound_is_above_pepit_at_every_k(make) -> None:
    pytest.importorskip("PEPit")
    r = rates(make(), 10.0, 1.0, pep_steps=4)
    assert r.strongly_convex_rate is not None and len(r.pep_worst_case) == 4
    for k, worst in r.pep_worst_case:
        assert worst <= (r.strongly_convex_constant * r.strongly_convex_rate**k) ** 2
        # quadratics are in the class: PEPit's worst case is at least the quadratic envelope (its allowance aside)
        assert worst >= r.quadratic_envelope[k][1] ** 2 * (1 - 2e-2) - 1e-9


def test_a_tampered_certificate_fails_verification() -> None:
    spec = nesterov_spec()
    num = numeric_at(spec.spec.coefficients(), 10.0, 1.0)
    c = certify(num, 10.0, 1.0)
    assert c is not None and c.max_eig_F < 0 < c.min_eig_P
    P, lam = np.array(c.P), np.array(c.multipliers)
    scaled = type(num)(num.x, num.y, num.step * 10.0, num.output)  # certify solves for f/L
    assert verify(scaled, 1.0, 0.1, c.rho, P, lam)[1] < 0
    assert verify(scaled, 1.0, 0.1, 0.9 * quad(spec, 10.0, 1.0).rate, P, lam)[1] > 0  # below the true rate



def test_bisection_feasibility_agrees_with_cvxpy_solve() -> None:
    """The bisection's shortcut (solver data interpolated in rho^2, one Clarabel call) answers what a solve of the
    same LMI mapped back through cvxpy answers, on both sides of the edge."""
    from ratecheck.theory.iqc import _Problem

    num = numeric_at(tm_spec().spec.coefficients(), 20.0, 1.0)
    scaled = type(num)(num.x, num.y, num.step * 20.0, num.output)
    problem = _Problem(scaled, 1.0, 0.05)
    edge = 1 - np.sqrt(0.05)  # triple momentum's rate: infeasible below, feasible somewhat above
    answers = [(problem.feasible(r), problem.solve(r) is not None) for r in edge + np.array([-0.05, -0.01, 0.02, 0.05])]
    assert answers == [(False, False), (False, False), (True, True), (True, True)]


def test_envelope_table_grown_in_pieces_equals_one_computed_at_once() -> None:
    from ratecheck.theory.multistep import state_envelope

    num = numeric_at(heavy_ball_spec().spec.coefficients(), 7.0, 1.0)
    whole = envelope(num, 7.0, 1.0, 900)
    for K in (0, 3, 200, 201, 650, 900, 10):
        np.testing.assert_allclose(state_envelope(num, 7.0, 1.0, K), whole[: K + 1], rtol=1e-12, atol=0)


@pytest.mark.parametrize("make, L", [(heavy_ball_spec, 7.0), (tm_spec, 300.0), (lambda: gd_spec(2.5), 4.0)])
def test_envelope_at_large_k_equals_numpy_matrix_powers(make, L: float) -> None:
    """The early exit of envelope_at (a square that underflowed to zero) changes nothing: numpy's matrix_power at
    the same nodes agrees, for a convergent method (exits early), a divergent one (gd at step 2.5/L) and k = 0."""
    from ratecheck.theory.multistep import GRID, envelope_at

    num = numeric_at(make().spec.coefficients(), L, 1.0)
    T = num.companions(np.linspace(1.0, L, GRID))
    for k in (0, 1, 7, 4097, 10**6, 10**12):
        with np.errstate(all="ignore"):
            expected = float(np.max(np.abs(np.linalg.matrix_power(T, k) @ np.ones(num.n) @ np.eye(num.n)[0])))
        got = envelope_at(num, L, 1.0, k)
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-300) or (np.isnan(got) and np.isnan(expected))


def test_k_eps_is_the_last_crossing_of_the_envelope() -> None:
    """k(eps) is the first k after which the table stays at or below eps, however the search grows the table."""
    from ratecheck.theory.multistep import K_EPS_MAX, state_envelope

    spec = heavy_ball_spec()
    bound = spec.settings[0].bound
    num = numeric_at(spec.spec.coefficients(), 90.0, 1.0)
    table = state_envelope(num, 90.0, 1.0, K_EPS_MAX)
    for eps in (0.5, 1e-3, 1e-9, 1e-14):
        above = np.flatnonzero(table > eps * (1 + 1e-9))
        assert float(bound.k_eps(eps, L=90.0, mu=1.0, R=1.0)) == above[-1] + 1


# ---- the Method: teaching form, conformance, pickling -----------------------------------------------------------
def test_reference_is_the_update_rule_and_the_signature_lists_the_hyperparameters() -> None:
    spec = heavy_ball_spec()
    assert spec.signature.text("polyak") == "polyak(grad, x0, lr, momentum, steps)"
    from ratecheck.implementations import heavy_ball

    A = np.diag([1.0, 4.0, 9.0])
    x0 = np.array([1.0, -2.0, 0.5])
    got = spec.reference(lambda x: A @ x, x0, 0.1, 0.5, 12)
    assert got.shape == (13, 3) and np.allclose(got, heavy_ball(lambda x: A @ x, x0, 0.1, 0.5, 12))


def test_a_wrong_implementation_fails_conformance_against_a_user_spec() -> None:
    from ratecheck.checks.api import check

    spec = heavy_ball_spec()

    def lookahead(grad, x0, lr, momentum, steps):  # the gradient at x_k + momentum (x_k - x_{k-1}): Nesterov's
        xs, prev = [np.asarray(x0, float)], np.asarray(x0, float)
        for _ in range(steps):
            x = xs[-1]
            xs.append(x + momentum * (x - prev) - lr * grad(x + momentum * (x - prev)))
            prev = x
        return np.array(xs)

    bad = check(lookahead, spec, properties=["conformance"], max_examples=3)
    good = check(spec.reference, spec, properties=["conformance", "discipline"], max_examples=3)
    assert not bad.passed and "queried" in bad.results[0].message
    assert good.passed


def test_reference_passes_the_derived_quadratic_bound_and_a_slow_one_fails() -> None:
    from ratecheck.checks.api import check

    spec = nesterov_spec()

    def slow(grad, x0, lr, momentum, steps):  # half the step: still converges, but slower than derived
        return spec.reference(grad, x0, lr / 2, momentum, steps)

    assert check(spec.reference, spec, properties=["bound"], settings=["quadratic"], max_examples=3).passed
    assert not check(slow, spec, properties=["bound"], settings=["quadratic"], max_examples=3).passed


def test_the_strongly_convex_setting_covers_only_certified_instances_and_conformance_draws_all() -> None:
    """Properties that measure against the certified bound never see an (L, mu) without a certificate (it would
    pass vacuously against inf); conformance and discipline, which do not read the bound, still draw them."""
    from hypothesis import HealthCheck, find, settings
    from hypothesis.errors import NoSuchExample, Unsatisfiable
    from ratecheck.checks.strategies import instances

    spec = tm_spec()
    setting = next(s for s in spec.settings if s.name == "strongly_convex")
    assert setting.covers is not None

    def uncovered(inst) -> bool:
        return not setting.covers(inst.problem)

    quick = settings(max_examples=150, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    assert uncovered(find(instances(setting, bound=False), uncovered, settings=quick))
    with pytest.raises((NoSuchExample, Unsatisfiable)):
        find(instances(setting), uncovered, settings=quick)


def test_a_spec_pickles_by_its_arguments() -> None:
    spec = tm_spec()
    again = pickle.loads(pickle.dumps(spec))
    assert again.name == spec.name and again.setting_names == spec.setting_names
    assert again.spec.coefficients() == spec.spec.coefficients()


# ---- bad input -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("kwargs", "message"), [
    ({"x": [1, "-momentum"], "y": [1, 0]}, "x coefficients sum to"),
    ({"x": ["1 + momentum", "-momentum"], "y": [1, 1]}, "y coefficients sum to"),
    ({"x": ["1 + momentum", "-momentum"], "y": [1]}, "same length"),
    ({"x": ["1 + momentum", "-momentum + c"], "y": [1, 0]}, "uses c"),
    ({"x": ["1 + momentum", "-momentum"], "y": [1, 0], "step": "1/L"}, "directly"),
    ({"x": ["__import__('os').getcwd()", 0], "y": [1, 0]}, "not a mathematical expression"),
    ({"x": ["1 +", 0], "y": [1, 0]}, "does not parse"),
    ({"x": [], "y": []}, "non-empty list"),
])
def test_bad_input_is_a_one_line_value_error(kwargs: dict, message: str) -> None:
    args = {"name": "bad", "hyperparameters": {"lr": "1/L", "momentum": "1/2"}, "step": "lr", **kwargs}
    with pytest.raises(ValueError, match=message) as exc:
        multistep(**args)
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize("hp", [{"L": "1"}, {"x0": "1"}, {"lr": "1/L + eta"}])
def test_bad_hyperparameters(hp: dict) -> None:
    with pytest.raises(ValueError):
        multistep("bad", hp, x=[1], y=[1], step=1)


def test_the_pytest_helper_takes_a_spec() -> None:
    from ratecheck.checks.testing import assert_respects_theory

    spec = heavy_ball_spec()
    assert assert_respects_theory(spec.reference, spec, properties=["conformance"], max_examples=3).passed
