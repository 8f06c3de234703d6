"""Writing `ratecheck grade`'s scores where nbgrader's formgrader looks for them.

For each graded submission: the student and the submission exist in the course's gradebook.db (created if
needed, as `nbgrader autograde` does), each autograded cell's Grade.auto_score is our part's score (by
grade_id), and manually graded cells are left to the instructor (only flagged as needing a grade while they
have none, as nbgrader does). The submission is also placed under autograded/<student>/<assignment>/ with the
source notebook's locked and test cells restored over whatever the student did to them (what nbgrader's
OverwriteCells does), without executing anything, each graded cell carrying the grader's verdict as output.
"""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path
from typing import Any

from .feedback import atomic_write


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
    """The submission with the source's locked/test cells restored, at autograded/<student>/<assignment>/."""
    course = Path(course)
    student, assignment = record["student"], record["assignment"]
    source = json.loads((course / "source" / assignment / f"{assignment}.ipynb").read_text())
    sub: dict[str, Any] | None = None
    if submitted is not None and not record.get("error"):
        try:
            sub = json.loads(Path(submitted).read_text(errors="replace"))
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
    path = course / "autograded" / student / assignment / f"{assignment}.ipynb"
    atomic_write(path, json.dumps(out, indent=1))
    return path


def overwrite_cells(source: dict[str, Any], submitted: dict[str, Any] | None) -> dict[str, Any]:
    """Like nbgrader's OverwriteCells + missing-cell restoration: the student's solution cells (first occurrence
    of each grade_id, cell type and flags from the source), every locked/test cell from the source, in the
    source's order; duplicated or unknown graded cells of the submission are dropped."""
    theirs: dict[str, dict[str, Any]] = {}
    for cell in (submitted or {}).get("cells", []):
        if not isinstance(cell, dict):
            continue
        meta = cell.get("metadata", {})
        gid = meta.get("nbgrader", {}).get("grade_id") if isinstance(meta, dict) and isinstance(
            meta.get("nbgrader"), dict) else None
        if isinstance(gid, str) and gid not in theirs:
            theirs[gid] = cell
    out = copy.deepcopy(source)
    for cell in out["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        gid = meta.get("grade_id")
        if meta.get("solution") and not meta.get("locked") and gid in theirs:
            src = theirs[gid].get("source", "")
            cell["source"] = "".join(src) if isinstance(src, list) else (src if isinstance(src, str) else "")
        elif meta.get("solution") and gid not in theirs:
            cell["source"] = ""  # deleted by the student: an empty answer, not the instructor's solution
    out.setdefault("metadata", {})
    out["nbformat"], out["nbformat_minor"] = 4, max(int(out.get("nbformat_minor", 4)), 4)
    return out


__all__ = ["check_course", "db_url", "overwrite_cells", "record_grades", "write_autograded"]
