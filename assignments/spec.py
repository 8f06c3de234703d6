"""An assignment as a spec: the one source of truth for what each autograded cell checks.

A spec (one module per assignment in assignments/specs/, or a course's own COURSE/specs/<name>.py) holds

    GRADED     one `Graded` per autograded test cell: grade_id, points, kind, and two check functions,
               `visible` (form and sanity: what the student sees fail) and `hidden` (the answer itself, against
               the reference derived for the student's variant: removed from the release)
    VARIANTS   how a student's parameters are drawn (`draw(rng) -> dict`), and `DEFAULT`, the source notebook's
    BASELINES  optional: ratecheck reference optimizers the notebook imports to compare against (never one it is
               graded on); the grading sandbox holds no other reference optimizer

A check is `check(ans, variant)`: `ans` is an `Answers` (the notebook's own namespace here, `Local`; in the grader
the sandboxed submission, grading.answers.Remote), `variant` the student's parameters; it raises AssertionError
with the message the student reads. The notebook's test cell and the grader call the same function:

    check("test_derivation", globals())                     # visible part, shown in the release
    ### BEGIN HIDDEN TESTS
    check("test_derivation", globals(), hidden=True)        # removed from the release
    ### END HIDDEN TESTS

`cell_source(spec, grade_id)` renders that text; the build refuses a notebook whose graded cells differ from it
(`drift`). A student's variant comes from an HMAC of the student id under the course's secret (`variant_for`), so
the grader derives it without trusting the notebook; the notebook's locked `variant` cell only displays it.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import json
import math
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

import numpy as np

Variant = Mapping[str, Any]
Check = Callable[["Answers", Variant], None]
KINDS = ("visible", "hidden", "derivation", "measurement")
VARIANT_ID = "variant"  # grade_id of the locked cell that defines VARIANT
SECRET_FILE = ".ratecheck_secret"  # in the course directory, beside source/; never in release/


class CheckFailed(AssertionError):
    """A check's failure: the message for the student, `details` for the feedback (e.g. a counterexample)."""

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message)
        self.details = details


def expect(condition: Any, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


class Answers(Protocol):
    """What a check may ask of a submission (the same questions in the notebook and in the grader)."""

    def function(self, name: str, method: str) -> Callable[..., Any]: ...  # returns what the student returns
    def optimizer(self, name: str, method: str) -> Callable[..., Any]: ...  # for ratecheck's property checks
    def evaluate(self, name: str, points: list[dict[str, float]]) -> tuple[np.ndarray, list[str]]: ...
    def invoke(self, name: str, *args: Any) -> np.ndarray: ...
    def value(self, name: str) -> np.ndarray: ...


@dataclass(frozen=True)
class Graded:
    grade_id: str
    points: float
    kind: str  # one of KINDS (how the part is reported)
    visible: Check | None = None
    hidden: Check | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.grade_id}: kind {self.kind!r}; expected one of {', '.join(KINDS)}")
        if self.visible is None and self.hidden is None:
            raise ValueError(f"{self.grade_id}: a graded cell needs a visible or a hidden check")

    def run(self, ans: Answers, variant: Variant) -> None:
        """Both checks, as the autograder's copy of the cell runs them (visible first)."""
        for fn in (self.visible, self.hidden):
            if fn is not None:
                fn(ans, variant)


@dataclass(frozen=True)
class Spec:
    name: str
    graded: tuple[Graded, ...]
    draw: Callable[[np.random.Generator], dict[str, Any]]
    default: dict[str, Any] = field(default_factory=dict)
    path: str = ""  # the spec's file (part of what the grader's CPU calibration is keyed on)
    baselines: tuple[str, ...] = ()  # reference optimizers the notebook may import (it is graded on others)

    def part(self, grade_id: str) -> Graded:
        for g in self.graded:
            if g.grade_id == grade_id:
                return g
        raise KeyError(f"{self.name}: the spec has no graded cell {grade_id!r}; it has "
                       f"{', '.join(g.grade_id for g in self.graded)}")


