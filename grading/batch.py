"""A grading batch: every submission of an assignment graded, recorded, and never lost.

Submissions are found in nbgrader's layout (SUBMISSIONS/<student>/<assignment>/*.ipynb, SUBMISSIONS being the
course's submitted/ folder) or as a flat folder of notebooks (SUBMISSIONS/<student>.ipynb). Each is graded by
`grade_one` in a worker (a process of a ProcessPoolExecutor, or a Dask worker), which never raises: a broken
notebook, a submission that kills its child, or a grader-side surprise all become a record with score 0 and
the reason. A crashed worker process is retried once in a fresh pool, then recorded as such.

The state file OUT/state.jsonl gets one JSON line per finished submission (written and fsynced after the
gradebook, the feedback and the autograded copy): a re-run skips what is recorded there for an unchanged
notebook (same SHA-256) unless forced, and an interrupted batch resumes with what is missing.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STATE = "state.jsonl"


@dataclass(frozen=True)
class Job:
    student: str
    assignment: str
    notebook: str | None  # None: no notebook found (recorded with score 0)
    sha256: str = ""
    problem: str = ""  # why there is no notebook

    @property
    def key(self) -> tuple[str, str]:
        return self.student, self.assignment


def _sha(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def discover(submissions: str | Path, assignment: str) -> list[Job]:
    """The submissions of `assignment` under `submissions`, in either layout, sorted by student."""
    root = Path(submissions)
    jobs: dict[str, Job] = {}
    for child in sorted(root.iterdir()):
        if child.is_dir() and (child / assignment).is_dir():
            folder = child / assignment
            notebooks = sorted(p for p in folder.glob("*.ipynb") if p.is_file())
            preferred = folder / f"{assignment}.ipynb"
            path = preferred if preferred.is_file() else (notebooks[0] if len(notebooks) == 1 else None)
            if path is None:
                why = (f"no notebook in {folder}" if not notebooks else
                       f"{len(notebooks)} notebooks in {folder} and none named {assignment}.ipynb")
                jobs[child.name] = Job(child.name, assignment, None, problem=why)
            else:
                jobs[child.name] = Job(child.name, assignment, str(path), _sha(path))
        elif child.is_file() and child.suffix == ".ipynb" and child.stem not in jobs:
            jobs[child.stem] = Job(child.stem, assignment, str(child), _sha(child))
    return [jobs[k] for k in sorted(jobs)]


def grade_one(course: str, assignment: str, student: str, notebook_path: str | None, sha256: str = "",
              problem: str = "", limits: dict[str, Any] | None = None) -> dict[str, Any]:
    """Grade one submission; always returns its record (never raises). Runs in a worker."""
    from . import notebook, rubric
    from .sandbox import Limits

    t0 = time.perf_counter()
    record: dict[str, Any] = {"student": student, "assignment": assignment, "score": 0.0, "max_score": 0.0,
                              "parts": [], "reason": "", "seconds": 0.0, "notebook": notebook_path,
                              "sha256": sha256, "error": False, "manual": []}
    try:
        rub = rubric.load(course, assignment)
        record["max_score"], record["manual"] = rub.max_score, [list(m) for m in rub.manual]
        if notebook_path is None:
            sub = notebook.Submission("", error=problem or "no notebook submitted")
        else:
            sub = notebook.read(notebook_path)
        if sub.error:
            parts = [rubric.Part(g, p, rubric.SCORERS[assignment][g][0], 0.0, sub.error) for g, p in rub.parts]
            record["error"] = True
        else:
            with contextlib.redirect_stdout(io.StringIO()):
                parts = rubric.grade(rub, sub.cells, Limits(**(limits or {})))
        record["parts"] = rubric.as_dicts(parts)
        record["score"] = float(sum(p.score for p in parts))
        failed = [p for p in parts if p.score < p.points]
        if sub.error:
            record["reason"] = sub.error
        elif not failed:
            record["reason"] = "all autograded parts passed"
        else:
            record["reason"] = "; ".join(f"{p.grade_id}: {p.reason}" for p in failed)[:2000]
    except BaseException as exc:  # the grader's own failure on this submission: recorded, the batch goes on
        if isinstance(exc, KeyboardInterrupt):
            raise
        record.update(score=0.0, error=True, reason=f"grader error: {type(exc).__name__}: {str(exc)[:500]}")
    record["seconds"] = round(time.perf_counter() - t0, 3)
    record["graded_at"] = time.time()
    return record


def failed_record(job: Job, reason: str) -> dict[str, Any]:
    return {"student": job.student, "assignment": job.assignment, "score": 0.0, "max_score": 0.0, "parts": [],
            "reason": reason, "seconds": 0.0, "notebook": job.notebook, "sha256": job.sha256, "error": True,
            "manual": [], "graded_at": time.time()}


# ---- the state file -------------------------------------------------------------------------------------------
def load_state(out_dir: str | Path) -> dict[tuple[str, str], dict[str, Any]]:
    """Finished records by (student, assignment); the last line wins; a torn last line is ignored."""
    path = Path(out_dir) / STATE
    out: dict[tuple[str, str], dict[str, Any]] = {}
    if not path.exists():
        return out
    for line in path.read_text(errors="replace").splitlines():
        try:
            rec = json.loads(line)
            out[rec["student"], rec["assignment"]] = rec
        except (ValueError, KeyError, TypeError):
            continue
    return out


def append_state(out_dir: str | Path, record: dict[str, Any]) -> None:
    path = Path(out_dir) / STATE
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(record, allow_nan=False, default=str) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def write_csv(out_dir: str | Path, assignment: str, records: Iterable[dict[str, Any]]) -> Path:
    path = Path(out_dir) / f"{assignment}.csv"
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["student", "assignment", "score", "max_score", "reason"])
    for r in sorted(records, key=lambda r: r["student"]):
        writer.writerow([r["student"], r["assignment"], f"{r['score']:g}", f"{r['max_score']:g}", r["reason"]])
    from .feedback import atomic_write

    atomic_write(path, buf.getvalue())
    return path


# ---- the batch --------------------------------------------------------------------------------------------------
@dataclass
class Outcome:
    records: list[dict[str, Any]]  # this assignment's records, all submissions (also the skipped ones)
    graded: list[str]  # students graded in this run
    skipped: list[str]  # students already recorded
    unrecorded: list[str]  # students whose record could not be written
    csv: Path | None = None
    seconds: float = 0.0


def run(course: str | Path, assignment: str, submissions: str | Path, out_dir: str | Path, *, jobs: int = 1,
        scheduler: str | None = None, force: bool = False, limits: dict[str, Any] | None = None,
        gradebook: bool = True, progress: Callable[[dict[str, Any]], None] | None = None,
        on_start: Callable[[int], None] | None = None) -> Outcome:
    """Grade every submission not yet recorded (all with force); store each result as it arrives."""
    from . import feedback
    from . import gradebook as gbook

    t0 = time.perf_counter()
    course, out_dir = str(Path(course).resolve()), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    found = discover(submissions, assignment)
    state = load_state(out_dir)
    todo, skipped = [], []
    for job in found:
        old = state.get(job.key)
        if old is not None and not force and old.get("sha256", "") == job.sha256:
            skipped.append(job.student)
        else:
            todo.append(job)
    if on_start:
        on_start(len(todo))
    graded, unrecorded = [], []

    def store(job: Job, record: dict[str, Any]) -> None:
        warnings = []
        if gradebook:
            try:
                gbook.record_grades(course, record)
            except Exception as exc:
                warnings.append(f"gradebook: {type(exc).__name__}: {exc}"[:300])
            try:
                gbook.write_autograded(course, record, job.notebook)
            except Exception as exc:
                warnings.append(f"autograded copy: {type(exc).__name__}: {exc}"[:300])
        try:
            feedback.write(out_dir, record)
        except Exception as exc:
            warnings.append(f"feedback: {type(exc).__name__}: {exc}"[:300])
        if warnings:
            record["warnings"] = warnings
        try:
            append_state(out_dir, record)
        except Exception:
            unrecorded.append(job.student)
            return
        state[job.key] = record
        graded.append(job.student)
        if progress:
            progress(record)

    args = [(course, assignment, j.student, j.notebook, j.sha256, j.problem, limits) for j in todo]
    if scheduler:
        _run_dask(scheduler, todo, args, store)
    elif todo:
        _run_pool(max(1, jobs), todo, args, store)
    records = [state[j.key] for j in found if j.key in state]
    csv_path = write_csv(out_dir, assignment, [r for (_, a), r in state.items() if a == assignment])
    return Outcome(records, graded, skipped, unrecorded, csv_path, time.perf_counter() - t0)


def _run_pool(jobs: int, todo: list[Job], args: list[tuple], store: Callable[[Job, dict[str, Any]], None]) -> None:
    import multiprocessing

    pending = list(range(len(todo)))
    attempts = dict.fromkeys(pending, 0)
    ctx = multiprocessing.get_context("spawn")  # no fork of a process with threads (the progress bar)
    while pending:
        broken = []
        with ProcessPoolExecutor(max_workers=min(jobs, len(pending)), mp_context=ctx) as pool:
            futures = {pool.submit(grade_one, *args[i]): i for i in pending}
            pending = []
            left = set(futures)
            try:
                while left:
                    done, left = wait(left, return_when=FIRST_COMPLETED)
                    for fut in done:
                        i = futures[fut]
                        try:
                            record = fut.result()
                        except BrokenProcessPool:
                            broken.append(i)
                            continue
                        except Exception as exc:
                            record = failed_record(todo[i], f"grader error: {type(exc).__name__}: {exc}"[:500])
                        store(todo[i], record)
            except KeyboardInterrupt:
                for fut in left:
                    fut.cancel()
                raise
        for i in broken:  # a worker process died (not the submission's child: that is caught in the worker)
            attempts[i] += 1
            if attempts[i] >= 2:
                store(todo[i], failed_record(todo[i], "the grading worker process crashed twice on this submission"))
            else:
                pending.append(i)


def _run_dask(address: str, todo: list[Job], args: list[tuple], store: Callable[[Job, dict[str, Any]], None]) -> None:
    from distributed import Client, as_completed

    with Client(address, set_as_default=False) as client:
        futures = [client.submit(grade_one, *a, key=f"ratecheck-grade-{todo[i].student}-{todo[i].sha256[:12]}-"
                                 f"{time.time_ns()}", pure=False) for i, a in enumerate(args)]
        index = {f.key: i for i, f in enumerate(futures)}
        for fut in as_completed(futures, loop=client.loop):
            i = index[fut.key]
            try:
                record = fut.result()
            except Exception as exc:  # e.g. KilledWorker: the worker died on it more than allowed
                record = failed_record(todo[i], f"grader error on the cluster: {type(exc).__name__}: {exc}"[:500])
            store(todo[i], record)


__all__ = ["Job", "Outcome", "append_state", "discover", "grade_one", "load_state", "run", "write_csv"]
