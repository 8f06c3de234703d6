"""Check builders the assignment specs share: ratecheck's property checks, SymPy answers compared at sample points,
numbers from a student's function. Each returns a `check(ans, variant)` (ratecheck.assignments.spec)."""

from __future__ import annotations

import contextlib
import io
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..spec import Answers, Check, CheckFailed, Variant, expect


def properties(name: str, method: str, plan: dict[str, Any] | None = None) -> Check:
    """ratecheck's hidden property checks of the student's `name` (assignments.hidden's configuration, or the
    spec's own `plan` for a method it does not list, e.g. {"max_examples": 6})."""

    def check(ans: Answers, variant: Variant) -> None:
        from .. import hidden

        with contextlib.redirect_stdout(io.StringIO()):  # hidden.run notes warnings on stdout
            report = hidden.run(method, ans.optimizer(name, method), plan)
        if not report.passed:
            first, ce = report.failures[0], report.failures[0].counterexample
            step = f"step {ce.step}: " if ce is not None and ce.step is not None else ""
            more = f" (and {len(report.failures) - 1} more failed checks)" if len(report.failures) > 1 else ""
            raise CheckFailed(f"property {first.property} failed on {method}/{first.setting}: {step}"
                              f"{first.message}{more}", details=hidden.failure_text(report))
        print(f"ratecheck: {method} passes all {len(report.results)} checks")

    return check


def points(symbols: Sequence[Any], variant: Variant, ranges: dict[str, tuple[float, float]] | None = None,
           samples: int = 12) -> list[dict[str, float]]:
    """Sample points for comparing expressions; the seed is part of the variant (each student's own points)."""
    from ..support import sample_point

    rng = np.random.default_rng([int(variant.get("seed", 0)), 1])
    return [{s.name: v for s, v in sample_point(symbols, rng, ranges).items()} for _ in range(samples)]


def same_expression(ans: Answers, name: str, reference: Any, variant: Variant,
                    ranges: dict[str, tuple[float, float]] | None = None, rtol: float = 1e-8) -> None:
    """The student's SymPy `name` equals `reference` at sample points (evaluated where the answer lives: the
    grader never sympifies a submission's object)."""
    import sympy as sp

    symbols = sorted(reference.free_symbols, key=lambda s: s.name)
    pts = points(symbols, variant, ranges)
    fn = sp.lambdify(symbols, reference, "numpy")
    expected = [float(fn(*[p[s.name] for s in symbols])) for p in pts]
    got, errors = ans.evaluate(name, pts)
    for p, a, b in zip(pts, got, expected, strict=True):
        if not (math.isfinite(a) and abs(a - b) <= rtol * max(1.0, abs(b))):
            where = ", ".join(f"{k}={v:.4g}" for k, v in p.items())
            why = f" ({errors[0]})" if errors and not math.isfinite(a) else ""
            raise CheckFailed(f"{name} is not the expected expression: at {where} it evaluates to {a:.6g}{why}")


def expression_form(ans: Answers, name: str, allowed: Sequence[str], variant: Variant,
                    sane: Callable[[np.ndarray], bool] | None = None, what: str = "",
                    ranges: dict[str, tuple[float, float]] | None = None) -> None:
    """Visible: `name` evaluates to finite numbers at points in the allowed symbols (none other missing), and,
    with `sane`, those numbers pass a sanity test (e.g. a contraction factor lies in (0, 1))."""
    import sympy as sp

    pts = points([sp.Symbol(s) for s in allowed], variant, ranges, samples=4)
    got, errors = ans.evaluate(name, pts)
    expect(np.all(np.isfinite(got)), f"{name} should be an expression in {', '.join(allowed)} only"
           + (f" ({errors[0]})" if errors else ""))
    if sane is not None:
        expect(sane(got), f"{name} fails a sanity check: {what} (values {np.round(got, 4).tolist()})")


def number(ans: Answers, name: str, *args: Any) -> float:
    v = ans.invoke(name, *args)
    expect(v.size == 1, f"{name}{args!r} should return a number, returned an array of shape {v.shape}")
    return float(v.reshape(-1)[0])


def close(xs: Any, expected: Any) -> bool:
    expected = np.asarray(expected, dtype=float)
    return isinstance(xs, np.ndarray) and xs.shape == expected.shape and bool(np.allclose(xs, expected))
