"""The grader's `Answers` (ratecheck.assignments.spec): the spec's checks asked of a sandboxed submission.

Functions are proxies that run the student's code in the child with the grader's own oracles; SymPy answers are
evaluated in the child at the grader's points (the grader never sympifies a submission's object); values and
calls come back as numbers. A malformed query from the submission to a grader-side oracle is a ValueError, which
the sandbox relays to the submission as a refused call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..assignments.spec import CheckFailed
from .sandbox import Sandbox


def _safe(fn: Callable[..., Any]) -> Callable[..., Any]:
    def oracle(*args: Any) -> Any:
        try:
            return np.asarray(fn(*args), dtype=float)
        except Exception as exc:
            raise ValueError(f"malformed oracle call: {type(exc).__name__}: {exc}") from None

    return oracle


class Remote:
    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb
        self._calls: dict[tuple[str, str, int | None], np.ndarray] = {}

    def optimizer(self, name: str, method: str) -> Callable[..., Any]:
        if name not in self.sb.names and not self.sb.defines(name):
            raise CheckFailed(f"function {name} not defined")
        return self.sb.function(name, method)

    def function(self, name: str, method: str) -> Callable[..., Any]:
        """Like the student's function called in the notebook: oracles wrapped, and a result that was not an
        ndarray there comes back as a list (so a check's isinstance test sees what the notebook saw)."""
        proxy = self.sb.function(name, method)

        def call(*args: Any, **kwargs: Any) -> Any:
            args = tuple(_safe(a) if callable(a) and i == 0 else a for i, a in enumerate(args))
            xs = proxy(*args, **kwargs)
            return xs if self.sb.last_type == "ndarray" else xs.tolist()

        return call

    def evaluate(self, name: str, points: list[dict[str, float]]) -> tuple[np.ndarray, list[str]]:
        return self.sb.evaluate(name, points)

    def invoke(self, name: str, *args: Any) -> np.ndarray:
        """Memoised per cutoff: a part's visible and hidden checks ask the same measurement once."""
        key = (name, repr(args), self.sb.cutoff)
        if key not in self._calls:
            self._calls[key] = self.sb.invoke(name, *args)
        return self._calls[key].copy()

    def value(self, name: str) -> np.ndarray:
        return self.sb.value(name)
