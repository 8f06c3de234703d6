"""Certify bounds against PEPit's exact worst cases, and sweep the step size of bounds that prescribe 1/L.

For a bound and a sampled point (L, mu, R, ...) and k, PEPit computes the worst case `worst` of the
bound's metric over the whole function class; with ratio = worst / bound the verdict is
    VIOLATED  worst > bound (1 + 1e-3)        tight  ratio >= 1 - 1e-3        loose  otherwise.
A bound fails if any point is VIOLATED, or if it claims tight=True yet at some k no point is tight.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import io
import math
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from ..bound import Bound
from ..registry import get, ids
from .specs import SPECS, Spec, reason, spec

RTOL = 1e-3
ATOL = 1e-9  # solver noise on worst cases near zero
N_SMALL, N_FULL = 2, 4  # parameter points per bound
H_SMALL = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25)
H_FULL = tuple(round(0.125 * i, 3) for i in range(1, 21))  # 0.125 .. 2.5
K_SWEEP_SMALL, K_SWEEP_FULL = (1, 4), (1, 2, 5, 10)
INSTALL_HINT = "PEPit is not installed: pip install 'ratecheck[pep]'"

Verdict = Literal["tight", "loose", "VIOLATED", "ERROR"]  # ERROR: every solver failed on this PEP


class PepUnavailable(RuntimeError):
    """The optional extra ratecheck[pep] (PEPit with Clarabel) is missing."""


@dataclass(frozen=True)
class Row:
    """One PEP: the bound's metric at one point, k and step h/L; worst and bound in the metric's units."""

    bound_id: str
    k: int
    point: dict[str, float]
    worst: float
    bound: float
    ratio: float
    verdict: Verdict
    seconds: float
    solver_status: str = "optimal"
    h: float = 1.0


@dataclass
class Report:
    """All PEPs of one bound, its step-size sweep, and the verdict they add up to."""

    bound_id: str
    metric: str
    claims_tight: bool
    rows: list[Row] = field(default_factory=list)
    sweep: list[Row] = field(default_factory=list)  # the h grid at one point, for each sweep k
    # Per sweep k: the range of h (step h/L) around the prescribed h = 1 on which the stated bound holds,
    # each end refined by bisection; an end None = still holding at the grid's end; None = fails at h = 1.
    holds_for_h: dict[int, tuple[float | None, float | None] | None] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def violated(self) -> list[Row]:
        return [r for r in self.rows if r.verdict == "VIOLATED"]

    @property
    def not_tight_at(self) -> list[int]:
        """The k's at which a bound claiming tightness was tight at no sampled point."""
        if not self.claims_tight:
            return []
        return sorted({r.k for r in self.rows} - {r.k for r in self.rows if r.verdict == "tight"})

    @property
    def errors(self) -> list[Row]:
        return [r for r in self.rows if r.verdict == "ERROR"]

    @property
    def ok(self) -> bool:
        return not self.violated and not self.not_tight_at and not self.errors

    @property
    def status(self) -> str:
        if self.violated:
            return "VIOLATED"
        if self.not_tight_at:
            return "claims tight but is not"
        if self.errors:
            return f"solver failed on {len(self.errors)} PEP(s)"
        if all(r.verdict == "tight" for r in self.rows):
            return "valid, tight" + ("" if self.claims_tight else " (tight=False undersells it)")
        worst = max(r.ratio for r in self.rows)
        return f"valid, {'tight at some points' if self.claims_tight else 'loose'} (max ratio {worst:.3f})"

    @property
    def seconds(self) -> float:
        return sum(r.seconds for r in self.rows) + sum(r.seconds for r in self.sweep)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.bound_id, "metric": self.metric, "claims_tight": self.claims_tight, "ok": self.ok,
            "status": self.status, "seconds": round(self.seconds, 3), "notes": list(self.notes),
            "not_tight_at_k": self.not_tight_at,
            "rows": [_row_dict(r) for r in self.rows],
            "sweep": [_row_dict(r) for r in self.sweep],
            "holds_for_h": {str(k): v and list(v) for k, v in self.holds_for_h.items()},
        }


def _row_dict(r: Row) -> dict[str, Any]:
    d = dataclasses.asdict(r)
    for key in ("worst", "ratio"):  # JSON has no inf/NaN: null, with the verdict saying why
        d[key] = d[key] if math.isfinite(d[key]) else None
    d.pop("bound_id")
    return d


def certifiable() -> list[str]:
    """Ids of the registry's bounds that have a PEP, in catalogue order."""
    return [i for i in ids() if i in SPECS]


def uncertifiable() -> dict[str, str]:
    """The registry's other bounds, with the reason each cannot be certified."""
    return {i: reason(i) for i in ids() if i not in SPECS}


