"""Writing `ratecheck grade`'s scores where nbgrader's formgrader looks for them.

For each graded submission: the student and the submission exist in the course's gradebook.db (created if
needed, as `nbgrader autograde` does), each autograded cell's Grade.auto_score is our part's score (by
grade_id), and manually graded cells are left to the instructor (only flagged as needing a grade while they
have none, as nbgrader does). The submission is also placed under autograded/<student>/<assignment>/ with the
source notebook's locked and test cells restored over whatever the student did to them (what nbgrader's
OverwriteCells does) and every cell the student added kept in place, without executing anything, each graded
cell carrying the grader's verdict as output.
"""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path
from typing import Any

from . import safefs

MAX_BYTES = 32 << 20  # a submission larger than this is not copied (the grader refuses it too)


def db_url(course: str | Path) -> str:
    return f"sqlite:///{Path(course).resolve() / 'gradebook.db'}"


def check_course(course: str | Path, assignment: str) -> str | None:
    """Why the gradebook cannot take this assignment's grades (None when it can)."""
    from nbgrader.api import Gradebook, MissingEntry

    if not (Path(course) / "gradebook.db").exists():
        return f"no gradebook.db in {course} (run `nbgrader generate_assignment {assignment}` there first)"
    with Gradebook(db_url(course)) as gb:
        try:
            a = gb.find_assignment(assignment)
        except MissingEntry:
            return (f"assignment {assignment!r} is not in {course}/gradebook.db "
                    f"(run `nbgrader generate_assignment {assignment}` there first)")
        if assignment not in [nb.name for nb in a.notebooks]:
            return f"the gradebook's assignment {assignment!r} has no notebook {assignment!r}"
    return None


def record_grades(course: str | Path, record: dict[str, Any]) -> None:
    """Store one graded submission's auto scores in the gradebook (idempotent)."""
    from nbgrader.api import Gradebook, MissingEntry

    student, assignment = record["student"], record["assignment"]
    with Gradebook(db_url(course)) as gb:
        gb.update_or_create_student(student)
        try:
            gb.find_submission(assignment, student)
        except MissingEntry:
            with warnings.catch_warnings():  # nbgrader 0.9 + SQLAlchemy 2: harmless autoflush warnings
                warnings.simplefilter("ignore")
                gb.add_submission(assignment, student)
        scores = {p["grade_id"]: p["score"] for p in record.get("parts", [])}
        nb = gb.find_submission_notebook(assignment, assignment, student)
        for grade in nb.grades:
            if grade.name in scores:
                grade.auto_score = float(scores[grade.name])
                grade.needs_manual_grade = grade.manual_score is not None
            elif grade.cell.cell_type == "markdown" or grade.auto_score is None:
                # a written answer: the instructor's, untouched; flagged while it has no grade
                if grade.manual_score is None:
                    grade.needs_manual_grade = True
        gb.db.commit()