def from_module(module: ModuleType) -> Spec:
    """The Spec of an assignment module (NAME, GRADED, draw, DEFAULT)."""
    for attr in ("NAME", "GRADED", "draw", "DEFAULT"):
        if not hasattr(module, attr):
            raise ValueError(f"assignment spec {module.__name__} defines no {attr} (see ratecheck.assignments.spec)")
    return Spec(module.NAME, tuple(module.GRADED), module.draw, dict(module.DEFAULT), getattr(module, "__file__", ""),
                tuple(getattr(module, "BASELINES", ())))


# every module of specs/ except the shared builders is an assignment: adding one adds no line anywhere else
BUILT_IN = tuple(sorted(p.stem for p in (Path(__file__).parent / "specs").glob("*.py")
                        if p.stem not in ("__init__", "common")))


def load(name: str, course: str | os.PathLike | None = None) -> Spec:
    """The spec of assignment `name`: COURSE/specs/<name>.py when the course has one, else ratecheck's own."""
    if course is not None and (path := Path(course) / "specs" / f"{name}.py").is_file():
        module_spec = importlib.util.spec_from_file_location(f"ratecheck_course_spec_{name}", path)
        assert module_spec is not None and module_spec.loader is not None
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
        return from_module(module)
    if name not in BUILT_IN:
        raise ValueError(f"no assignment spec {name!r}; known: {', '.join(BUILT_IN)} (or COURSE/specs/{name}.py)")
    return from_module(importlib.import_module(f"{__package__}.specs.{name}"))


def answer_key(name: str) -> ModuleType:
    """Built-in assignment `name`'s answer key (assignments/keys/<name>.py): the hidden checks' references. Absent
    from a student's install (the wheel leaves keys/ out), where only the visible checks run."""
    try:
        return importlib.import_module(f"{__package__}.keys.{name}")
    except ModuleNotFoundError as exc:
        if exc.name not in (f"{__package__}.keys", f"{__package__}.keys.{name}"):
            raise
        raise KeysMissing(f"the answer key of assignment {name!r} is not in this install: hidden checks run where "
                          "the course is graded (ratecheck installed from its source tree)") from None


class KeysMissing(CheckFailed):
    """A hidden check ran where the answer keys are not installed (a student's environment)."""


# ---- the notebook's side --------------------------------------------------------------------------------------
class Local:
    """Answers from a notebook's own namespace (what a test cell sees)."""

    def __init__(self, namespace: Mapping[str, Any]) -> None:
        self.ns = namespace

    def _get(self, name: str) -> Any:
        if name not in self.ns:
            raise CheckFailed(f"{name} is not defined: run the cell that defines it")
        return self.ns[name]

    def function(self, name: str, method: str) -> Callable[..., Any]:
        fn = self._get(name)
        if not callable(fn):
            raise CheckFailed(f"{name} is not a function")
        return fn

    optimizer = function

    def evaluate(self, name: str, points: list[dict[str, float]]) -> tuple[np.ndarray, list[str]]:
        import sympy as sp

        try:
            expr = sp.sympify(self._get(name))
        except (sp.SympifyError, TypeError) as exc:
            raise CheckFailed(f"{name} is not a SymPy expression: {exc}") from None
        by_name = {str(s): s for s in expr.free_symbols}
        values, errors = [], []
        for p in points:
            try:
                values.append(float(expr.evalf(subs={by_name[k]: v for k, v in p.items() if k in by_name})))
            except (TypeError, ValueError) as exc:
                values.append(math.nan)
                errors.append(f"{type(exc).__name__}: {exc}")
        return np.array(values), errors

    def invoke(self, name: str, *args: Any) -> np.ndarray:
        return np.asarray(self.function(name, "")(*args), dtype=float)

    def value(self, name: str) -> np.ndarray:
        return np.asarray(self._get(name), dtype=float)


def check(grade_id: str, namespace: Mapping[str, Any], hidden: bool = False) -> None:
    """A test cell's body: run the spec's visible (or hidden) check of `grade_id` on the notebook's namespace,
    for the VARIANT the notebook defines. Returns None (a value would read as partial credit to nbgrader)."""
    variant = namespace.get("VARIANT")
    if not isinstance(variant, Mapping) or "assignment" not in variant:
        raise CheckFailed("VARIANT is not defined: run the notebook from the top (its locked 'variant' cell)")
    name = str(variant["assignment"])
    part = load(name, _course_of(name)).part(grade_id)
    fn = part.hidden if hidden else part.visible
    if fn is not None:
        try:
            fn(Local(namespace), variant)
        except CheckFailed as exc:
            if exc.details:  # the notebook shows the whole story (e.g. each failed property's counterexample)
                raise AssertionError(exc.details) from None
            raise
    if not hidden:
        print(f"{grade_id}: visible checks passed")


