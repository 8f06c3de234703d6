"""Assignment 1 (gradient descent and its rate) as a spec: what each autograded cell checks and each student's
parameters. Variant: the step eta = h/L (h < 1, so the worst eigen-direction is lambda = mu and the answer is
not the registry's gd.strongly_convex, which is h = 1), the problem size d, the kappas measured, eps."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..spec import Answers, Graded, Variant, answer_key, expect
from .common import close, expression_form, number, properties, same_expression

NAME = "gd"
STEPS = (0.5, 0.6, 2 / 3, 0.75, 0.8, 5 / 6, 0.9)  # h in eta = h / L
DEFAULT = {"h": 0.5, "d": 10, "kappas": [10.0, 100.0], "eps": 1e-6, "seed": 0}


def draw(rng: np.random.Generator) -> dict[str, Any]:
    lo = float(np.round(10 ** rng.uniform(0.8, 1.3)))
    return {"h": float(rng.choice(STEPS)), "d": int(rng.integers(6, 13)),
            "kappas": [lo, float(np.round(lo * 10 ** rng.uniform(0.7, 1.0)))],
            "eps": float(rng.choice([1e-4, 1e-5, 1e-6])), "seed": int(rng.integers(1, 2**31))}


# ---- the graded cells -----------------------------------------------------------------------------------------
def gd_visible(ans: Answers, variant: Variant) -> None:
    gd = ans.function("gradient_descent", "gd")
    xs = gd(lambda x: 2.0 * x, np.array([1.0]), 0.25, 3)  # f(x) = x^2: each step halves x
    expect(isinstance(xs, np.ndarray), "return a NumPy array")
    expect(xs.shape == (4, 1), f"expected shape (steps + 1, d) = (4, 1), got {xs.shape}")
    expect(np.allclose(xs[:, 0], [1.0, 0.5, 0.25, 0.125]), f"wrong iterates {xs[:, 0]}")
    c = np.array([1.0, -2.0])
    xs = gd(lambda x: x - c, np.zeros(2), 1.0, 1)  # f = ||x - c||^2 / 2, L = 1: one step lands on c
    expect(close(xs, [[0.0, 0.0], [1.0, -2.0]]), f"wrong iterates {xs}")


def derivation_visible(ans: Answers, variant: Variant) -> None:
    expression_form(ans, "rate", ["L", "mu"], variant, lambda v: bool(np.all((v > 0) & (v < 1))),
                    "a contraction factor lies in (0, 1)")
    expression_form(ans, "k_eps", ["L", "mu", "R", "eps"], variant, lambda v: bool(np.all(v > 0)),
                    "a step count for eps < R is positive")


def derivation_hidden(ans: Answers, variant: Variant) -> None:
    ref = answer_key(NAME).reference(variant)
    same_expression(ans, "rate", ref["rate"], variant)
    same_expression(ans, "k_eps", ref["k_eps"], variant)


def measure_visible(ans: Answers, variant: Variant) -> None:
    counts = [number(ans, "iterations_to_eps", kappa, variant["eps"]) for kappa in variant["kappas"]]
    expect(all(c > 0 and float(c).is_integer() for c in counts), f"counts must be positive integers: {counts}")
    expect(counts[0] < counts[1], f"a larger kappa should need more steps: {counts}")


def measure_hidden(ans: Answers, variant: Variant) -> None:
    key = answer_key(NAME)
    for kappa in variant["kappas"]:
        measured, predicted = number(ans, "iterations_to_eps", kappa, variant["eps"]), key.tight_count(variant, kappa)
        expect(predicted - 1 <= measured <= predicted,
               f"kappa={kappa:g}: measured {measured:g} steps; GD with step h/L needs another count")


GRADED = (
    Graded("test_gd_visible", 2, "visible", visible=gd_visible),
    Graded("test_gd_hidden", 3, "hidden", hidden=properties("gradient_descent", "gd")),
    Graded("test_derivation", 2, "derivation", visible=derivation_visible, hidden=derivation_hidden),
    Graded("test_measure", 3, "measurement", visible=measure_visible, hidden=measure_hidden),
)
