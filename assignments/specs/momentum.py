"""Assignment 2 (momentum: heavy ball, Nesterov, the best momentum for a given step, the Lessard-Recht-Packard
cycle) as a spec. Variant: the step factor h of the derivation (eta = h/L, 1 < h < 4: the answer is not Polyak's
heavy_ball.quadratic, which chooses the step too) and its sample points, the kappas of the scaling measurement, the
LRP start x0 (the cycle the heavy ball settles into is the same from every start in the variant's range)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..spec import Answers, Graded, Variant, answer_key, expect
from .common import close, expression_form, number, properties, same_expression

NAME = "momentum"
BASELINES = ("gradient_descent",)  # the heavy ball and Nesterov are compared with gradient descent
DEFAULT = {"h": 2.0, "kappas": np.logspace(1, 3.5, 6).tolist(), "x0_lrp": 3.3, "seed": 0}
STEPS = (1.5, 1.75, 2.0, 2.25, 2.5, 2.75, 3.0)  # h in eta = h / L: between 1/L and 4/L, as Polyak's step is
L_LRP, MU_LRP, STEPS_LRP = 25.0, 1.0, 300


def draw(rng: np.random.Generator) -> dict[str, Any]:
    lo = rng.uniform(0.9, 1.2)
    return {"h": float(rng.choice(STEPS)), "kappas": np.round(np.logspace(lo, lo + 2.5, 6), 1).tolist(),
            "x0_lrp": float(np.round(rng.uniform(3.1, 3.5), 2)), "seed": int(rng.integers(1, 2**31))}


def grad_lrp(x: np.ndarray) -> np.ndarray:
    """The Lessard-Recht-Packard gradient (L = 25, mu = 1, x* = 0), as in the notebook's locked cell."""
    t = float(np.asarray(x, dtype=float).reshape(-1)[0])
    return np.array([25.0 * t if t < 1 else (t + 24.0 if t < 2 else 25.0 * t - 24.0)])


# ---- the graded cells -----------------------------------------------------------------------------------------
def _gd(grad: Any, x0: np.ndarray, lr: float, steps: int) -> np.ndarray:
    from ...implementations import gradient_descent

    return gradient_descent(grad, x0, lr, steps)


def heavy_ball_visible(ans: Answers, variant: Variant) -> None:
    hb = ans.function("heavy_ball", "heavy-ball")
    g = lambda x: 2.0 * x  # noqa: E731
    xs = hb(g, np.array([1.0]), 0.25, 0.5, 3)
    expect(isinstance(xs, np.ndarray) and xs.shape == (4, 1), f"expected an array of shape (4, 1), got {xs!r}")
    # x1 = x0 - 0.25 * 2 x0 (x_{-1} = x0: no momentum yet); x2 = x1 - 0.25 * 2 x1 + 0.5 (x1 - x0)
    expect(np.allclose(xs[:3, 0], [1.0, 0.5, 0.0]), f"wrong iterates {xs[:, 0]}")
    expect(close(hb(g, np.array([1.0, 2.0]), 0.1, 0.0, 5), _gd(g, np.array([1.0, 2.0]), 0.1, 5)),
           "momentum 0 must be gradient descent")


def nesterov_visible(ans: Answers, variant: Variant) -> None:
    nag = ans.function("nesterov", "nesterov")
    g = lambda x: 2.0 * x  # noqa: E731
    xs = nag(g, np.array([1.0]), 0.25, 0.5, 3)
    expect(isinstance(xs, np.ndarray) and xs.shape == (4, 1), f"expected an array of shape (4, 1), got {xs!r}")
    expect(np.allclose(xs[:2, 0], [1.0, 0.5]), f"the first step (y_0 = x_0) is a gradient step; got {xs[:2, 0]}")
    expect(close(nag(g, np.array([1.0, 2.0]), 0.1, 0.0, 5), _gd(g, np.array([1.0, 2.0]), 0.1, 5)),
           "momentum 0 must be gradient descent")
    expect(close(nag(g, np.array([1.0]), 0.25, lambda k: 0.5, 3), xs), "a schedule k -> 0.5 must equal 0.5")


def polyak_visible(ans: Answers, variant: Variant) -> None:
    unit = lambda v: bool(np.all((v > 0) & (v < 1)))  # noqa: E731
    expression_form(ans, "momentum_h", ["L", "mu"], variant, unit, "a momentum lies in (0, 1)")
    expression_form(ans, "rate_h", ["L", "mu"], variant, unit, "a rate lies in (0, 1)")