def _course_of(name: str) -> Path | None:
    """The course directory above the working directory that holds specs/<name>.py (nbgrader runs a notebook in
    COURSE/source/<name>/ or COURSE/autograded/<student>/<name>/), if any."""
    here = Path.cwd().resolve()
    return next((d for d in (here, *here.parents) if (d / "specs" / f"{name}.py").is_file()), None)


def cell_source(spec: Spec, grade_id: str) -> str:
    """The exact text of graded cell `grade_id` in a notebook built on `spec`."""
    part = spec.part(grade_id)
    lines = []
    if part.visible is not None:
        lines.append(f'check("{grade_id}", globals())')
    if part.hidden is not None:
        lines += ["### BEGIN HIDDEN TESTS", f'check("{grade_id}", globals(), hidden=True)', "### END HIDDEN TESTS"]
    return "\n".join(lines)


def drift(spec: Spec, cells: list[tuple[str, float | None, str]]) -> list[str]:
    """Where a notebook's autograded cells [(grade_id, points, source)] disagree with the spec (empty: none)."""
    problems = []
    seen = {g for g, _, _ in cells}
    for g in spec.graded:
        if g.grade_id not in seen:
            problems.append(f"the spec grades {g.grade_id!r} but the notebook has no such test cell")
    for grade_id, points, source in cells:
        try:
            part = spec.part(grade_id)
        except KeyError as exc:
            problems.append(str(exc.args[0]))
            continue
        if points is not None and float(points) != float(part.points):
            problems.append(f"{grade_id}: the notebook gives {points:g} points, the spec {part.points:g}")
        if source.strip() != cell_source(spec, grade_id):
            problems.append(f"{grade_id}: the cell's text is not the spec's; expected exactly:\n"
                            f"{cell_source(spec, grade_id)}")
    return problems


# ---- variants -----------------------------------------------------------------------------------------------
def secret(course: str | os.PathLike, create: bool = False) -> bytes:
    """The course's secret (COURSE/.ratecheck_secret; created, owner-readable only, when create=True)."""
    path = Path(course) / SECRET_FILE
    if not path.is_file():
        if not create:
            raise FileNotFoundError(f"{path} is missing: the course's variant secret (made by the build)")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32) + "\n")
    return path.read_text().strip().encode()


def variant(spec: Spec, student: str | None, key: bytes | None) -> dict[str, Any]:
    """Student `student`'s parameters: spec.draw on a generator seeded by HMAC-SHA256(key, name/student).
    Without a student or a key: the spec's DEFAULT (the source notebook's variant)."""
    if student is None or key is None:
        params = dict(spec.default)
    else:
        digest = hmac.new(key, f"{spec.name}\0{student}".encode(), hashlib.sha256).digest()
        params = spec.draw(np.random.default_rng(int.from_bytes(digest[:16], "little")))
    return {"assignment": spec.name, **params}


def variant_for(course: str | os.PathLike, name: str, student: str | None) -> dict[str, Any]:
    """The variant the grader holds `student` to (the default when the course has no secret yet)."""
    try:
        key = secret(course)
    except FileNotFoundError:
        key = None
    return variant(load(name, course), student, key)


def variant_cell(params: Mapping[str, Any]) -> str:
    """The locked cell that defines VARIANT (a literal: the release needs nothing of the spec to show it)."""
    return "VARIANT = " + json.dumps(dict(params), sort_keys=True)


def default_variant(name: str) -> dict[str, Any]:
    return variant(load(name), None, None)


__all__ = ["BUILT_IN", "KINDS", "SECRET_FILE", "VARIANT_ID", "Answers", "CheckFailed", "Graded", "KeysMissing",
           "Local", "Spec", "answer_key", "cell_source", "check", "default_variant", "drift", "expect", "from_module",
           "load", "secret", "variant", "variant_cell", "variant_for"]
