"""The grading batch cannot be stopped or corrupted: OUT locked against a second run, state lines validated, every
file written atomically and never through a link or a FIFO, gradebook failures retried then reported (exit 1,
no "done" record), workers gone when the grader dies however it dies, symbolic-link submissions refused, student
ids checked, crashed records out of the assignment's max score, no grader path in a reason, and the autograded
copy holding every cell the student wrote.

Fast: a ten-point course of one source notebook, and fake graders (module-level, so spawned workers import them)
where the sandbox is not the point."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from ratecheck.grading import batch, safefs, state
from ratecheck.grading import feedback as fb
from ratecheck.grading import gradebook as gbook

MAX = 10.0


def _cell(kind: str, source: str, **nbgrader) -> dict:
    cell = {"cell_type": kind, "metadata": {"nbgrader": nbgrader} if nbgrader else {}, "source": source}
    if kind == "code":
        cell.update(outputs=[], execution_count=None)
    return cell


def _source_cells() -> list[dict]:
    test = {"grade": True, "locked": True, "solution": False}
    return [_cell("markdown", "# gradient descent"),
            _cell("code", "def gradient_descent():\n    raise NotImplementedError", grade_id="gradient_descent",
                  grade=False, locked=False, solution=True),
            _cell("code", "assert visible()", grade_id="test_gd_visible", points=2, **test),
            _cell("code", "assert hidden()", grade_id="test_gd_hidden", points=3, **test),
            _cell("code", "rate = None", grade_id="derivation", grade=False, locked=False, solution=True),
            _cell("code", "assert derivation()", grade_id="test_derivation", points=2, **test),
            _cell("code", "assert measure()", grade_id="test_measure", points=3, **test),
            _cell("markdown", "YOUR ANSWER HERE", grade_id="answer_rate", grade=True, locked=False, solution=True,
                  points=1)]


def _notebook(cells: list[dict]) -> dict:
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 4}


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A course of one assignment, gd, whose autograded cells are worth 10 points (no gradebook.db)."""
    path = tmp_path / "course"
    (path / "source" / "gd").mkdir(parents=True)
    (path / "source" / "gd" / "gd.ipynb").write_text(json.dumps(_notebook(_source_cells())))
    return path


@pytest.fixture
def subs(tmp_path: Path) -> Path:
    root = tmp_path / "submitted"
    for student in ("alice", "bob"):
        _submit(root, student)
    return root


def _submit(root: Path, student: str, cells: list[dict] | None = None) -> Path:
    path = root / student / "gd" / "gd.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_notebook(_source_cells() if cells is None else cells)))
    return path


@pytest.fixture
def fast_retries(monkeypatch):
    monkeypatch.setattr(batch, "RETRY_DELAYS", (0.0, 0.0))


@pytest.fixture(autouse=True)
def no_hang():
    """A FIFO that blocks the grader fails the test instead of hanging the suite (a deadline, not a speed)."""
    def hung(signum, frame):
        raise TimeoutError("the grader blocked (on a FIFO?)")

    old = signal.signal(signal.SIGALRM, hung)
    signal.alarm(300)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


# ---- fake graders: module-level so that spawned workers can import them ------------------------------------------
def fake_grade(course, assignment, student, notebook, sha256="", problem="", limits=None):
    return {"student": student, "assignment": assignment, "score": 7.0, "max_score": MAX, "parts": [],
            "reason": problem or f"fake grade of {notebook}", "seconds": 0.0, "notebook": notebook,
            "sha256": sha256, "error": bool(problem), "manual": [], "graded_at": time.time()}


def crash_grade(course, assignment, student, notebook, sha256="", problem="", limits=None):
    os._exit(3)


def raise_grade(course, assignment, student, notebook, sha256="", problem="", limits=None):
    raise RuntimeError(f"boom reading {course}/source/gd/gd.ipynb and {Path(batch.__file__).parent}/rubric.py")


def liar_grade(course, assignment, student, notebook, sha256="", problem="", limits=None):
    rec = fake_grade(course, assignment, student, notebook, sha256, problem, limits)
    return {**rec, "student": "bob", "score": 99.0}  # another student's id, more than the max