def polyak_hidden(ans: Answers, variant: Variant) -> None:
    key = answer_key(NAME)
    for ranges in key.regimes(variant):  # sample points on both sides of where the binding end changes
        same_expression(ans, "momentum_h", key.momentum_for_step(variant), variant, ranges=ranges)
        same_expression(ans, "rate_h", key.rate_for_step(variant), variant, ranges=ranges)


def iterations_check(ans: Answers, variant: Variant) -> None:
    from ...theory import get

    kappas = np.asarray(variant["kappas"], dtype=float)
    counts = {m: np.array([number(ans, "iterations", m, float(kappa)) for kappa in kappas])
              for m in ("gd", "heavy_ball", "nesterov")}
    for m, c in counts.items():
        expect(np.all(np.isfinite(c)) and np.all(c > 0), f"iterations({m!r}, kappa) must be a positive count: {c}")
    slopes = {m: np.polyfit(np.log(kappas), np.log(c), 1)[0] for m, c in counts.items()}
    expect(0.9 < slopes["gd"] < 1.1, f"GD's iteration count should grow like kappa (log-log slope {slopes['gd']:.2f})")
    for m in ("heavy_ball", "nesterov"):
        expect(0.4 < slopes[m] < 0.65, f"{m}'s count should grow like sqrt(kappa) (log-log slope {slopes[m]:.2f})")
    bound = get("heavy_ball.quadratic").k_eps(1e-6, L=kappas, mu=1.0, R=1.0)
    expect(np.all(counts["heavy_ball"] <= np.ceil(bound)),
           "the heavy ball took longer than heavy_ball.quadratic allows")


def iterations_hidden(ans: Answers, variant: Variant) -> None:
    """Made-up counts earn nothing: each must be what the grader's own run of that method takes."""
    for m in ("gd", "heavy_ball", "nesterov"):
        for kappa in variant["kappas"][::2]:  # every other kappa: three per method keep the rerun cheap
            got, truth = number(ans, "iterations", m, float(kappa)), answer_key(NAME).reference_count(m, float(kappa))
            expect(truth is not None and abs(got - truth) <= 1,
                   f"iterations({m!r}, {kappa:g}) = {got:g} is not what that method takes from the worst-case start")


def lrp_visible(ans: Answers, variant: Variant) -> None:
    xs = ans.value("xs_lrp")
    expect(xs.shape == (STEPS_LRP + 1, 1), f"xs_lrp should have shape ({STEPS_LRP + 1}, 1), has {xs.shape}")
    expect(ans.value("period").size == 1, "period should be one number")


def lrp_hidden(ans: Answers, variant: Variant) -> None:
    """The grader reruns the heavy ball itself: made-up iterates or a made-up period earn nothing."""
    ref = answer_key(NAME).reference_lrp(variant)
    xs = ans.value("xs_lrp")
    expect(xs.shape == ref.shape and np.allclose(xs, ref, atol=1e-6),
           f"xs_lrp is not the heavy ball's run with Polyak's parameters from x0 = {variant['x0_lrp']}")
    truth = next(p for p in range(1, 50) if abs(ref[-1, 0] - ref[-1 - p, 0]) < 1e-6)
    period = ans.value("period").reshape(-1)
    expect(period.size == 1 and float(period[0]) == truth, f"period {period[:3]} is not the cycle's period")
    xs_nag = ans.function("nesterov", "nesterov")(grad_lrp, np.array([variant["x0_lrp"]]), 1 / L_LRP, 4 / 6, STEPS_LRP)
    expect(isinstance(xs_nag, np.ndarray) and xs_nag.shape == ref.shape and abs(xs_nag[-1, 0]) < 1e-6,
           "Nesterov's method (a guarantee for every such f) converges here")


GRADED = (
    Graded("test_heavy_ball_visible", 2, "visible", visible=heavy_ball_visible),
    Graded("test_nesterov_visible", 2, "visible", visible=nesterov_visible),
    Graded("test_heavy_ball_hidden", 3, "hidden", hidden=properties("heavy_ball", "heavy-ball")),
    Graded("test_nesterov_hidden", 3, "hidden", hidden=properties("nesterov", "nesterov")),
    Graded("test_polyak", 3, "derivation", visible=polyak_visible, hidden=polyak_hidden),
    Graded("test_iterations", 3, "measurement", visible=iterations_check, hidden=iterations_hidden),
    Graded("test_lrp", 2, "measurement", visible=lrp_visible, hidden=lrp_hidden),
)
