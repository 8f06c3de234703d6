"""A course's own assignment, written only through ratecheck's assignment spec (README: "Write your own
assignment"): the contraction factor of gradient descent with the step h/L on a quadratic, h per student."""

import numpy as np
import sympy as sp
from ratecheck.assignments.spec import Graded
from ratecheck.assignments.specs.common import expression_form, same_expression
from ratecheck.theory import SYMBOLS

NAME = "contraction"
DEFAULT = {"h": 0.5, "seed": 0}  # the source notebook's variant


def draw(rng):
    """One student's parameters (rng is seeded from the student id and the course secret)."""
    return {"h": float(rng.choice([0.25, 0.5, 0.75])), "seed": int(rng.integers(1, 2**31))}


def q_visible(ans, variant):
    """Shown to the student: q is an expression in L and mu with values in (0, 1)."""
    expression_form(ans, "q", ["L", "mu"], variant, lambda v: bool(np.all((v > 0) & (v < 1))),
                    "a contraction factor lies in (0, 1)")


def q_hidden(ans, variant):
    """Removed from the release: q is this student's answer, max |1 - h lambda / L| over [mu, L]."""
    L, mu = SYMBOLS["L"], SYMBOLS["mu"]
    same_expression(ans, "q", 1 - sp.nsimplify(variant["h"]) * mu / L, variant)


GRADED = (Graded("test_q", 2, "derivation", visible=q_visible, hidden=q_hidden),)
