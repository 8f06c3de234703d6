"""A grading batch: every submission of an assignment graded, recorded, and never lost.

Submissions are found in nbgrader's layout (SUBMISSIONS/<student>/<assignment>/*.ipynb, SUBMISSIONS being the
course's submitted/ folder) or as a flat folder of notebooks (SUBMISSIONS/<student>.ipynb). A symbolic link
at any level (student folder, assignment folder, notebook) is never followed: that submission is recorded with
score 0 and the reason. A student id must be a safe single path component (`safefs.NAME`): a name that is not
(e.g. `...ipynb`, which would be student `..`) is refused, listed in `Outcome.refused` and never graded or
written anywhere. Each submission is graded by `grade_one` in a worker (a process of a ProcessPoolExecutor, or
a Dask worker), which never raises: a broken notebook, a submission that kills its child, or a grader-side
surprise all become a record with score 0 of the assignment's max score, and the reason (grader paths
scrubbed). A crashed worker process is retried once in a fresh pool, then recorded as such.

The output folder is locked (flock, `safefs.locked`) for the whole run: a second run on it fails at once with
`BatchError`. The state file OUT/state.jsonl (`state`) gets one JSON line per finished submission, after the
gradebook, the autograded copy and the feedback; each of those is retried a few times, and when one still
fails the line says "done": false, the student is in `Outcome.failed` and a re-run grades them again. A re-run
skips what is done for an unchanged notebook (same SHA-256) unless forced; an interrupted batch resumes with
what is missing. Workers die with the grader however it exits (PR_SET_PDEATHSIG; SIGTERM and SIGINT kill them
first and raise `Terminated` / KeyboardInterrupt).
"""

from __future__ import annotations

import contextlib
import csv
import ctypes
import io
import multiprocessing
import os
import signal
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import safefs, state
from .feedback import grader_roots, scrub_paths, scrub_record

STATE = state.STATE
RETRY_DELAYS = (0.2, 1.0)  # seconds before the 2nd and 3rd attempt of a gradebook / autograded / feedback write


class BatchError(Exception):
    """The batch cannot run (output folder locked, unsafe state file, bad assignment name): exit 2."""


class Terminated(BaseException):  # like KeyboardInterrupt: a request to stop, not an error
    """The grader received SIGTERM or SIGHUP; its workers have been killed."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"stopped by signal {signal.Signals(signum).name}")
        self.signum = signum


@dataclass(frozen=True)
class Job:
    student: str
    assignment: str
    notebook: str | None  # None: no notebook to grade (recorded with score 0 and `problem`)
    sha256: str = ""
    problem: str = ""  # why there is no notebook

    @property
    def key(self) -> tuple[str, str]:
        return self.student, self.assignment


@dataclass(frozen=True)
class Refused:
    name: str  # the file or folder name, as found
    reason: str


def _link(rel: str) -> str:
    return f"the submission is a symbolic link: {rel} (links are not followed; submit the file itself)"


def _student_job(entry: os.DirEntry, assignment: str) -> Job | None:
    """The job of nbgrader's layout for student folder `entry` (None when it has no folder for `assignment`)."""
    student, folder = entry.name, Path(entry.path) / assignment
    try:
        st = folder.lstat()
    except OSError:
        return None
    if folder.is_symlink():
        return Job(student, assignment, None, problem=_link(f"{student}/{assignment}"))
    if not stat.S_ISDIR(st.st_mode):
        return None
    found = sorted((e for e in os.scandir(folder) if e.name.endswith(".ipynb")), key=lambda e: e.name)
    links = {e.name for e in found if e.is_symlink()}
    notebooks = [e.name for e in found if e.is_file(follow_symlinks=False) or e.name in links]
    name = f"{assignment}.ipynb" if f"{assignment}.ipynb" in notebooks else (
        notebooks[0] if len(notebooks) == 1 else None)
    if name is None:
        why = (f"no notebook in {student}/{assignment}" if not notebooks else
               f"{len(notebooks)} notebooks in {student}/{assignment} and none named {assignment}.ipynb")
        return Job(student, assignment, None, problem=why)
    if name in links:
        return Job(student, assignment, None, problem=_link(f"{student}/{assignment}/{name}"))
    return _hashed(student, assignment, folder / name, f"{student}/{assignment}/{name}")


