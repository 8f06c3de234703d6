"""What each assignment's autograded cells are worth and how the grader scores them itself.

Every autograded test cell of the course's source notebook (grade=True, a code cell) is one `Part`, with the
grade_id and points read from that notebook's nbgrader metadata. Each part is scored in the trusted process:

    hidden tests     check(sandbox.function(name, method), method, ...) with assignments.hidden's GRADING
                     (the same configuration the hidden cells use; `hidden.run` is called, not copied)
    visible tests    the cell's assertions re-run by the grader on the proxy (its own oracles, its own numpy)
    derivations      the student's SymPy expression evaluated *in the child* at grader-chosen points, compared
                     here with the registry's expression (the grader never sympifies anything from the child)
    measurements     the student's function called in the child with grader-chosen arguments; the numbers
                     are judged here against the registry

A part scores all its points or none (as an nbgrader test cell does), with a reason either way. Nothing the
submission's process does reaches these verdicts except as numbers the grader checks.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from . import sandbox as sandbox_module
from .sandbox import Backstop, Limits, Sandbox, SubmissionError

# The ratecheck modules a released notebook imports (the theory, problems, reference optimizers, the notebook
# helpers). The child imports them before its guard; the hidden checks, ratecheck.checks and the grader stay out.
PUBLIC = ("ratecheck.theory", "ratecheck.implementations", "ratecheck.assignments.support")


class PartFailed(AssertionError):
    """A part's check failed; the message is the reason shown to the student."""


@dataclass
class Part:
    grade_id: str
    points: float
    kind: str  # hidden | visible | derivation | measurement
    score: float = 0.0
    reason: str = ""
    seconds: float = 0.0
    details: str = ""  # feedback text (e.g. each failed property with its shrunk counterexample)
    cpu_seconds: float = 0.0  # CPU the submission's processes used for this part
    cpu_budget: float = 0.0  # what they were allowed (calibrated from the reference solution)
    attempts: int = 1  # > 1: regraded after the wall-time backstop passed under the CPU budget


@dataclass
class Rubric:
    assignment: str
    parts: list[tuple[str, float]]  # (grade_id, points) of the autograded cells, in notebook order
    manual: list[tuple[str, float]] = field(default_factory=list)  # manually graded cells (left to formgrader)
    source: str = ""  # the course's source notebook (the reference solution the CPU budgets are calibrated on)

    @property
    def max_score(self) -> float:
        return float(sum(p for _, p in self.parts))


def _expect(condition: Any, message: str) -> None:
    if not condition:
        raise PartFailed(message)