def builders():  # -> the builders module; imported here so that PEPit stays optional
    try:
        return importlib.import_module(f"{__package__}.builders")
    except ImportError as exc:
        raise PepUnavailable(f"{INSTALL_HINT} ({exc})") from exc


def verdict(worst: float, bound: float) -> tuple[float, Verdict]:
    """ratio = worst/bound and its verdict (worst > bound (1 + RTOL) is a violation)."""
    ratio = worst / bound if bound > 0 else math.inf
    if not worst <= bound * (1 + RTOL) + ATOL:
        return ratio, "VIOLATED"
    return ratio, "tight" if ratio >= 1 - RTOL else "loose"


def bound_value(bound: Bound, s: Spec, point: dict[str, float], k: int) -> float:
    values = {name: v for name, v in dict(point, k=k).items() if name in bound.parameters}
    value = float(bound.evaluate(**values))
    return value**2 if s.squared else value


def evaluate(bound: Bound, s: Spec, point: dict[str, float], k: int, h: float | None = None) -> Row:
    """Solve one PEP and compare it with `bound` (which may differ from the registry's, e.g. in tests)."""
    b = builders()
    module, _, name = s.builder.rpartition(":")  # "module:function": a builder in its own file
    build = getattr(importlib.import_module(f"{__package__}.{module}") if module else b, name)
    args = s.pep_args(point, k)
    if h is not None:
        args["h"] = h
    start = time.perf_counter()
    # cvxpy's "may be inaccurate" and PEPit's printed duality-gap warnings (absolute, so they fire on worst
    # cases ~1e3 at h > 2): `solve` reports a relative gap in the status instead.
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore", UserWarning)
        problem = build(**args)
        try:
            worst, status = b.solve(problem)
        except b.PepSolveError as exc:
            worst, status = math.nan, str(exc)
    seconds = time.perf_counter() - start
    bnd = bound_value(bound, s, point, k)
    ratio, v = verdict(worst, bnd) if not math.isnan(worst) else (math.nan, "ERROR")
    return Row(bound.id, k, point, worst, bnd, ratio, v, seconds, status, 1.0 if h is None else h)


def certify(bound_id: str, *, full: bool = False, bound: Bound | None = None, sweep: bool = True,
            ks: Iterable[int] | None = None, n_points: int | None = None) -> Report:
    """Certify one bound: PEPit worst cases at sampled points and k's, plus the step-size sweep.

    `bound` replaces the registry's bound of that id (same spec), e.g. to check that a wrong bound is caught.
    """
    s = spec(bound_id)
    bound = bound or get(bound_id)
    report = Report(bound_id, s.metric, bound.tight, notes=s.notes)
    ks = tuple(ks) if ks is not None else (s.k_full if full else s.k_small)
    for point in s.points(n_points or (N_FULL if full else N_SMALL)):
        report.rows += [evaluate(bound, s, point, k) for k in ks]
    if sweep and s.sweep:
        point = s.points(1)[0]
        for k in K_SWEEP_FULL if full else K_SWEEP_SMALL:
            rows, report.holds_for_h[k] = sweep_step(bound, s, point, k, H_FULL if full else H_SMALL)
            report.sweep += rows
    return report


def sweep_step(bound: Bound, s: Spec, point: dict[str, float], k: int, grid: tuple[float, ...],
               bisections: int = 8) -> tuple[list[Row], tuple[float | None, float | None] | None]:
    """PEPit worst cases with step h/L for h in `grid` (which contains 1), and the ends of the range of h
    around 1 on which the bound, as stated for step 1/L, still holds (bisected between grid points)."""

    def holds(h: float) -> bool:
        return evaluate(bound, s, point, k, h).verdict in ("tight", "loose")

    def edge(ok: float, bad: float) -> float:
        for _ in range(bisections):
            mid = (ok + bad) / 2
            ok, bad = (mid, bad) if holds(mid) else (ok, mid)
        return round(ok, 4)

    rows = [evaluate(bound, s, point, k, h) for h in grid]
    ok = [r.verdict in ("tight", "loose") for r in rows]
    lo = hi = grid.index(1.0)
    if not ok[lo]:  # violated at its own step: the certification rows report it
        return rows, None
    while lo > 0 and ok[lo - 1]:
        lo -= 1
    while hi < len(grid) - 1 and ok[hi + 1]:
        hi += 1
    return rows, (
        None if lo == 0 else edge(grid[lo], grid[lo - 1]),
        None if hi == len(grid) - 1 else edge(grid[hi], grid[hi + 1]),
    )


def certify_all(bound_ids: Iterable[str] | None = None, *, full: bool = False) -> list[Report]:
    """Certify every certifiable bound (or the given ids)."""
    builders()  # fail fast without the extra
    return [certify(i, full=full) for i in (certifiable() if bound_ids is None else bound_ids)]