def _hashed(student: str, assignment: str, path: Path, rel: str) -> Job:
    try:
        return Job(student, assignment, str(path), safefs.sha256(path))
    except safefs.UnsafePathError:
        return Job(student, assignment, None, problem=f"the submission {rel} is not a regular file")
    except OSError as exc:
        return Job(student, assignment, None, problem=f"the submission {rel} cannot be read: {exc.strerror}")


def discover(submissions: str | Path, assignment: str) -> tuple[list[Job], list[Refused]]:
    """The submissions of `assignment` under `submissions`, in either layout, sorted by student, and the
    names refused as student ids. No symbolic link is followed."""
    jobs: dict[str, Job] = {}
    refused: list[Refused] = []
    for entry in sorted(os.scandir(submissions), key=lambda e: e.name):
        flat = entry.name.endswith(".ipynb")
        student = entry.name[: -len(".ipynb")] if flat else entry.name
        link = entry.is_symlink()
        if flat and (link or entry.is_file(follow_symlinks=False)):
            kind = "flat"
        elif not flat and (entry.is_dir(follow_symlinks=False) or (link and entry.is_dir())):
            kind = "folder"
        else:
            continue  # not a notebook, not a folder (a README, a FIFO, a dangling link)
        if kind == "folder" and not link and not (Path(entry.path) / assignment).is_symlink() \
                and not (Path(entry.path) / assignment).is_dir():
            continue  # another assignment's folder only
        if not safefs.NAME.fullmatch(student):
            refused.append(Refused(entry.name, f"{entry.name!a} does not give a valid student id "
                                               f"(expected a name matching {safefs.NAME.pattern})"))
            continue
        if kind == "folder" and link:
            job: Job | None = Job(student, assignment, None, problem=_link(entry.name))
        elif kind == "folder":
            job = _student_job(entry, assignment)
        elif student in jobs:
            continue  # the student's folder wins over a flat notebook of the same name
        elif link:
            job = Job(student, assignment, None, problem=_link(entry.name))
        else:
            job = _hashed(student, assignment, Path(entry.path), entry.name)
        if job is not None:
            jobs[student] = job
    return [jobs[k] for k in sorted(jobs)], refused


def grade_one(course: str, assignment: str, student: str, notebook_path: str | None, sha256: str = "",
              problem: str = "", limits: dict[str, Any] | None = None) -> dict[str, Any]:
    """Grade one submission; always returns its record (never raises). Runs in a worker."""
    from . import isolation, notebook, rubric
    from .sandbox import Limits

    t0 = time.perf_counter()
    record: dict[str, Any] = {"student": student, "assignment": assignment, "score": 0.0, "max_score": 0.0,
                              "parts": [], "reason": "", "seconds": 0.0, "notebook": notebook_path,
                              "sha256": sha256, "error": False, "manual": [],
                              "isolation": (limits or {}).get("isolation", isolation.NAMESPACES)}
    try:
        rub = rubric.load(course, assignment)
        record["max_score"], record["manual"] = rub.max_score, [list(m) for m in rub.manual]
        if notebook_path is not None and os.path.islink(notebook_path):  # replaced by a link after discovery
            notebook_path, problem = None, _link(Path(notebook_path).name)
        if notebook_path is None:
            sub = notebook.Submission("", error=problem or "no notebook submitted")
        else:
            sub = notebook.read(notebook_path)
        if sub.error:
            parts = [rubric.Part(g, p, rub.kind(g), 0.0, sub.error) for g, p in rub.parts]
            record["error"] = True
        else:
            with contextlib.redirect_stdout(io.StringIO()):
                parts = rubric.grade(rub, sub.cells, Limits(**(limits or {})), ids=sub.ids, student=student)
        record["parts"] = rubric.as_dicts(parts)
        record["score"] = float(sum(p.score for p in parts))
        failed = [p for p in parts if p.score < p.points]
        if sub.error:
            record["reason"] = sub.error
        elif not failed:
            record["reason"] = "all autograded parts passed"
        else:
            record["reason"] = "; ".join(f"{p.grade_id}: {p.reason}" for p in failed)[:2000]
        if retried := max((p.attempts for p in parts), default=1) - 1:
            record["reason"] += f" (regraded {retried}x after the wall-time backstop passed under the CPU budget)"
        if record["isolation"] != isolation.NAMESPACES:
            record["reason"] += " [graded in the weak in-process sandbox: no OS isolation]"
    except BaseException as exc:  # the grader's own failure on this submission: recorded, the batch goes on
        if isinstance(exc, KeyboardInterrupt):
            raise
        record.update(score=0.0, error=True, reason=f"grader error: {type(exc).__name__}: {str(exc)[:500]}")
    record["seconds"] = round(time.perf_counter() - t0, 3)
    record["graded_at"] = time.time()
    return scrub_record(record, _roots(course, notebook_path))