def _safe(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A grader-side oracle for a visible test: any failure on the submission's malformed query is a
    ValueError, which the sandbox relays to the submission as a refused call."""

    def oracle(*args: Any) -> Any:
        try:
            return np.asarray(fn(*args), dtype=float)
        except Exception as exc:
            raise ValueError(f"malformed oracle call: {type(exc).__name__}: {exc}") from None

    return oracle


def _close(xs: np.ndarray, expected: Any) -> bool:
    expected = np.asarray(expected, dtype=float)
    return xs.shape == expected.shape and bool(np.allclose(xs, expected))


# ---- hidden tests -------------------------------------------------------------------------------------------
def hidden(name: str, method: str) -> Callable[[Sandbox, Part], None]:
    def score(sb: Sandbox, part: Part) -> None:
        from ..assignments import hidden as course_hidden

        if name not in sb.names and not sb.defines(name):
            raise PartFailed(f"function {name} not defined")
        with contextlib.redirect_stdout(io.StringIO()):  # hidden.run notes warnings on stdout; not ours to print
            report = course_hidden.run(method, sb.function(name, method))
        if not report.passed:
            part.details = course_hidden.failure_text(report)
            first = report.failures[0]
            ce = first.counterexample
            step = f"step {ce.step}: " if ce is not None and ce.step is not None else ""
            more = f" (and {len(report.failures) - 1} more failed checks)" if len(report.failures) > 1 else ""
            raise PartFailed(f"property {first.property} failed on {method}/{first.setting}: {step}"
                             f"{first.message}{more}")
        part.reason = f"ratecheck: {method} passes all {len(report.results)} checks"

    return score


# ---- visible tests (the cells' assertions, re-run here on the proxy) ----------------------------------------
def _gd_visible(sb: Sandbox, part: Part) -> None:
    gd = sb.function("gradient_descent", "gd")
    xs = gd(_safe(lambda x: 2.0 * x), np.array([1.0]), 0.25, 3)
    _expect(sb.last_type == "ndarray", "return a NumPy array")
    _expect(xs.shape == (4, 1), f"expected shape (steps + 1, d) = (4, 1), got {xs.shape}")
    _expect(np.allclose(xs[:, 0], [1.0, 0.5, 0.25, 0.125]), f"wrong iterates {xs[:, 0]}")
    c = np.array([1.0, -2.0])
    xs = gd(_safe(lambda x: x - c), np.zeros(2), 1.0, 1)
    _expect(_close(xs, [[0.0, 0.0], [1.0, -2.0]]), f"wrong iterates {xs}")


def _reference_gd(grad: Callable[[np.ndarray], np.ndarray], x0: np.ndarray, lr: float, steps: int) -> np.ndarray:
    from ..implementations import gradient_descent

    return gradient_descent(grad, x0, lr, steps)


def _hb_visible(sb: Sandbox, part: Part) -> None:
    hb = sb.function("heavy_ball", "heavy-ball")
    g = _safe(lambda x: 2.0 * x)
    xs = hb(g, np.array([1.0]), 0.25, 0.5, 3)
    _expect(sb.last_type == "ndarray" and xs.shape == (4, 1), f"expected an array of shape (4, 1), got {xs!r}")
    _expect(np.allclose(xs[:3, 0], [1.0, 0.5, 0.0]), f"wrong iterates {xs[:, 0]}")
    _expect(_close(hb(g, np.array([1.0, 2.0]), 0.1, 0.0, 5), _reference_gd(g, np.array([1.0, 2.0]), 0.1, 5)),
            "momentum 0 must be gradient descent")


def _nesterov_visible(sb: Sandbox, part: Part) -> None:
    nag = sb.function("nesterov", "nesterov")
    g = _safe(lambda x: 2.0 * x)
    xs = nag(g, np.array([1.0]), 0.25, 0.5, 3)
    _expect(sb.last_type == "ndarray" and xs.shape == (4, 1), f"expected an array of shape (4, 1), got {xs!r}")
    _expect(np.allclose(xs[:2, 0], [1.0, 0.5]), f"the first step (y_0 = x_0) is a gradient step; got {xs[:2, 0]}")
    _expect(_close(nag(g, np.array([1.0, 2.0]), 0.1, 0.0, 5), _reference_gd(g, np.array([1.0, 2.0]), 0.1, 5)),
            "momentum 0 must be gradient descent")
    _expect(_close(nag(g, np.array([1.0]), 0.25, lambda k: 0.5, 3), xs), "a schedule k -> 0.5 must equal 0.5")


def _sgd_visible(sb: Sandbox, part: Part) -> None:
    sgd = sb.function("sgd", "sgd")
    calls: list[np.ndarray] = []

    def grad_i_same(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
        calls.append(np.atleast_1d(np.asarray(idx)))
        return 2.0 * x

    g = _safe(grad_i_same)
    xs = sgd(g, 5, np.array([1.0]), 0.25, 3, np.random.default_rng(0))
    _expect(sb.last_type == "ndarray" and xs.shape == (4, 1), f"expected an array of shape (4, 1), got {xs!r}")
    _expect(np.allclose(xs[:, 0], [1.0, 0.5, 0.25, 0.125]), f"wrong iterates {xs[:, 0]}")
    xs = sgd(g, 5, np.array([1.0]), lambda k: 0.25 / (k + 1), 2, np.random.default_rng(0))
    _expect(_close(xs[:, 0], [1.0, 0.5, 0.375]), f"lr must be called with k = 0, 1, ...: got {xs[:, 0]}")
    calls.clear()
    sgd(g, 5, np.array([1.0, -1.0]), 0.1, 4, np.random.default_rng(0), batch_size=3)
    used = np.concatenate(calls) if calls else np.zeros(0, dtype=int)
    _expect(used.size == 12, f"4 steps with batch_size=3 should use 12 component gradients, used {used.size}")
    _expect(np.issubdtype(used.dtype, np.integer) and used.min() >= 0 and used.max() < 5,
            "indices must be in 0..n-1")
    c = np.arange(5.0)
    shifted = _safe(lambda x, idx: x - c[np.asarray(idx, dtype=int)].mean())
    run1 = sgd(shifted, 5, np.zeros(1), 0.5, 10, np.random.default_rng(7))
    run2 = sgd(shifted, 5, np.zeros(1), 0.5, 10, np.random.default_rng(7))
    _expect(np.array_equal(run1, run2), "the same seed must give the same run: draw only from rng")


# ---- derivations: the student's expression, evaluated in the child at the grader's points -------------------
def derivation(items: Callable[[], list[tuple[str, Any]]], ranges: dict[str, tuple[float, float]] | None = None,
               samples: int = 12, rtol: float = 1e-8) -> Callable[[Sandbox, Part], None]:
    """items() -> [(variable name, reference SymPy expression)]: each variable must agree with its reference at
    `samples` random points (the notebook's `equivalent`: same ranges, same tolerance)."""

    def score(sb: Sandbox, part: Part) -> None:
        from ..assignments.support import sample_point

        for name, reference in items():
            symbols = sorted(reference.free_symbols, key=lambda s: s.name)
            rng = np.random.default_rng(0)
            points = [sample_point(symbols, rng, ranges) for _ in range(samples)]
            # float64 via lambdify (the reference is the registry's own, trusted expression): evalf took ~2 s
            reference_fn = sp.lambdify(symbols, reference, "numpy")
            expected = [float(reference_fn(*[p[s] for s in symbols])) for p in points]
            try:
                got, errors = sb.evaluate(name, [{s.name: v for s, v in p.items()} for p in points])
            except SubmissionError as exc:
                raise PartFailed(f"{name}: {exc}") from None
            for p, a, b in zip(points, got, expected, strict=True):
                if not (math.isfinite(a) and abs(a - b) <= rtol * max(1.0, abs(b))):
                    where = ", ".join(f"{s.name}={v:.4g}" for s, v in p.items())
                    why = f" ({errors[0]})" if errors and not math.isfinite(a) else ""
                    raise PartFailed(f"{name} is not the expected expression: at {where} it evaluates to {a:.6g}"
                                     f"{why}")

    return score


def _gd_derivation_items() -> list[tuple[str, Any]]:
    from ..theory import get

    bound = get("gd.strongly_convex")
    return [("rate", bound.derived["rate"]), ("k_eps", bound.iterations)]


def _polyak_items() -> list[tuple[str, Any]]:
    from ..theory import get

    hb = get("heavy_ball.quadratic")
    return [("lr_polyak", hb.hyperparameters["lr"]), ("momentum_polyak", hb.hyperparameters["momentum"]),
            ("rate_polyak", hb.derived["rate_asymptotic"])]


def _crossover_items() -> list[tuple[str, Any]]:
    from ..theory import get

    return [("n_star", get("work.crossover").expr)]


# ---- measurements: the student's functions run in the child; their numbers judged here ---------------------
def _number(sb: Sandbox, name: str, *args: Any) -> float:
    v = sb.invoke(name, *args)
    _expect(v.size == 1, f"{name}{args!r} should return a number, returned an array of shape {v.shape}")
    return float(v.reshape(-1)[0])


def _gd_measure(sb: Sandbox, part: Part) -> None:
    from ..theory import get

    for kappa in (10.0, 100.0):
        measured = _number(sb, "iterations_to_eps", kappa)
        predicted = int(np.ceil(get("gd.strongly_convex").k_eps(1e-6, L=kappa, mu=1.0, R=1.0)))
        _expect(predicted - 1 <= measured <= predicted, f"kappa={kappa}: measured {measured:g}, bound {predicted}")


def _momentum_iterations(sb: Sandbox, part: Part) -> None:
    from ..theory import get

    kappas = np.logspace(1, 3.5, 6)
    counts = {m: np.array([_number(sb, "iterations", m, float(kappa)) for kappa in kappas])
              for m in ("gd", "heavy_ball", "nesterov")}
    for m, c in counts.items():
        _expect(np.all(np.isfinite(c)) and np.all(c > 0), f"iterations({m!r}, kappa) must be a positive count: {c}")
    slopes = {m: np.polyfit(np.log(kappas), np.log(c), 1)[0] for m, c in counts.items()}
    _expect(0.9 < slopes["gd"] < 1.1,
            f"GD's iteration count should grow like kappa (log-log slope {slopes['gd']:.2f})")
    for m in ("heavy_ball", "nesterov"):
        _expect(0.4 < slopes[m] < 0.65, f"{m}'s count should grow like sqrt(kappa) (log-log slope {slopes[m]:.2f})")
    bound = get("heavy_ball.quadratic").k_eps(1e-6, L=kappas, mu=1.0, R=1.0)
    _expect(np.all(counts["heavy_ball"] <= np.ceil(bound)),
            "the heavy ball took longer than heavy_ball.quadratic allows")


def _grad_lrp(x: np.ndarray) -> np.ndarray:
    """The Lessard-Recht-Packard gradient of the notebook's locked cell (L = 25, mu = 1, x* = 0)."""
    t = float(np.asarray(x, dtype=float).reshape(-1)[0])
    return np.array([25.0 * t if t < 1 else (t + 24.0 if t < 2 else 25.0 * t - 24.0)])


def _momentum_lrp(sb: Sandbox, part: Part) -> None:
    xs = sb.value("xs_lrp")
    _expect(xs.shape == (301, 1), f"xs_lrp should have shape (301, 1), has {xs.shape}")
    period = sb.value("period")
    _expect(period.size == 1 and float(period.reshape(-1)[0]) == 3,
            f"expected a cycle of period 3, got {period.reshape(-1)[:3]}")
    _expect(abs(xs[-1, 0]) > 0.1, "the heavy ball should not have converged to x* = 0")
    xs_nag = sb.function("nesterov", "nesterov")(_safe(_grad_lrp), np.array([3.3]), 1 / 25, (5 - 1) / (5 + 1), 300)
    _expect(xs_nag.shape == (301, 1) and abs(xs_nag[-1, 0]) < 1e-6,
            "Nesterov's method (a guarantee for every such f) converges here")


def _sgd_flops(sb: Sandbox, part: Part) -> None:
    from ..implementations.problems import noisy_quadratic
    from ..theory import get

    P, EPS = {"L": 4.0, "mu": 1.0, "sigma": 3.0, "R": 1.0}, 0.01  # the notebook's locked set-up cell
    n_pred = float(get("work.crossover").evaluate(eps=EPS, **P))
    flops_component = noisy_quadratic(2, P["mu"], P["L"], P["sigma"] ** 2, 0, n=2).flops_component
    k_gd_pred = int(np.ceil(get("work.gd").k_eps(EPS, L=P["L"], mu=P["mu"], R=P["R"])))
    small, large = max(2, round(n_pred / 30)), round(10 * n_pred)
    gd_small, sgd_small = _number(sb, "flops_to_eps", "gd", small), _number(sb, "flops_to_eps", "sgd", small)
    gd_large, sgd_large = _number(sb, "flops_to_eps", "gd", large), _number(sb, "flops_to_eps", "sgd", large)
    _expect(gd_small == small * k_gd_pred * flops_component, f"GD at n={small}: {gd_small} flops")
    _expect(gd_small < sgd_small, f"at n={small} (n*/30) GD should win: GD {gd_small}, SGD {sgd_small} flops")
    _expect(sgd_large < gd_large, f"at n={large} (10 n*) SGD should win: GD {gd_large}, SGD {sgd_large} flops")


# grade_id -> (kind, scorer), per assignment. Points come from the source notebook, never from here.
SCORERS: dict[str, dict[str, tuple[str, Callable[[Sandbox, Part], None]]]] = {
    "gd": {
        "test_gd_visible": ("visible", _gd_visible),
        "test_gd_hidden": ("hidden", hidden("gradient_descent", "gd")),
        "test_derivation": ("derivation", derivation(_gd_derivation_items)),
        "test_measure": ("measurement", _gd_measure),
    },
    "momentum": {
        "test_heavy_ball_visible": ("visible", _hb_visible),
        "test_nesterov_visible": ("visible", _nesterov_visible),
        "test_heavy_ball_hidden": ("hidden", hidden("heavy_ball", "heavy-ball")),
        "test_nesterov_hidden": ("hidden", hidden("nesterov", "nesterov")),
        "test_polyak": ("derivation", derivation(_polyak_items)),
        "test_iterations": ("measurement", _momentum_iterations),
        "test_lrp": ("measurement", _momentum_lrp),
    },
    "sgd": {
        "test_sgd_visible": ("visible", _sgd_visible),
        "test_sgd_hidden": ("hidden", hidden("sgd", "sgd")),
        "test_crossover": ("derivation", derivation(_crossover_items, ranges={"L": (2.0, 10.0), "eps": (1e-3, 1e-2)})),
        "test_flops": ("measurement", _sgd_flops),
    },
}


def source_notebook(course: str | Path, assignment: str) -> Path:
    return Path(course) / "source" / assignment / f"{assignment}.ipynb"


def load(course: str | Path, assignment: str) -> Rubric:
    """The rubric of `assignment` from the course's source notebook: every autograded code cell (grade=True,
    not a solution) with its points; a cell the grader has no scorer for is a configuration error."""
    path = source_notebook(course, assignment)
    nb = json.loads(path.read_text())
    parts, manual = [], []
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not meta.get("grade"):
            continue
        entry = (str(meta["grade_id"]), float(meta.get("points", 0)))
        (parts if cell["cell_type"] == "code" and not meta.get("solution") else manual).append(entry)
    scorers = SCORERS.get(assignment, {})
    if missing := [g for g, _ in parts if g not in scorers]:
        raise ValueError(f"{assignment}: no grader scorer for autograded cell(s) {missing}")
    return Rubric(assignment, parts, manual, str(path))


# CPU budget of a part: CPU_FACTOR times what the reference solution's process used on it, at least CPU_FLOOR
# seconds. Generous on purpose: the budget stops runaway loops, it does not grade speed.
CPU_FACTOR, CPU_FLOOR = 20.0, 5.0
_CALIBRATED: dict[str, dict[str, float]] = {}


def budgets(rubric: Rubric, limits: Limits | None = None) -> dict[str, float]:
    """Each part's CPU budget, calibrated once per source notebook by grading the reference solution (the course's
    source notebook) and measuring its CPU per part; cached in memory and beside the theory cache. Without a
    source notebook every part gets limits.cpu_part_seconds."""
    limits = limits or Limits()
    if not rubric.source or not Path(rubric.source).is_file():
        return {g: limits.cpu_part_seconds for g, _ in rubric.parts}
    digest = hashlib.sha256(Path(rubric.source).read_bytes())
    for mod in (__file__, sandbox_module.__file__):
        digest.update(Path(mod).read_bytes())
    key = digest.hexdigest()[:16]
    if key in _CALIBRATED:
        return _CALIBRATED[key]
    from ..theory.registry import cache_dir
    from .notebook import read

    path = cache_dir() / f"calibration-{rubric.assignment}-{key}.json"
    try:
        used = {str(k): float(v) for k, v in json.loads(path.read_text()).items()}
    except (OSError, ValueError, TypeError, AttributeError):
        ref = read(rubric.source)
        generous = replace(limits, cpu_part_seconds=600.0, backstop_retries=0)
        parts, _ = _grade_once(rubric, ref.cells, ref.ids, generous, {g: 600.0 for g, _ in rubric.parts})
        used = {p.grade_id: p.cpu_seconds for p in parts}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(used))
            os.replace(tmp, path)
        except OSError:
            pass  # an unwritable cache only costs a recalibration
    out = {g: max(CPU_FLOOR, CPU_FACTOR * used.get(g, CPU_FLOOR)) for g, _ in rubric.parts}
    _CALIBRATED[key] = out
    return out


def grade(rubric: Rubric, cells: list[str], limits: Limits | None = None, ids: list[str | None] | None = None,
          cpu: dict[str, float] | None = None) -> list[Part]:
    """Score every part of `rubric` on a submission's code cells (ids: each cell's nbgrader grade_id, so each
    part sees the notebook as it stood at its test cell), in one sandboxed child (restarted when it dies).
    A wall-time backstop passed under the CPU budget regrades the submission (limits.backstop_retries times);
    each part records its attempts."""
    limits = limits or Limits()
    cpu = cpu if cpu is not None else budgets(rubric, limits)
    attempt = 0
    while True:
        attempt += 1
        parts, stopped = _grade_once(rubric, cells, ids, limits, cpu)
        if not stopped or attempt > limits.backstop_retries:
            break
    for p in parts:
        p.attempts = attempt
        if p.grade_id in stopped and attempt > 1:
            p.reason += f" (on each of {attempt} attempts)"
    return parts


def _grade_once(rubric: Rubric, cells: list[str], ids: list[str | None] | None, limits: Limits,
                cpu: dict[str, float]) -> tuple[list[Part], set[str]]:
    """One grading of every part; with the grade_ids whose part ran into the wall-time backstop."""
    stopped: set[str] = set()
    scorers = SCORERS[rubric.assignment]
    parts = [Part(g, p, scorers[g][0], cpu_budget=cpu.get(g, limits.cpu_part_seconds)) for g, p in rubric.parts]
    ids = list(ids) if ids is not None else [None] * len(cells)
    with Sandbox(cells, limits, public=PUBLIC, warm=True) as sb:
        try:
            sb.start()
        except SubmissionError as exc:
            for part in parts:
                part.reason = str(exc) if isinstance(exc, Backstop) else (
                    f"the notebook's definitions could not be loaded: {exc}")
            return parts, ({g for g, _ in rubric.parts} if isinstance(exc, Backstop) else set())
        for part in parts:
            t0 = time.perf_counter()
            sb.begin_part(part.cpu_budget)
            # nbgrader's rule: a test cell sees every name as it stood when it ran (an untagged notebook: the end)
            sb.cutoff = ids.index(part.grade_id) if part.grade_id in ids else None
            try:
                scorers[part.grade_id][1](sb, part)
            except PartFailed as exc:
                part.score, part.reason = 0.0, str(exc)[:800]
            except SubmissionError as exc:
                part.score, part.reason = 0.0, str(exc)[:800]
                if isinstance(exc, Backstop):
                    stopped.add(part.grade_id)
            except Exception as exc:  # a grader-side surprise on this submission: recorded, never fatal
                part.score, part.reason = 0.0, f"grader error: {type(exc).__name__}: {str(exc)[:500]}"
            else:
                part.score, part.reason = part.points, part.reason or "passed"
            part.seconds = time.perf_counter() - t0
            part.cpu_seconds = round(sb.cpu_used(), 3)
    return parts, stopped


def as_dicts(parts: list[Part]) -> list[dict[str, Any]]:
    return [asdict(p) for p in parts]


__all__ = ["CPU_FACTOR", "CPU_FLOOR", "PUBLIC", "SCORERS", "Part", "PartFailed", "Rubric", "as_dicts", "budgets",
           "grade", "load", "source_notebook"]
