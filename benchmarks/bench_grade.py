"""Grading throughput: `nbgrader autograde` against `ratecheck grade --jobs 1` and `--jobs 2` on the same
submissions, in the same run, interleaved (nbgrader, jobs 1, jobs 2, nbgrader, ...), each as its command line.

    python benchmarks/bench_grade.py [--assignment gd] [--copies 3] [--repeats 2] [--course DIR]

The submissions: `copies` solutions and `copies` plausible wrong implementations (ratecheck.assignments.samples:
visible tests pass, hidden ratecheck checks fail). Prints submissions per minute and the ratio to
nbgrader, and checks that both graders give the same autograded totals. Goal: ratecheck at --jobs 2 at least
2x nbgrader's throughput.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def make_submissions(course: Path, assignment: str, copies: int) -> list[str]:
    import nbformat

    shutil.rmtree(course / "submitted", ignore_errors=True)
    from ratecheck.assignments.samples import WRONG

    grade_id, _, code = WRONG[assignment]
    students = []
    for i in range(copies):
        for kind in ("solution", "wrong"):
            nb = nbformat.read(course / "source" / assignment / f"{assignment}.ipynb", as_version=4)
            if kind == "wrong":
                for cell in nb.cells:
                    if cell.metadata["nbgrader"]["grade_id"] == grade_id:
                        cell.source = code
            student = f"{kind}{i}"
            path = course / "submitted" / student / assignment / f"{assignment}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, path)
            students.append(student)
    return students


def nbgrader_scores(course: Path, assignment: str, students: list[str]) -> dict[str, float]:
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for s in students:
            nb = gb.find_submission_notebook(assignment, assignment, s)
            out[s] = sum(g.auto_score or 0.0 for g in nb.grades if g.cell.cell_type == "code")
    return out


def main(argv: list[str] | None = None) -> list[dict]:
    from ratecheck.assignments import build

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--assignment", default="gd", choices=build.ASSIGNMENTS)
    ap.add_argument("--copies", type=int, default=3, help="solutions and wrong submissions each")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--course", type=Path, default=None, help="an already built course (default: build one)")
    a = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench-grade-"))
    course = a.course.resolve() if a.course else build.build(tmp / "course", [a.assignment])
    students = make_submissions(course, a.assignment, a.copies)
    n = len(students)
    bindir = Path(sys.executable).parent
    runs = {"nbgrader autograde": [], "ratecheck grade --jobs 1": [], "ratecheck grade --jobs 2": []}
    scores: dict[str, dict[str, float]] = {}
    # The CPU budgets are calibrated once per source notebook and ratecheck version (grading the solution once,
    # cached beside the theory cache), as nbgrader's generate_assignment runs once: not part of a batch's time.
    from ratecheck.grading import rubric

    t0 = time.perf_counter()
    rubric.budgets(rubric.load(str(course), a.assignment))
    print(f"calibration (once per course and version; cached): {time.perf_counter() - t0:.1f} s", flush=True)
    for r in range(a.repeats):
        for label in runs:
            t0 = time.perf_counter()
            if label.startswith("nbgrader"):
                build.nbgrader(course, "autograde", a.assignment, "--force")
            else:
                jobs = label.rsplit(" ", 1)[1]
                proc = subprocess.run([str(bindir / "ratecheck"), "grade", a.assignment, str(course / "submitted"),
                                       "--course", str(course), "--out", str(tmp / "out"), "--jobs", jobs, "--force"],
                                      capture_output=True, text=True, timeout=3600)
                if proc.returncode != 0:
                    raise RuntimeError(proc.stdout + proc.stderr)
            runs[label].append(time.perf_counter() - t0)
            if label.startswith("nbgrader"):
                scores[label] = nbgrader_scores(course, a.assignment, students)
            else:
                with (tmp / "out" / f"{a.assignment}.csv").open() as fh:
                    scores[label] = {row["student"]: float(row["score"]) for row in csv.DictReader(fh)}
            print(f"round {r + 1}: {label}: {runs[label][-1]:.1f} s", flush=True)
    base = statistics.median(runs["nbgrader autograde"])
    rows = []
    print(f"\n{n} submissions of {a.assignment} ({a.copies} solutions, {a.copies} wrong), {a.repeats} rounds, "
          f"interleaved; median wall time per batch")
    print(f"{'grader':28s} {'seconds':>8s} {'subs/min':>9s} {'vs nbgrader':>12s}")
    for label, times in runs.items():
        t = statistics.median(times)
        rows.append({"grader": label, "seconds": t, "per_minute": 60 * n / t, "ratio": base / t})
        print(f"{label:28s} {t:8.1f} {60 * n / t:9.1f} {base / t:11.2f}x")
    agree = all(scores[k] == scores["nbgrader autograde"] for k in scores)
    print("scores per student:", {s: scores["nbgrader autograde"][s] for s in students})
    print("ratecheck and nbgrader agree on every autograded total:", agree)
    if not agree:
        print({k: v for k, v in scores.items()})
    return rows


if __name__ == "__main__":
    main()
