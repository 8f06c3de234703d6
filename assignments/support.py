"""What the released notebooks import besides ratecheck's theory and implementations: the notebook set-up
(stderr routed to stdout, see below) and the equivalence test used to grade SymPy derivations.

Why stderr is routed: nbgrader (0.9, `nbgrader.utils.determine_grade`) gives a test cell zero points when any of
its outputs is an error *or a stream named stderr*. A harmless `warnings.warn(...)` or
`print(..., file=sys.stderr)` inside a student's function, reached from a test cell, would zero that cell.
`setup()` makes Python-level writes to sys.stderr (warnings included) land on stdout instead; the course's
nbgrader_config.py (written by `ratecheck.assignments.build`) additionally drops stderr streams from graded
outputs, which also covers C-level writes to file descriptor 2 that no Python setting can redirect.
Failures are never signalled on stderr: a failing test raises, and that is an "error" output.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import sympy as sp


class _ToStdout:
    """A text stream that forwards to whatever sys.stdout is at the time of each write."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:
        return getattr(sys.stdout, "encoding", "utf-8")


def setup() -> None:
    """Route Python-level stderr (warnings, `print(..., file=sys.stderr)`, logging to stderr) to stdout."""
    if not isinstance(sys.stderr, _ToStdout):
        sys.stderr = _ToStdout()


def equivalent(expr: Any, reference: Any, *, ranges: Mapping[str, tuple[float, float]] | None = None,
               samples: int = 12, rtol: float = 1e-8, seed: int = 0) -> bool:
    """Whether a student's SymPy expression equals the reference: symbolically when `simplify` proves it,
    else numerically at random points (each symbol drawn from `ranges`, default: L in [2, 50],
    mu in [0.1, 1], everything else in [0.5, 3])."""
    expr, reference = sp.sympify(expr), sp.sympify(reference)
    try:
        if sp.simplify(expr - reference) == 0:
            return True
    except Exception:
        pass
    symbols = sorted(expr.free_symbols | reference.free_symbols, key=lambda s: s.name)
    rng = np.random.default_rng(seed)
    for _ in range(samples):
        point = sample_point(symbols, rng, ranges)
        try:
            a, b = complex(expr.evalf(subs=point)), complex(reference.evalf(subs=point))
        except (TypeError, ValueError):
            return False
        if not all(math.isfinite(v) for v in (a.real, a.imag, b.real, b.imag)):
            return False
        if abs(a - b) > rtol * max(1.0, abs(b)):
            return False
    return True


RANGES = {"L": (2.0, 50.0), "mu": (0.1, 1.0), "eps": (1e-6, 1e-2), "k": (1.0, 20.0)}  # others: (0.5, 3.0)


def sample_point(symbols: Iterable[Any], rng: np.random.Generator,
                 ranges: Mapping[str, tuple[float, float]] | None = None) -> dict[Any, float]:
    """One random point for `equivalent` (also used by the grader, ratecheck.grading.rubric): each symbol drawn
    uniformly from its range (`RANGES`, overridden by `ranges`; default (0.5, 3))."""
    bounds = {**RANGES, **(ranges or {})}
    return {s: float(rng.uniform(*bounds.get(s.name, (0.5, 3.0)))) for s in symbols}


def first_hit(errors: Iterable[float], eps: float) -> int | None:
    """The first index k with errors[k] <= eps (None if never)."""
    hit = np.nonzero(np.asarray(list(errors) if not isinstance(errors, np.ndarray) else errors) <= eps)[0]
    return int(hit[0]) if hit.size else None


__all__ = ["RANGES", "equivalent", "first_hit", "sample_point", "setup"]