def _roots(course: str | Path, notebook_path: str | None = None) -> list[tuple[str, str]]:
    extra: list[tuple[str | Path, str]] = [(course, "<course>")]
    if notebook_path:
        extra.append((Path(notebook_path).parent, "<submission>"))
    return grader_roots(*extra)


def failed_record(job: Job, reason: str, max_score: float = 0.0) -> dict[str, Any]:
    """The record of a submission the grader could not grade (score 0 of the assignment's `max_score`; grader
    paths are scrubbed when it is stored)."""
    return {"student": job.student, "assignment": job.assignment, "score": 0.0, "max_score": float(max_score),
            "parts": [], "reason": reason, "seconds": 0.0, "notebook": job.notebook,
            "sha256": job.sha256, "error": True, "manual": [], "graded_at": time.time()}


def max_score(course: str | Path, assignment: str) -> float:
    """The assignment's autograded max score from the course's rubric (0 when the rubric cannot be read)."""
    from . import rubric

    try:
        return rubric.load(course, assignment).max_score
    except Exception:
        return 0.0


def _checked(job: Job, record: Any, top: float) -> dict[str, Any]:
    """The worker's record for `job`, or a failed record when it is not a usable one."""
    if isinstance(record, dict):
        record = {**record, "student": job.student, "assignment": job.assignment, "sha256": job.sha256,
                  "notebook": job.notebook}  # a record is always filed under the job that asked for it
        if (why := state.problem(record)) is None:
            return record
    else:
        why = f"expected a dict, got {type(record).__name__}"
    return failed_record(job, f"grader error: the worker returned an unusable record ({why})", top)


# ---- the state file (grading/state.py) and the CSV ---------------------------------------------------------------
def load_state(out_dir: str | Path) -> tuple[dict[tuple[str, str], dict[str, Any]], list[str]]:
    """Done records by (student, assignment) and the problems of the lines that were not usable (regraded)."""
    return state.load(out_dir)


def append_state(out_dir: str | Path, record: dict[str, Any]) -> None:
    state.append(out_dir, record)


def _cell(value: str) -> str:
    """A CSV cell a spreadsheet shows as text (a leading = + - @ would make it a formula)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def write_csv(out_dir: str | Path, assignment: str, records: Iterable[dict[str, Any]]) -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["student", "assignment", "score", "max_score", "reason"])
    for r in sorted(records, key=lambda r: r["student"]):
        writer.writerow([r["student"], r["assignment"], f"{r['score']:g}", f"{r['max_score']:g}", _cell(r["reason"])])
    return safefs.atomic_write(out_dir, f"{safefs.check_name(assignment, 'assignment')}.csv", buf.getvalue())


# ---- the batch --------------------------------------------------------------------------------------------------
@dataclass
class Outcome:
    records: list[dict[str, Any]]  # this assignment's records, all submissions (also skipped and failed ones)
    graded: list[str]  # students graded in this run and fully stored
    skipped: list[str]  # students already recorded
    unrecorded: list[str]  # students whose state line could not be written
    csv: Path | None = None
    seconds: float = 0.0
    failed: dict[str, list[str]] = field(default_factory=dict)  # student -> what could not be stored (regraded)
    refused: list[Refused] = field(default_factory=list)  # names that are not valid student ids (not graded)
    state_problems: list[str] = field(default_factory=list)  # unusable state lines (those submissions regraded)

    @property
    def ok(self) -> bool:
        """Every submission graded and stored: the CLI exits 0 exactly then."""
        return not (self.unrecorded or self.failed or self.refused)


def _retry(what: str, fn: Callable[[], Any], delays: tuple[float, ...] | None = None) -> str | None:
    """Call fn, retrying after each of `delays` on failure; the last failure's description, or None."""
    delays = RETRY_DELAYS if delays is None else delays
    for attempt in range(len(delays) + 1):
        try:
            fn()
            return None
        except Exception as exc:
            last = f"{what}: {type(exc).__name__}: {exc}"[:300]
            if isinstance(exc, (safefs.UnsafePathError, ValueError)) or attempt == len(delays):
                return last if attempt == 0 else f"{last} (after {attempt + 1} attempts)"
            time.sleep(delays[attempt])
    return None  # pragma: no cover


