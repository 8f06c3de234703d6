"""The result of a check as plain data: a `Report` of `PropertyResult`s, each with an optional shrunk
`Counterexample`. JSON-serialisable, so the CLI, the pytest plugin, the grader and the HTML report all
render the same object."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Verdict = Literal["pass", "fail", "skipped"]


@dataclass
class Counterexample:
    """A minimal failing instance, readable by a person."""

    message: str
    problem: str = ""
    d: int | None = None
    n: int | None = None
    L: float | None = None
    mu: float | None = None
    kappa: float | None = None
    spectrum: list[float] | None = None  # Hessian eigenvalues when few enough to print
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    step: int | None = None  # the first k where the property broke
    observed: float | None = None
    bound: float | None = None
    observed_curve: list[float] | None = None  # the measured quantity for k = 0..steps (for plots)
    bound_curve: list[float] | None = None  # the bound for k = bound_start..steps
    bound_start: int = 0
    reproduce: str | None = None  # Hypothesis' reproduce_failure blob / seed note

    def describe(self) -> str:
        parts = [self.message]
        if self.problem:
            shape = ", ".join(f"{k}={v}" for k, v in (("d", self.d), ("n", self.n)) if v is not None)
            parts.append(f"problem: {self.problem} ({shape})")
        consts = ", ".join(f"{k}={_g(v)}" for k, v in (("L", self.L), ("mu", self.mu), ("kappa", self.kappa))
                           if v is not None)
        if consts:
            parts.append(consts)
        if self.spectrum is not None:
            parts.append("spectrum: [" + ", ".join(_g(v) for v in self.spectrum) + "]")
        if self.hyperparameters:
            parts.append("hyperparameters: " + ", ".join(f"{k}={_g(v)}" for k, v in self.hyperparameters.items()))
        if self.step is not None:
            line = f"at k={self.step}"
            if self.observed is not None and self.bound is not None:
                line += f": observed {_g(self.observed)} vs bound {_g(self.bound)}"
                if self.bound > 0:
                    line += f" (ratio {_g(self.observed / self.bound)})"
            parts.append(line)
        if self.reproduce:
            parts.append(f"reproduce: {self.reproduce}")
        return "\n".join(parts)


@dataclass
class PropertyResult:
    """One property in one setting: its verdict, how hard it was tested, and why it failed."""

    property: str  # bound | discipline | conformance | statistics | regimes | impossibility
    setting: str  # e.g. "strongly_convex"
    verdict: Verdict
    examples: int = 0
    worst_ratio: float | None = None  # max observed/bound seen (bound properties)
    message: str = ""
    bound_id: str | None = None
    counterexample: Counterexample | None = None
    seconds: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.verdict != "fail"


@dataclass
class Report:
    method: str
    target: str
    results: list[PropertyResult] = field(default_factory=list)
    seed: int | None = None
    profile: str = ""
    versions: dict[str, str] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def failures(self) -> list[PropertyResult]:
        return [r for r in self.results if not r.passed]

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["passed"] = self.passed
        return _finite(out)

    def to_json(self, **kw: Any) -> str:
        return json.dumps(self.to_dict(), **kw)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        results = []
        for r in data.get("results", []):
            r = dict(r)
            ce = r.get("counterexample")
            r["counterexample"] = Counterexample(**ce) if ce else None
            results.append(PropertyResult(**r))
        return cls(method=data["method"], target=data["target"], results=results, seed=data.get("seed"),
                   profile=data.get("profile", ""), versions=data.get("versions", {}))

    def summary(self) -> str:
        lines = [f"ratecheck {self.method} on {self.target}: {'PASSED' if self.passed else 'FAILED'}"]
        for r in self.results:
            ratio = "" if r.worst_ratio is None else f", worst observed/bound {_g(r.worst_ratio)}"
            lines.append(f"  [{r.verdict}] {r.property} / {r.setting}: {r.examples} examples{ratio}"
                         + (f" - {r.message}" if r.message and r.verdict != "pass" else ""))
        for r in self.failures:
            if r.counterexample is not None:
                lines.append(f"\ncounterexample for {r.property} / {r.setting}:")
                lines += ["  " + s for s in r.counterexample.describe().splitlines()]
        return "\n".join(lines)


def _g(v: Any) -> str:
    return f"{v:.6g}" if isinstance(v, float) else str(v)


def _finite(obj: Any) -> Any:
    """JSON has no inf/nan: encode them as strings."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return str(obj)
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj
