"""`assert_respects_theory`: one call that checks an optimizer and raises AssertionError with the report.

    from ratecheck.checks import assert_respects_theory
    def test_my_gd():
        assert_respects_theory(my_gradient_descent, "gd")

Works in any test runner; under pytest the `ratecheck_check` fixture (checks/pytest_plugin.py) does the same
with the session's --ratecheck-profile / --ratecheck-seed.
"""

from __future__ import annotations

from typing import Any

from .adapters import as_teaching_form, load_target
from .api import check
from .report import Report


def assert_respects_theory(optimizer: object, method: str, *, optimizer_kwargs: dict[str, Any] | None = None,
                           **check_options: Any) -> Report:
    """Check `optimizer` against the theory of `method`; return the Report, or raise AssertionError with its
    summary (and counterexample) when a property fails.

    optimizer: a function in the teaching form, a torch.optim.Optimizer subclass, an optax transformation
    factory, or a target string ("path/to/file.py:function", "module:attr", e.g. "torch.optim:SGD").
    optimizer_kwargs: extra constructor arguments for a torch/optax optimizer (the CLI's --set), e.g.
    {"nesterov": True}. check_options go to `check`: properties, settings, profile_name, config, max_examples,
    seed, ... .
    """
    __tracebackhide__ = True  # pytest shows the assertion message, not this frame
    target = optimizer if isinstance(optimizer, str) else None
    obj = load_target(optimizer) if isinstance(optimizer, str) else optimizer
    fn = as_teaching_form(obj, method, optimizer_kwargs)
    name = target or getattr(obj, "__module__", "") + ":" + getattr(obj, "__qualname__", repr(obj))
    report = check(fn, method, target=check_options.pop("target", name), **check_options)
    if not report.passed:
        raise AssertionError(report.summary())
    return report