def run(course: str | Path, assignment: str, submissions: str | Path, out_dir: str | Path, *, jobs: int = 1,
        scheduler: str | None = None, force: bool = False, limits: dict[str, Any] | None = None,
        gradebook: bool = True, progress: Callable[[dict[str, Any]], None] | None = None,
        on_start: Callable[[int], None] | None = None,
        grader: Callable[..., dict[str, Any]] | None = None) -> Outcome:
    """Grade every submission not yet recorded (all with force); store each result as it arrives.

    Raises BatchError when the batch cannot run (another run holds OUT's lock, OUT/state.jsonl is a link or a
    FIFO, an unsafe assignment name), Terminated on SIGTERM/SIGHUP and KeyboardInterrupt on SIGINT (workers
    killed first). `grader` (default `grade_one`, a module-level function: it is pickled to the workers)
    grades one submission."""
    grader = grade_one if grader is None else grader
    try:
        safefs.check_name(assignment, "assignment")
    except ValueError as exc:
        raise BatchError(str(exc)) from None
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        with safefs.locked(out_dir), _stop_on_sigterm():
            return _run(course, assignment, submissions, out_dir, jobs=jobs, scheduler=scheduler, force=force,
                        limits=limits, gradebook=gradebook, progress=progress, on_start=on_start, grader=grader)
    except (safefs.OutputLockedError, safefs.UnsafePathError) as exc:
        raise BatchError(str(exc)) from None


def _run(course: str | Path, assignment: str, submissions: str | Path, out_dir: Path, *, jobs: int,
         scheduler: str | None, force: bool, limits: dict[str, Any] | None, gradebook: bool,
         progress: Callable[[dict[str, Any]], None] | None, on_start: Callable[[int], None] | None,
         grader: Callable[..., dict[str, Any]]) -> Outcome:
    from . import feedback
    from . import gradebook as gbook

    t0 = time.perf_counter()
    course = str(Path(course).resolve())
    found, refused = discover(submissions, assignment)
    done, problems = state.load(out_dir)
    top = max_score(course, assignment)
    todo, skipped = [], []
    for job in found:
        old = done.get(job.key)
        if old is not None and not force and old.get("sha256", "") == job.sha256:
            skipped.append(job.student)
        else:
            todo.append(job)
    if on_start:
        on_start(len(todo))
    graded: list[str] = []
    unrecorded: list[str] = []
    failed: dict[str, list[str]] = {}
    incomplete: dict[tuple[str, str], dict[str, Any]] = {}

    def store(job: Job, record: dict[str, Any]) -> None:
        roots = _roots(course, job.notebook)
        record = scrub_record(_checked(job, record, top), roots)
        steps = [("feedback", lambda: feedback.write(out_dir, record))]
        if gradebook:
            steps[:0] = [("gradebook", lambda: gbook.record_grades(course, record)),
                         ("autograded copy", lambda: gbook.write_autograded(course, record, job.notebook))]
        failures = [scrub_paths(f, roots) for what, fn in steps if (f := _retry(what, fn)) is not None]
        record["done"] = not failures
        if failures:
            record["failures"] = failures
        try:
            state.append(out_dir, record)
        except Exception:
            unrecorded.append(job.student)
            return
        finally:
            if failures:
                failed[job.student] = failures
                incomplete[job.key] = record
                done.pop(job.key, None)
        if not failures:
            done[job.key] = record
            graded.append(job.student)
        if progress:
            progress(record)

    args = [(course, assignment, j.student, j.notebook, j.sha256, j.problem, limits) for j in todo]
    if scheduler:
        _run_dask(scheduler, todo, args, store, grader, top)
    elif todo:
        _run_pool(max(1, jobs), todo, args, store, grader, top)
    records = [done.get(j.key) or incomplete[j.key] for j in found if j.key in done or j.key in incomplete]
    csv_path = write_csv(out_dir, assignment, [r for (_, a), r in done.items() if a == assignment])
    return Outcome(records, graded, skipped, unrecorded, csv_path, time.perf_counter() - t0, failed, refused,
                   problems)


