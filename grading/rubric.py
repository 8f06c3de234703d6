"""What each assignment's autograded cells are worth and how the grader scores them itself.

Every autograded test cell of the course's source notebook (grade=True, a code cell) is one `Part`, with the
grade_id and points read from that notebook's nbgrader metadata. What a part checks comes from the assignment's
spec (ratecheck.assignments.spec: the same functions the notebook's test cell calls), run here in the trusted
process on `answers.Remote`, i.e. on proxies of the student's functions and on numbers the child computes, for the
student's own variant (derived from the student id and the course secret, never read from the notebook):

    hidden tests     check(proxy, method, ...) with assignments.hidden's GRADING
    visible tests    the spec's visible checks, on the proxy with the grader's own oracles and numpy
    derivations      the student's SymPy expression evaluated *in the child* at the spec's points, compared here
                     with the reference the spec derives for the variant
    measurements     the student's function called in the child with the variant's arguments; the numbers are
                     judged here against the spec's reference

A part scores all its points or none (as an nbgrader test cell does), with a reason either way. Nothing the
submission's process does reaches these verdicts except as numbers the grader checks.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from ..assignments import spec as spec_module
from . import sandbox as sandbox_module
from .answers import Remote
from .sandbox import Backstop, Limits, Sandbox, SubmissionError

# The ratecheck modules a released notebook imports (the theory, problems, oracles, the notebook helpers), file by
# file: the child imports them before its guard and the sandbox holds nothing else of ratecheck. The hidden checks,
# ratecheck.checks, the grader and the reference optimizers stay out (a notebook graded on gradient_descent could
# otherwise import ratecheck's), except an assignment's BASELINES (`public`).
PUBLIC = ("ratecheck.theory", "ratecheck.implementations.problems", "ratecheck.implementations.oracles",
          "ratecheck.implementations._sampling", "ratecheck.implementations._validate",
          "ratecheck.assignments.support")


def public(spec: spec_module.Spec) -> tuple[str, ...]:
    """What `spec`'s submissions may import: PUBLIC and the files of the spec's BASELINES (the reference optimizers
    its notebook compares against and is not graded on, e.g. gradient_descent beside a heavy ball)."""
    from ..implementations import OPTIMIZERS

    if unknown := [b for b in spec.baselines if b not in OPTIMIZERS]:
        raise ValueError(f"{spec.name}: BASELINES {unknown} are not ratecheck reference optimizers; expected some "
                         f"of {', '.join(OPTIMIZERS)}")
    return PUBLIC + tuple(sorted({f"ratecheck.implementations.{OPTIMIZERS[b]}" for b in spec.baselines}))


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
    spec: spec_module.Spec | None = None  # what each part checks
    course: str = ""  # where the course secret (the students' variants) lives

    def kind(self, grade_id: str) -> str:
        return self.spec.part(grade_id).kind if self.spec is not None else "visible"

    @property
    def max_score(self) -> float:
        return float(sum(p for _, p in self.parts))


def source_notebook(course: str | Path, assignment: str) -> Path:
    return Path(course) / "source" / assignment / f"{assignment}.ipynb"


def load(course: str | Path, assignment: str) -> Rubric:
    """The rubric of `assignment` from the course's source notebook: every autograded code cell (grade=True,
    not a solution) with its points; a cell the assignment's spec does not grade is a configuration error."""
    path = source_notebook(course, assignment)
    nb = json.loads(path.read_text())
    parts, manual = [], []
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not meta.get("grade"):
            continue
        entry = (str(meta["grade_id"]), float(meta.get("points", 0)))
        (parts if cell["cell_type"] == "code" and not meta.get("solution") else manual).append(entry)
    spec = spec_module.load(assignment, course)
    if not (Path(course) / "specs" / f"{assignment}.py").is_file():  # a built-in spec: its hidden checks need keys
        try:
            spec_module.answer_key(assignment)
        except spec_module.KeysMissing as exc:  # else every hidden part would score 0 without saying why
            raise ValueError(str(exc)) from None
    known = {g.grade_id for g in spec.graded}
    if missing := [g for g, _ in parts if g not in known]:
        raise ValueError(f"{assignment}: the assignment spec grades no cell {missing} (the notebook and the spec "
                         "disagree: rebuild the course)")
    return Rubric(assignment, parts, manual, str(path), spec, str(course))


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
    for mod in (__file__, sandbox_module.__file__, spec_module.__file__, rubric.spec.path if rubric.spec else ""):
        if mod and Path(mod).is_file():
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
          cpu: dict[str, float] | None = None, student: str | None = None) -> list[Part]:
    """Score every part of `rubric` on a submission's code cells (ids: each cell's nbgrader grade_id, so each
    part sees the notebook as it stood at its test cell), in one sandboxed child (restarted when it dies).
    A wall-time backstop passed under the CPU budget regrades the submission (limits.backstop_retries times);
    each part records its attempts. `student` picks the variant the submission is held to (None: the spec's
    default, the source notebook's)."""
    limits = limits or Limits()
    cpu = cpu if cpu is not None else budgets(rubric, limits)
    variant = spec_module.variant_for(rubric.course, rubric.assignment, student) if rubric.course else None
    attempt = 0
    while True:
        attempt += 1
        parts, stopped = _grade_once(rubric, cells, ids, limits, cpu, variant)
        if not stopped or attempt > limits.backstop_retries:
            break
    for p in parts:
        p.attempts = attempt
        if p.grade_id in stopped and attempt > 1:
            p.reason += f" (on each of {attempt} attempts)"
    return parts


def with_variant(cells: list[str], ids: list[str | None], variant: dict[str, Any]) -> tuple[list[str], list]:
    """The submission's cells with its locked variant cell replaced by the student's true variant (a missing or
    edited one cannot change what the student is held to); prepended when the notebook has none."""
    text = spec_module.variant_cell(variant)
    if spec_module.VARIANT_ID in ids:
        i = ids.index(spec_module.VARIANT_ID)
        return [*cells[:i], text, *cells[i + 1:]], ids
    return [text, *cells], [None, *ids]


def _grade_once(rubric: Rubric, cells: list[str], ids: list[str | None] | None, limits: Limits,
                cpu: dict[str, float], variant: dict[str, Any] | None = None) -> tuple[list[Part], set[str]]:
    """One grading of every part; with the grade_ids whose part ran into the wall-time backstop."""
    stopped: set[str] = set()
    assert rubric.spec is not None, "a rubric from load() carries its assignment's spec"
    spec = rubric.spec
    variant = variant if variant is not None else spec_module.variant(spec, None, None)
    parts = [Part(g, p, rubric.kind(g), cpu_budget=cpu.get(g, limits.cpu_part_seconds)) for g, p in rubric.parts]
    ids = list(ids) if ids is not None else [None] * len(cells)
    cells, ids = with_variant(list(cells), ids, variant)
    with Sandbox(cells, limits, public=public(spec), warm=True) as sb:
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
                spec.part(part.grade_id).run(Remote(sb), variant)
            except AssertionError as exc:  # a check failed (CheckFailed, or a bare assert in a course's spec)
                part.score, part.reason = 0.0, (str(exc) or "a check failed")[:800]
                part.details = getattr(exc, "details", "")
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


__all__ = ["CPU_FACTOR", "CPU_FLOOR", "PUBLIC", "Part", "PartFailed", "Rubric", "as_dicts", "budgets", "grade",
           "load", "public", "source_notebook", "with_variant"]
