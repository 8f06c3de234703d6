"""ratecheck.checks: Hypothesis property checks of an optimizer against the convergence theory.

    >>> from ratecheck.checks import check
    >>> report = check(my_gradient_descent, method="gd")
    >>> report.passed, print(report.summary())
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# The names below load on first use (PEP 562): the pytest plugin lives in this package and pytest imports it
# in every session where ratecheck is installed, so importing the package must not pull in SciPy, SymPy and
# Hypothesis (~2 s) until a check actually runs.
_EXPORTS = {
    "check": "api", "plan": "api", "PROFILES": "config", "Config": "config", "profile": "config",
    "METHODS": "methods", "SETTINGS": "methods", "Setting": "methods", "Counterexample": "report",
    "PropertyResult": "report", "Report": "report", "Instance": "strategies", "convex_instances": "strategies",
    "instances": "strategies", "logistic_instances": "strategies", "noisy_instances": "strategies",
    "quadratic_instances": "strategies", "strongly_convex_instances": "strategies",
    "assert_respects_theory": "testing",
}

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


__all__ = [
    "METHODS", "PROFILES", "SETTINGS", "Config", "Counterexample", "Instance", "PropertyResult", "Report",
    "Setting", "assert_respects_theory", "check", "convex_instances", "instances", "logistic_instances",
    "noisy_instances", "plan", "profile", "quadratic_instances", "strongly_convex_instances",
]
