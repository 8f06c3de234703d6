"""Checking optimizers in the precision they run in: the floor against simulation, float32/bfloat16 code
judged with tolerances derived from its dtype, and wrong low-precision code still caught."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest
import sympy as sp
from ratecheck.checks import check
from ratecheck.checks.precision import Precision, as_float64, precision_of
from ratecheck.checks.precision_variants import VARIANTS
from ratecheck.implementations.problems import quadratic_spectrum
from ratecheck.theory.precision import C_OPS, UNIT_ROUNDOFF, derivation, floor

SMALL = {"max_examples": 6, "replicates": 64}


# ---- the floor ---------------------------------------------------------------------------------------------
def test_unit_roundoff_matches_numpy_and_ml_dtypes():
    for name, dt in (("float64", np.float64), ("float32", np.float32), ("float16", np.float16),
                     ("bfloat16", ml_dtypes.bfloat16)):
        eps = float(np.finfo(dt).eps) if name != "bfloat16" else float(ml_dtypes.finfo(dt).eps)
        assert UNIT_ROUNDOFF[name] == eps / 2


def test_derivation_fixed_point_equals_the_contraction_floor_for_gd():
    d = derivation()
    eta, mu, delta = sp.symbols("eta mu delta", positive=True)
    assert sp.simplify(d["floor_gd"] - d["fixed_point"]) == 0
    assert sp.simplify(d["fixed_point"] - delta / (eta * mu)) == 0
    # the solved recursion satisfies e_{k+1} = rho e_k + delta (independent check by substitution)
    k, rho = sp.Symbol("k", integer=True, nonnegative=True), sp.Symbol("rho", positive=True)
    e = d["recursion"]
    assert sp.simplify(e.subs(k, k + 1) - rho * e - delta) == 0


def _simulate(method: str, kappa: float, dtype, seed: int) -> tuple[float, float]:
    """(largest error over the second half of a long run, the floor) for pure-dtype GD / heavy ball on a
    4-D quadratic with spectrum in [1, kappa]."""
    rng = np.random.default_rng(seed)
    lam = np.geomspace(1.0, kappa, 4)
    x_star = 3 * rng.normal(size=4)
    x0 = x_star + rng.normal(size=4)
    if method == "gd":
        lr, mom = 1 / kappa, 0.0
    else:
        lr, mom = 4 / (np.sqrt(kappa) + 1) ** 2, ((np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)) ** 2
    steps = int(40 * kappa) + 500
    x = prev = x0.astype(dtype)
    errs = []
    for _ in range(steps):
        g = (lam * (x.astype(float) - x_star)).astype(dtype)
        x, prev = (x - dtype(lr) * g + dtype(mom) * (x - prev)).astype(dtype), x
        errs.append(np.linalg.norm(x.astype(float) - x_star))
    name = np.dtype(dtype).name
    S = np.linalg.norm(x_star) + np.linalg.norm(x0 - x_star)
    return max(errs[steps // 2:]), floor(UNIT_ROUNDOFF[name], S, lr, 1.0, steps)


@pytest.mark.parametrize("method", ["gd", "heavy-ball"])
@pytest.mark.parametrize("kappa", [10.0, 100.0, 1000.0])
def test_floor_against_simulation_float32(method, kappa):
    """The floor is an upper bound on where round-to-nearest leaves the error, and not loose by orders of
    magnitude for GD, where the derivation is sharp (updates rounded away at eta mu e ~ u |x|)."""
    ratios = [np.divide(*_simulate(method, kappa, np.float32, s)) for s in range(4)]
    assert max(ratios) <= 1.0
    if method == "gd":
        assert max(ratios) >= 1 / (10 * C_OPS)


def test_a_sqrt_kappa_floor_would_not_cover_heavy_ball():
    """delta / (1 - rho) with heavy ball's rate (1 - 1/sqrt(kappa)) is below what heavy ball reaches: the
    fixed-point floor delta / (eta mu) is the one that holds."""
    kappa = 1e4
    tail, F = _simulate("heavy-ball", kappa, np.float32, 0)
    rho = (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)
    lr = 4 / (np.sqrt(kappa) + 1) ** 2
    sqrt_floor = F * lr * 1.0 / (1 - rho)  # the same delta over (1 - rho) instead of eta mu
    assert sqrt_floor < tail <= F


# ---- dtype detection ----------------------------------------------------------------------------------------
def test_dtype_is_read_before_the_cast():
    x = np.ones((3, 2), dtype=np.float32)
    assert as_float64(x)[0] == "float32" and as_float64(x)[1].dtype == np.float64
    assert precision_of([np.ones(2, dtype=ml_dtypes.bfloat16)]) == "bfloat16"
    assert precision_of([[1.0, 2.0]]) == "float64"
    torch = pytest.importorskip("torch")
    name, xs = as_float64(torch.ones((2, 2), dtype=torch.bfloat16))
    assert name == "bfloat16" and xs.dtype == np.float64


def test_float64_tolerances_are_unchanged():
    p = Precision("float64")
    assert p.conformance_rtol == 1e-8
    problem = quadratic_spectrum(2, 1.0, 10.0, 0, "linear")
    x0 = problem.x_star + 1.0
    s = np.linalg.norm(problem.x_star) + np.linalg.norm(x0 - problem.x_star)
    assert p.allowance("dist", problem, x0, problem.x_star, {"lr": 0.1}, 100) == pytest.approx(1e-10 * s)
    assert Precision("float32").allowance("dist", problem, x0, problem.x_star, {"lr": 0.1}, 100) > 1e-10 * s


# ---- float32 / bfloat16 optimizers --------------------------------------------------------------------------
RIGHT = [v for v in VARIANTS if v.caught_by is None]
WRONG = [v for v in VARIANTS if v.caught_by is not None]


@pytest.mark.parametrize("variant", RIGHT, ids=lambda v: v.name)
def test_correct_float32_code_passes_every_property(variant):
    report = check(variant.build("float32"), variant.method, **SMALL)
    assert report.passed, report.summary()


@pytest.mark.parametrize("variant", WRONG, ids=lambda v: v.name)
def test_wrong_float32_code_is_caught_by_its_property(variant):
    report = check(variant.build("float32"), variant.method, properties=[variant.caught_by], **SMALL)
    failed = [r for r in report.results if r.verdict == "fail"]
    assert failed, report.summary()
    assert variant.message in " ".join(r.message for r in failed)


def test_float32_failures_state_the_precision_and_floor():
    wrong = next(v for v in WRONG if v.name == "gd: half the step")
    report = check(wrong.build("float32"), "gd", properties=["bound"], **SMALL)
    msg = " ".join(r.message for r in report.results if r.verdict == "fail")
    assert "checked in float32, floor" in msg


def test_jax_numpy_at_its_default_dtype_passes():
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp

    def gradient_descent(grad, x0, lr, steps):
        x = jnp.asarray(x0, dtype=jnp.float32)  # float32: jax's default dtype (x64 may be on in this process)
        xs = [x]
        for _ in range(steps):
            x = x - lr * jnp.asarray(grad(np.asarray(x)), dtype=x.dtype)
            xs.append(x)
        return jnp.stack(xs)

    assert jax is not None
    report = check(gradient_descent, "gd", **SMALL)
    assert report.passed, report.summary()


# ---- grading: a student's float32 code is judged in float32 -----------------------------------------------
STUDENT_FLOAT32 = '''
import numpy as np
def gradient_descent(grad, x0, lr, steps):
    x = np.asarray(x0, dtype=np.float32)
    xs = [x]
    for _ in range(steps):
        x = x - np.float32(STEP * lr) * grad(x).astype(np.float32)
        xs.append(x)
    return np.array(xs)
'''


@pytest.mark.parametrize("step, passes", [(1.0, True), (0.5, False)])
def test_float32_student_code_is_graded_like_float64_code(step, passes):
    from ratecheck.grading.sandbox import Sandbox

    with Sandbox([STUDENT_FLOAT32.replace("STEP", repr(step))]) as sb:
        report = check(sb.function("gradient_descent", "gd"), "gd", properties=["bound", "discipline", "conformance"],
                       settings=["quadratic", "strongly_convex"], max_examples=4)
    assert report.passed is passes, report.summary()
    if not passes:
        assert "checked in float32, floor" in " ".join(r.message for r in report.results if r.verdict == "fail")