def write_autograded(course: str | Path, record: dict[str, Any], submitted: str | None) -> Path:
    """The submission with the source's locked/test cells restored, at autograded/<student>/<assignment>/.

    Written atomically under the course, never through a link (the student id and assignment are checked to be
    single path components); the submission is read without following a link at its last component."""
    student = safefs.check_name(record["student"], "student id")
    assignment = safefs.check_name(record["assignment"], "assignment")
    source = json.loads(safefs.read_regular(Path(course) / "source" / assignment / f"{assignment}.ipynb"))
    sub: dict[str, Any] | None = None
    if submitted is not None and not record.get("error"):
        try:
            sub = json.loads(safefs.read_regular(submitted, MAX_BYTES).decode("utf-8", errors="replace"))
            if not isinstance(sub, dict) or not isinstance(sub.get("cells"), list):
                sub = None
        except (OSError, ValueError, RecursionError):
            sub = None
    out = overwrite_cells(source, sub)
    verdicts = {p["grade_id"]: p for p in record.get("parts", [])}
    for cell in out["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        p = verdicts.get(meta.get("grade_id"))
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
            if p is not None:
                text = f"ratecheck grade: {p['score']:g} / {p['points']:g} - {p['reason']}\n"
                cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": text}]
    rel = Path("autograded", student, assignment, f"{assignment}.ipynb")
    return safefs.atomic_write(course, rel, json.dumps(out, indent=1))


def _grade_id(cell: dict[str, Any]) -> str | None:
    meta = cell.get("metadata")
    nb = meta.get("nbgrader") if isinstance(meta, dict) else None
    gid = nb.get("grade_id") if isinstance(nb, dict) else None
    return gid if isinstance(gid, str) else None


def _text(source: Any) -> str:
    if isinstance(source, list):
        return "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else ""


def _student_cell(cell: dict[str, Any]) -> dict[str, Any]:
    """A cell the student wrote, kept as a plain cell: its type (code/markdown/raw) and source, no grading flags."""
    kind = cell.get("cell_type") if cell.get("cell_type") in ("code", "markdown", "raw") else "raw"
    meta = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
    out: dict[str, Any] = {"cell_type": kind, "metadata": {k: copy.deepcopy(v) for k, v in meta.items()
                                                           if k != "nbgrader"}, "source": _text(cell.get("source"))}
    if isinstance(cell.get("id"), str):
        out["id"] = cell["id"]
    if kind == "code":
        out["outputs"], out["execution_count"] = [], None
    return out


def overwrite_cells(source: dict[str, Any], submitted: dict[str, Any] | None) -> dict[str, Any]:
    """nbgrader's OverwriteCells + DeduplicateIds + missing-cell restoration, in the submission's order.

    Every cell the student wrote is kept where they put it. A cell whose grade_id is in the source (its first
    occurrence) takes the source cell's type and metadata; its text is the student's for a solution cell and the
    source's for a locked or test cell. A later duplicate of a grade_id, or a grade_id the source does not have,
    is kept as a plain cell without grading metadata. A source cell the student deleted is restored after the
    cell that precedes it in the source (a deleted solution cell as an empty answer, not the instructor's)."""
    src_cells = [c for c in source.get("cells", []) if isinstance(c, dict)]
    by_id = {g: c for c in src_cells if (g := _grade_id(c)) is not None}
    out_cells: list[dict[str, Any]] = []
    placed: dict[str, int] = {}
    for cell in (submitted or {}).get("cells", []):
        if not isinstance(cell, dict):
            continue
        gid = _grade_id(cell)
        if gid is None or gid not in by_id or gid in placed:
            out_cells.append(_student_cell(cell))
            continue
        new = copy.deepcopy(by_id[gid])
        meta = new.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution") and not meta.get("locked"):
            new["source"] = _text(cell.get("source"))
        placed[gid] = len(out_cells)
        out_cells.append(new)
    previous = None  # index in out_cells of the last source cell seen, so a missing one goes after it
    for cell in src_cells:
        gid = _grade_id(cell)
        if gid is None:
            continue
        if gid in placed:
            previous = placed[gid]
            continue
        new = copy.deepcopy(cell)
        if new.get("metadata", {}).get("nbgrader", {}).get("solution"):
            new["source"] = ""  # deleted by the student: an empty answer, not the instructor's solution
        at = 0 if previous is None else previous + 1
        out_cells.insert(at, new)
        placed = {g: i + (i >= at) for g, i in placed.items()}
        placed[gid] = previous = at
    seen: set[str] = set()
    for i, cell in enumerate(out_cells):  # nbformat 4.5 wants unique cell ids
        if "id" in cell and (not isinstance(cell["id"], str) or cell["id"] in seen):
            cell["id"] = f"ratecheck-{i}"
        if isinstance(cell.get("id"), str):
            seen.add(cell["id"])
    out = {k: copy.deepcopy(v) for k, v in source.items() if k != "cells"}
    out["cells"] = out_cells
    out.setdefault("metadata", {})
    out["nbformat"], out["nbformat_minor"] = 4, max(int(out.get("nbformat_minor", 4)), 4)
    return out


__all__ = ["check_course", "db_url", "overwrite_cells", "record_grades", "write_autograded"]