# ---- workers that die with the grader ----------------------------------------------------------------------------
PR_SET_PDEATHSIG = 1


def _worker_init(parent: int) -> None:
    """In each worker: be SIGKILLed when the grader dies (Linux), and exit if it is already gone."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:
        os._exit(1)


@contextlib.contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    """SIGTERM and SIGHUP raise Terminated in the main thread while the batch runs (the pool then kills its
    workers on the way out); elsewhere (a batch run from another thread) nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise Terminated(signum)

    old = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def _kill(workers: Iterable[multiprocessing.process.BaseProcess]) -> None:
    workers = list(workers)
    for p in workers:
        with contextlib.suppress(Exception):
            p.kill()
    for p in workers:
        with contextlib.suppress(Exception):
            p.join(5)


def _run_pool(jobs: int, todo: list[Job], args: list[tuple], store: Callable[[Job, dict[str, Any]], None],
              grader: Callable[..., dict[str, Any]], top: float) -> None:
    pending = list(range(len(todo)))
    attempts = dict.fromkeys(pending, 0)
    ctx = multiprocessing.get_context("spawn")  # no fork of a process with threads (the progress bar)
    while pending:
        broken = []
        before = set(multiprocessing.active_children())
        pool = ProcessPoolExecutor(max_workers=min(jobs, len(pending)), mp_context=ctx, initializer=_worker_init,
                                   initargs=(os.getpid(),))
        try:
            futures = {pool.submit(grader, *args[i]): i for i in pending}
            pending = []
            left = set(futures)
            while left:
                finished, left = wait(left, return_when=FIRST_COMPLETED)
                for fut in finished:
                    i = futures[fut]
                    try:
                        record = fut.result()
                    except BrokenProcessPool:
                        broken.append(i)
                        continue
                    except Exception as exc:
                        record = failed_record(todo[i], f"grader error: {type(exc).__name__}: {exc}"[:500], top)
                    store(todo[i], record)
        except BaseException:  # Ctrl-C, SIGTERM (Terminated), a failing store: no worker outlives the batch
            workers = set(multiprocessing.active_children()) - before
            pool.shutdown(wait=False, cancel_futures=True)
            _kill(workers)
            raise
        pool.shutdown(wait=True)
        for i in broken:  # a worker process died (not the submission's child: that is caught in the worker)
            attempts[i] += 1
            if attempts[i] >= 2:
                store(todo[i], failed_record(todo[i], "the grading worker process crashed twice on this submission",
                                             top))
            else:
                pending.append(i)


def _run_dask(address: str, todo: list[Job], args: list[tuple], store: Callable[[Job, dict[str, Any]], None],
              grader: Callable[..., dict[str, Any]], top: float) -> None:
    from distributed import Client, as_completed

    with Client(address, set_as_default=False) as client:
        futures = [client.submit(grader, *a, key=f"ratecheck-grade-{todo[i].student}-{todo[i].sha256[:12]}-"
                                 f"{time.time_ns()}", pure=False) for i, a in enumerate(args)]
        index = {f.key: i for i, f in enumerate(futures)}
        for fut in as_completed(futures, loop=client.loop):
            i = index[fut.key]
            try:
                record = fut.result()
            except Exception as exc:  # e.g. KilledWorker: the worker died on it more than allowed
                record = failed_record(todo[i], f"grader error on the cluster: {type(exc).__name__}: {exc}"[:500],
                                       top)
            store(todo[i], record)


__all__ = ["STATE", "BatchError", "Job", "Outcome", "Refused", "Terminated", "append_state", "discover",
           "failed_record", "grade_one", "load_state", "max_score", "run", "write_csv"]
