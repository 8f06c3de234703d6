"""ratecheck.checks: Hypothesis property checks of an optimizer against the convergence theory.

    >>> from ratecheck.checks import check
    >>> report = check(my_gradient_descent, method="gd")
    >>> report.passed, print(report.summary())
"""

from .api import check, plan
from .config import PROFILES, Config, profile
from .methods import METHODS, SETTINGS, Setting
from .report import Counterexample, PropertyResult, Report
from .strategies import (
    Instance,
    convex_instances,
    instances,
    logistic_instances,
    noisy_instances,
    quadratic_instances,
    strongly_convex_instances,
)
from .testing import assert_respects_theory

__all__ = [
    "METHODS", "PROFILES", "SETTINGS", "Config", "Counterexample", "Instance", "PropertyResult", "Report",
    "Setting", "assert_respects_theory", "check", "convex_instances", "instances", "logistic_instances",
    "noisy_instances", "plan", "profile", "quadratic_instances", "strongly_convex_instances",
]