def run(course, subs, out, **kw):
    kw.setdefault("grader", fake_grade)
    kw.setdefault("gradebook", False)
    return batch.run(course, "gd", subs, out, **kw)


def _lines(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / state.STATE).read_text().splitlines()]


# ---- the lock ------------------------------------------------------------------------------------------------
def test_a_second_run_on_the_same_output_folder_is_refused(course, subs, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with safefs.locked(out):
        with pytest.raises(batch.BatchError, match=r"being written by another `ratecheck grade` \(pid \d+"):
            run(course, subs, out)
    assert not (out / state.STATE).exists()  # nothing graded twice
    assert sorted(run(course, subs, out).graded) == ["alice", "bob"]  # released: the next run works


def _cli():
    from ratecheck.cli import main  # not at the top: spawned workers import this module; the CLI takes ~1 s

    return main


def test_cli_exits_2_with_one_line_when_the_output_folder_is_locked(course, subs, tmp_path, monkeypatch):
    monkeypatch.setattr(gbook, "check_course", lambda course, assignment: None)
    out = tmp_path / "out"
    out.mkdir()
    with safefs.locked(out):
        result = CliRunner().invoke(_cli(), ["grade", "gd", str(subs), "--course", str(course), "--out", str(out)])
    assert result.exit_code == 2
    (line,) = [x for x in result.output.splitlines() if x.startswith("error:")]
    assert "another `ratecheck grade`" in line and "--out" in line


def test_a_bad_assignment_name_is_a_batch_error(course, subs, tmp_path):
    with pytest.raises(batch.BatchError, match=r"invalid assignment '\.\./x'"):
        batch.run(course, "../x", subs, tmp_path / "out", grader=fake_grade)


# ---- state records ----------------------------------------------------------------------------------------------
def test_bad_state_lines_are_reported_and_regraded_never_a_crash(course, subs, tmp_path):
    out = tmp_path / "out"
    first = run(course, subs, out)
    assert sorted(first.graded) == ["alice", "bob"] and first.state_problems == []
    alice, bob = sorted(_lines(out), key=lambda r: r["student"])
    no_score = {k: v for k, v in bob.items() if k != "score"}
    (out / state.STATE).write_text("\n".join([
        json.dumps(alice), "{not json", json.dumps(no_score), json.dumps({**bob, "score": "7"}),
        json.dumps({**bob, "max_score": True}), json.dumps({**bob, "student": "../../x"}), "[1, 2]",
        json.dumps(bob)[:40]]))  # a torn last line
    again = run(course, subs, out)
    assert again.skipped == ["alice"] and again.graded == ["bob"]
    problems = again.state_problems
    assert len(problems) == 7 and all(p.startswith(f"{state.STATE} line ") for p in problems)
    assert "line 2: not valid JSON" in problems[0] and "no 'score'" in problems[1]
    assert "'score' is str '7', expected a number" in problems[2] and "'max_score' is bool" in problems[3]
    assert "not a safe name" in problems[4] and "expected a JSON object" in problems[5]
    assert [r["student"] for r in _lines(out)] == ["alice", "bob"]  # rewritten clean, then bob appended
    assert len((out / state.REJECTED).read_text().splitlines()) == 7
    assert run(course, subs, out).state_problems == []


def test_a_record_without_score_is_a_problem_not_a_keyerror(tmp_path):
    (tmp_path / state.STATE).write_text(json.dumps({"student": "a", "assignment": "gd", "sha256": "x",
                                                    "max_score": 10}) + "\n")
    done, problems = state.load(tmp_path)
    assert done == {} and problems == [f"{state.STATE} line 1: no 'score'; that submission is graded again"]


def test_a_torn_last_line_does_not_swallow_the_next_record(course, subs, tmp_path):
    out = tmp_path / "out"
    run(course, subs, out)
    text = (out / state.STATE).read_text()
    last = _lines(out)[-1]["student"]
    (out / state.STATE).write_text(text[: len(text) - 30])  # killed mid-write of the last line
    again = run(course, subs, out)
    assert again.graded == [last] and len(again.state_problems) == 1
    assert sorted(r["student"] for r in _lines(out)) == ["alice", "bob"]


def test_a_worker_record_for_another_student_or_above_max_is_not_stored_as_such(course, subs, tmp_path):
    out = tmp_path / "out"
    outcome = run(course, subs, out, grader=liar_grade)
    recs = {r["student"]: r for r in outcome.records}
    assert sorted(recs) == ["alice", "bob"]  # each filed under the job that asked, not the id the worker gave
    assert all(r["score"] == 0 and r["max_score"] == MAX and "unusable record" in r["reason"] for r in recs.values())


# ---- files written atomically, never through a link or a FIFO ---------------------------------------------------
def test_a_fifo_at_the_state_file_is_refused_without_hanging(course, subs, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    os.mkfifo(out / state.STATE)
    with pytest.raises(batch.BatchError, match=r"state.jsonl is a FIFO \(expected a regular file"):
        run(course, subs, out)
    assert stat.S_ISFIFO(os.lstat(out / state.STATE).st_mode)


def test_a_symlink_at_the_state_file_is_refused_and_its_target_untouched(course, subs, tmp_path):
    out, target = tmp_path / "out", tmp_path / "elsewhere.jsonl"
    out.mkdir()
    target.write_text("")
    (out / state.STATE).symlink_to(target)
    with pytest.raises(batch.BatchError, match="expected a regular file"):
        run(course, subs, out)
    assert target.read_text() == ""
    with pytest.raises(safefs.UnsafePathError):
        safefs.append_line(out, state.STATE, b"{}\n")
    assert target.read_text() == ""


def test_a_fifo_made_at_the_state_file_mid_run_leaves_the_record_unrecorded_not_hung(course, subs, tmp_path,
                                                                                    monkeypatch):
    out, write = tmp_path / "out", fb.write

    def write_then_fifo(out_dir, record):
        path = write(out_dir, record)
        if not (out / state.STATE).is_fifo():
            (out / state.STATE).unlink(missing_ok=True)
            os.mkfifo(out / state.STATE)
        return path

    monkeypatch.setattr(fb, "write", write_then_fifo)
    outcome = run(course, subs, out)
    assert sorted(outcome.unrecorded) == ["alice", "bob"] and outcome.graded == [] and not outcome.ok
    with pytest.raises(batch.BatchError, match=r"state.jsonl is a FIFO \(expected a regular file"):
        run(course, subs, out)  # the next run refuses it with a clear message


def test_links_and_fifos_at_feedback_and_csv_paths_are_replaced_not_written_through(course, subs, tmp_path):
    out, victim = tmp_path / "out", tmp_path / "victim.txt"
    victim.write_text("precious")
    (out / "feedback" / "alice").mkdir(parents=True)
    (out / "feedback" / "alice" / "gd.md").symlink_to(victim)
    (out / "feedback" / "bob").mkdir()
    os.mkfifo(out / "feedback" / "bob" / "gd.md")
    (out / "gd.csv").symlink_to(victim)
    outcome = run(course, subs, out)
    assert outcome.ok and sorted(outcome.graded) == ["alice", "bob"]
    assert victim.read_text() == "precious"
    for path in (out / "feedback" / "alice" / "gd.md", out / "feedback" / "bob" / "gd.md", out / "gd.csv"):
        assert stat.S_ISREG(os.lstat(path).st_mode)
    assert "feedback for alice" in (out / "feedback" / "alice" / "gd.md").read_text()
    assert not list(out.rglob("*.tmp"))


def test_a_linked_feedback_folder_is_a_reported_failure_and_nothing_is_written_outside(course, subs, tmp_path,
                                                                                      fast_retries):
    out, outside = tmp_path / "out", tmp_path / "outside"
    outside.mkdir()
    (out / "feedback").mkdir(parents=True)
    (out / "feedback" / "alice").symlink_to(outside, target_is_directory=True)
    outcome = run(course, subs, out)
    assert list(outside.iterdir()) == []
    assert outcome.graded == ["bob"] and list(outcome.failed) == ["alice"] and not outcome.ok
    assert "is a symbolic link or not a folder" in outcome.failed["alice"][0]


def test_atomic_write_keeps_the_old_file_when_the_write_fails(tmp_path, monkeypatch):
    safefs.atomic_write(tmp_path, "a/b.txt", "old")

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        safefs.atomic_write(tmp_path, "a/b.txt", "new")
    assert (tmp_path / "a" / "b.txt").read_text() == "old" and os.listdir(tmp_path / "a") == ["b.txt"]
    with pytest.raises(safefs.UnsafePathError, match=r"without '\.' or '\.\.'"):
        safefs.atomic_write(tmp_path, "../escape.txt", "x")


# ---- gradebook failures ----------------------------------------------------------------------------------------
def test_a_transient_gradebook_failure_is_retried(course, subs, tmp_path, monkeypatch, fast_retries):
    calls = []

    def flaky(course, record):
        calls.append(record["student"])
        if calls.count(record["student"]) < 3:
            raise RuntimeError("database is locked")

    monkeypatch.setattr(gbook, "record_grades", flaky)
    monkeypatch.setattr(gbook, "write_autograded", lambda course, record, submitted: None)
    outcome = run(course, subs, tmp_path / "out", gradebook=True)
    assert outcome.ok and sorted(outcome.graded) == ["alice", "bob"] and calls.count("alice") == 3


def test_a_persistent_gradebook_failure_is_reported_and_regraded(course, subs, tmp_path, monkeypatch,
                                                                 fast_retries):
    def broken(course, record):
        if record["student"] == "alice":
            raise RuntimeError(f"unable to open database file {course}/gradebook.db")

    monkeypatch.setattr(gbook, "record_grades", broken)
    monkeypatch.setattr(gbook, "write_autograded", lambda course, record, submitted: None)
    out = tmp_path / "out"
    outcome = run(course, subs, out, gradebook=True)
    assert not outcome.ok and outcome.graded == ["bob"] and list(outcome.failed) == ["alice"]
    (why,) = outcome.failed["alice"]
    assert why.startswith("gradebook: RuntimeError: unable to open database file <course>/gradebook.db")
    assert why.endswith("(after 3 attempts)") and str(course) not in why
    lines = {r["student"]: r for r in _lines(out)}
    assert lines["alice"]["done"] is False and lines["bob"]["done"] is True
    assert "alice" not in (out / "gd.csv").read_text()
    monkeypatch.setattr(gbook, "record_grades", lambda course, record: None)
    again = run(course, subs, out, gradebook=True)
    assert again.graded == ["alice"] and again.skipped == ["bob"] and again.ok


def test_cli_exits_1_and_names_the_student_when_the_gradebook_fails(course, subs, tmp_path, monkeypatch,
                                                                    fast_retries):
    monkeypatch.setattr(gbook, "check_course", lambda course, assignment: None)
    monkeypatch.setattr(gbook, "record_grades", lambda course, record: 1 / 0)
    monkeypatch.setattr(gbook, "write_autograded", lambda course, record, submitted: None)
    monkeypatch.setattr(batch, "grade_one", fake_grade)
    result = CliRunner().invoke(_cli(), ["grade", "gd", str(subs), "--course", str(course), "--out",
                                      str(tmp_path / "out")])
    assert result.exit_code == 1, result.output
    assert "not stored, graded again on the next run: alice: gradebook: ZeroDivisionError" in result.output


# ---- workers die with the grader ----------------------------------------------------------------------------
GRADER = textwrap.dedent('''\
    import os, sys, time
    from ratecheck.grading import batch

    def slow(course, assignment, student, notebook, sha256="", problem="", limits=None):
        open(os.path.join(os.environ["MARK_DIR"], str(os.getpid())), "w").close()
        time.sleep(600)

    if __name__ == "__main__":
        try:
            batch.run(sys.argv[1], "gd", sys.argv[2], sys.argv[3], jobs=2, grader=slow, gradebook=False)
        except batch.Terminated as exc:
            sys.exit(128 + exc.signum)
        except KeyboardInterrupt:
            sys.exit(130)
''')


def _marked(marker: str) -> list[int]:
    """Live (not zombie) processes whose environment holds `marker`."""
    out = []
    for pid in (int(p) for p in os.listdir("/proc") if p.isdigit()):
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                continue
            if marker.encode() in Path(f"/proc/{pid}/environ").read_bytes():
                out.append(pid)
        except OSError:
            continue
    return out


def _until(condition, seconds: float = 120.0) -> bool:
    """Poll `condition` up to a generous deadline (a hang guard, not a speed requirement)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG and /proc are Linux")
@pytest.mark.parametrize("how, code", [(signal.SIGTERM, 128 + 15), (signal.SIGINT, 130), (signal.SIGKILL, -9)])
def test_no_worker_outlives_the_grader(course, subs, tmp_path, how, code):
    script, marks = tmp_path / "grader.py", tmp_path / "marks"
    script.write_text(GRADER)
    marks.mkdir()
    marker = f"ratecheck-test-{uuid.uuid4().hex}"
    env = {**os.environ, "MARK_DIR": str(marks), "RATECHECK_TEST_MARKER": marker}
    proc = subprocess.Popen([sys.executable, str(script), str(course), str(subs), str(tmp_path / "out")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert _until(lambda: len(os.listdir(marks)) == 2 or proc.poll() is not None), "workers never started"
        assert proc.poll() is None, proc.stderr.read().decode()
        workers = {int(p) for p in os.listdir(marks)}
        assert workers <= set(_marked(marker))
        proc.send_signal(how)
        assert proc.wait(120) == code, proc.stderr.read().decode()
        assert _until(lambda: not _marked(marker)), f"left running: {_marked(marker)}"
    finally:
        for pid in [proc.pid, *_marked(marker)]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait()


# ---- symbolic links and student ids -----------------------------------------------------------------------------
def test_symlinked_submissions_are_refused_at_every_level(course, subs, tmp_path):
    secret = course / "source" / "gd" / "gd.ipynb"
    (subs / "carol").symlink_to(subs / "alice", target_is_directory=True)  # the student folder
    (subs / "dave").mkdir()
    (subs / "dave" / "gd").symlink_to(subs / "bob" / "gd", target_is_directory=True)  # the assignment folder
    (subs / "erin" / "gd").mkdir(parents=True)
    (subs / "erin" / "gd" / "gd.ipynb").symlink_to(secret)  # the notebook
    (subs / "frank" / "gd").mkdir(parents=True)
    (subs / "frank" / "gd" / "mine.ipynb").symlink_to(secret)  # the only notebook, another name
    (subs / "gina.ipynb").symlink_to(secret)  # the flat layout
    jobs, refused = batch.discover(subs, "gd")
    assert refused == []
    by = {j.student: j for j in jobs}
    assert sorted(by) == ["alice", "bob", "carol", "dave", "erin", "frank", "gina"]
    for student, rel in [("carol", "carol"), ("dave", "dave/gd"), ("erin", "erin/gd/gd.ipynb"),
                         ("frank", "frank/gd/mine.ipynb"), ("gina", "gina.ipynb")]:
        assert by[student].notebook is None and by[student].sha256 == ""
        assert by[student].problem.startswith(f"the submission is a symbolic link: {rel} "), by[student].problem
    outcome = run(course, subs, tmp_path / "out")
    recs = {r["student"]: r for r in outcome.records}
    assert recs["erin"]["reason"].startswith("the submission is a symbolic link: erin/gd/gd.ipynb")
    assert recs["alice"]["notebook"] == str(subs / "alice" / "gd" / "gd.ipynb")


def test_a_symlinked_submission_scores_zero_of_the_max_with_the_real_grader(course, tmp_path):
    subs = tmp_path / "flat"
    subs.mkdir()
    (subs / "erin.ipynb").symlink_to(course / "source" / "gd" / "gd.ipynb")  # the instructor's solutions
    (rec,) = batch.run(course, "gd", subs, tmp_path / "out", gradebook=False).records
    assert rec["score"] == 0 and rec["max_score"] == MAX and rec["error"]
    assert rec["reason"].startswith("the submission is a symbolic link: erin.ipynb")
    assert all(p["score"] == 0 for p in rec["parts"])


def test_file_names_that_are_not_safe_student_ids_are_refused(course, tmp_path):
    subs, out = tmp_path / "flat", tmp_path / "course" / "ratecheck_grades"
    subs.mkdir()
    nb = json.dumps(_notebook(_source_cells()))
    for name in ("...ipynb", ".ipynb", ".hidden.ipynb", "-rf.ipynb", "a b.ipynb", "ok.ipynb", "ok@x.org.ipynb"):
        (subs / name).write_text(nb)
    (subs / "..." / "gd").mkdir(parents=True)  # nbgrader layout: a folder named ...
    (subs / "..." / "gd" / "gd.ipynb").write_text(nb)
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    outcome = run(course, subs, out)
    assert sorted(outcome.graded) == ["ok", "ok@x.org"]
    assert sorted(r.name for r in outcome.refused) == sorted(["...", "...ipynb", ".ipynb", ".hidden.ipynb",
                                                              "-rf.ipynb", "a b.ipynb"])
    assert all("does not give a valid student id (expected a name matching" in r.reason for r in outcome.refused)
    assert not outcome.ok
    after = sorted(str(p) for p in tmp_path.rglob("*"))
    assert [p for p in after if p not in before and not p.startswith(str(out))] == []
    assert sorted(p.name for p in (out / "feedback").iterdir()) == ["ok", "ok@x.org"]


def test_unsafe_ids_never_reach_a_path(tmp_path):
    for bad in ("..", ".", "", "a/b", "x\n", "-a"):
        with pytest.raises(ValueError, match="invalid student id"):
            fb.path_for(tmp_path, bad, "gd")
    with pytest.raises(ValueError, match="invalid student id"):
        gbook.write_autograded(tmp_path, {"student": "..", "assignment": "gd"}, None)


# ---- crashed records, grader paths --------------------------------------------------------------------------
def test_a_crashed_worker_is_recorded_out_of_the_assignments_max_score(course, subs, tmp_path):
    (subs / "bob").rename(tmp_path / "bob")
    (rec,) = run(course, subs, tmp_path / "out", grader=crash_grade).records
    assert rec["reason"] == "the grading worker process crashed twice on this submission"
    assert rec["score"] == 0 and rec["max_score"] == MAX
    assert batch.failed_record(batch.Job("a", "gd", None), "x", batch.max_score(course, "gd"))["max_score"] == MAX


def test_a_grader_error_shows_the_max_score_and_no_grader_path(course, subs, tmp_path):
    (subs / "bob").rename(tmp_path / "bob")
    out = tmp_path / "out"
    (rec,) = run(course, subs, out, grader=raise_grade).records
    assert rec["max_score"] == MAX and rec["score"] == 0 and rec["error"]
    assert "boom reading <course>/source/gd/gd.ipynb and <ratecheck>/grading/rubric.py" in rec["reason"]
    text = (out / "feedback" / "alice" / "gd.md").read_text() + (out / "gd.csv").read_text()
    for path in (str(course), str(Path(batch.__file__).parents[1]), str(tmp_path)):
        assert path not in text and path not in rec["reason"]


def test_scrub_paths_replaces_grader_folders_and_keeps_other_text(tmp_path):
    roots = fb.grader_roots((tmp_path / "course", "<course>"))
    text = (f"{tmp_path}/course/gradebook.db: locked; {sys.prefix}/lib/x.py line 3; {tmp_path}/other; "
            f"{Path(fb.__file__).resolve()}: 'x'")
    rel = tmp_path.relative_to("/tmp")
    assert fb.scrub_paths(text, roots) == (f"<course>/gradebook.db: locked; <python>/lib/x.py line 3; <tmp>/{rel}/"
                                           "other; <ratecheck>/grading/feedback.py: 'x'")
    rec = {"student": "a", "assignment": "gd", "score": 0, "max_score": 10, "seconds": 0, "error": True,
           "reason": f"grader error in {Path(fb.__file__).parent}/x.py",
           "parts": [{"grade_id": "t", "kind": "visible", "score": 0, "points": 2, "reason": f"{sys.prefix}/y",
                      "details": f"{tmp_path}/z"}]}
    body = fb.render(rec)
    assert "<ratecheck>/grading/x.py" in body and "<python>/y" in body
    assert str(tmp_path) not in body and sys.prefix not in body


# ---- the autograded copy ------------------------------------------------------------------------------------------
def _ids(nb: dict) -> list[str | None]:
    return [c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in nb["cells"]]


def test_the_autograded_copy_keeps_every_cell_the_student_wrote(course):
    source = _notebook(_source_cells())
    cells = _source_cells()
    cells[1]["source"] = "def gradient_descent():\n    return 42"  # the answer
    cells[2]["source"] = "pass  # the student emptied the visible test"  # a locked test cell, edited
    cells[2]["metadata"]["nbgrader"]["points"] = 1000
    cells.insert(2, _cell("code", "import matplotlib\nplot_my_experiment()"))  # added by the student
    cells.insert(3, _cell("markdown", "My notes"))
    dup = json.loads(json.dumps(cells[1]))
    dup["source"] = "def gradient_descent():\n    return 'experiment'"  # a copy-pasted solution cell
    cells.append(dup)
    cells.append(_cell("code", "assert True", grade_id="test_invented", grade=True, locked=True, points=50))
    del cells[next(i for i, c in enumerate(cells) if "measure()" in c["source"])]  # a deleted test cell
    del cells[next(i for i, c in enumerate(cells) if c["source"] == "rate = None")]  # a deleted solution cell
    out = gbook.overwrite_cells(source, _notebook(cells))
    texts = [c["source"] for c in out["cells"]]
    assert texts == ["# gradient descent", "def gradient_descent():\n    return 42",
                     "import matplotlib\nplot_my_experiment()", "My notes", "assert visible()", "assert hidden()",
                     "", "assert derivation()", "assert measure()", "YOUR ANSWER HERE",
                     "def gradient_descent():\n    return 'experiment'", "assert True"]
    assert _ids(out) == [None, "gradient_descent", None, None, "test_gd_visible", "test_gd_hidden", "derivation",
                         "test_derivation", "test_measure", "answer_rate", None, None]
    points = [c["metadata"]["nbgrader"].get("points") for c in out["cells"] if "nbgrader" in c["metadata"]]
    assert max(p or 0 for p in points) == 3  # points always the source's
    assert [c["cell_type"] for c in out["cells"]][2:4] == ["code", "markdown"]


def test_write_autograded_holds_added_cells_and_refuses_linked_folders(course, tmp_path):
    cells = _source_cells()
    cells.insert(2, _cell("code", "helper = 1"))
    sub = _submit(tmp_path / "submitted", "alice", cells)
    rec = {"student": "alice", "assignment": "gd", "parts": [
        {"grade_id": "test_gd_visible", "score": 2, "points": 2, "reason": "passed"}]}
    path = gbook.write_autograded(course, rec, str(sub))
    nb = json.loads(path.read_text())
    assert path == course / "autograded" / "alice" / "gd" / "gd.ipynb"
    assert "helper = 1" in [c["source"] for c in nb["cells"]]
    (visible,) = [c for c in nb["cells"] if _ids({"cells": [c]}) == ["test_gd_visible"]]
    assert visible["outputs"][0]["text"].startswith("ratecheck grade: 2 / 2 - passed")
    outside = tmp_path / "outside"
    outside.mkdir()
    (course / "autograded" / "bob").symlink_to(outside, target_is_directory=True)
    with pytest.raises(safefs.UnsafePathError, match="symbolic link"):
        gbook.write_autograded(course, {**rec, "student": "bob"}, str(sub))
    assert list(outside.iterdir()) == []
