"""`ratecheck grade`: correct submissions score full autograded marks, partially correct ones their honest part,
every attack at most its honest part; every submission gets a record with a reason; the batch always completes;
re-running is idempotent, an interrupted batch resumes, --jobs 2 and a Dask LocalCluster give the same scores;
the gradebook holds the auto scores (manual cells untouched) and the feedback shows properties and
counterexamples but never the hidden test code."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbgrader")
pytest.importorskip("jupytext")

from click.testing import CliRunner  # noqa: E402
from nbgrader.api import Gradebook  # noqa: E402
from ratecheck.assignments import build, samples  # noqa: E402
from ratecheck.cli import main as cli  # noqa: E402
from ratecheck.grading import batch, rubric  # noqa: E402
from ratecheck.grading import feedback as fb  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:Non-unique cell id")  # the duplicated-cells attack, on purpose

# CPU budgets come from the reference solution (rubric.budgets); wall times are only backstops, generous so
# that two xdist workers grading with --jobs 2 on two cores never hit them.
LIMITS = {"call_seconds": 120.0, "load_seconds": 120.0, "memory_bytes": 1 << 30, "max_restarts": 1}

# A gradient descent that does nothing useful (its visible, hidden and measurement parts must fail) and the
# code each attack adds to it: the honest part left is the derivation (2 of 10 points).
BROKEN_GD = '''\
def gradient_descent(grad, x0, lr, steps):
    {attack}
    return np.zeros((steps + 1, len(x0)))
'''
HONEST_GD = '''\
def gradient_descent(grad, x0, lr, steps):
    {attack}
    x = np.array(x0, dtype=float)
    xs = [x]
    for _ in range(steps):
        x = x - lr * grad(x)
        xs.append(x)
    return np.array(xs)
'''
ALWAYS = "def _always(*args, **kwargs):\n    return True\n\n\n"


def _source(course: Path, name: str):
    return nbformat.read(course / "source" / name / f"{name}.ipynb", as_version=4)


def _replace(nb, grade_id: str, source: str):
    (cell,) = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    cell.source = source
    return nb


def _gd_with(course: Path, code: str, extra_cells: tuple[str, ...] = ()):
    nb = _replace(_source(course, "gd"), "gradient_descent", code)
    for text in extra_cells:
        nb.cells.insert(2, nbformat.v4.new_code_cell(text))
    return nb


def _attacks(course: Path, other_student_file: Path) -> dict[str, tuple[object, float]]:
    """student -> (notebook or raw text, expected autograded score) for the gd assignment (max 10)."""
    out: dict[str, tuple[object, float]] = {}
    broken = lambda attack: BROKEN_GD.format(attack=attack)  # noqa: E731
    honest = lambda attack: HONEST_GD.format(attack=attack)  # noqa: E731
    out["patch_numpy_top"] = (_gd_with(course, broken("pass"), (
        ALWAYS + "np.allclose = _always\nnp.array_equal = _always\nnp.isclose = _always\n",)), 2)
    out["patch_numpy_inside"] = (_gd_with(course, broken("np.allclose = lambda *a, **k: True")), 2)
    out["patch_builtins"] = (_gd_with(course, broken("import builtins; builtins.isinstance = lambda *a: True"), (
        ALWAYS + "import builtins\nbuiltins.isinstance = _always\nbuiltins.abs = _always\n",)), 2)
    out["patch_ratecheck"] = (_gd_with(course, broken("pass"), (
        "import ratecheck.assignments.hidden as hidden\nimport ratecheck.checks as checks\n"
        + ALWAYS + "hidden.grade = _always\nchecks.check = _always\n",
        "import ratecheck.theory as theory\n" + ALWAYS + "theory.get = _always\n")), 2)
    nb = _source(course, "gd")  # deleted cells: the derivation (and the test cells) are gone
    nb.cells = [c for c in nb.cells if c.metadata["nbgrader"]["grade_id"] not in (
        "derivation", "test_derivation", "test_gd_visible", "test_gd_hidden", "test_measure")]
    out["deleted_cells"] = (nb, 8)
    nb = _source(course, "gd")  # duplicated test cells with edited metadata: points 1000, grade_ids changed
    extra = []
    for c in nb.cells:
        meta = c.metadata["nbgrader"]
        if meta.get("grade"):
            meta["points"] = 1000
            dup = nbformat.from_dict(json.loads(json.dumps(c)))
            dup.metadata["nbgrader"]["grade_id"] += "_copy"
            extra.append(dup)
    nb.cells += extra
    out["duplicated_cells"] = (nb, 10)
    out["stderr_and_megabytes"] = (_gd_with(course, honest(
        "import sys; print('x' * 5_000_000); sys.stderr.write('warning ' * 200_000)")), 10)
    out["infinite_loop"] = (_gd_with(course, broken("while True:\n        pass")), 2)
    out["os_exit"] = (_gd_with(course, broken("import os; os._exit(0)")), 2)
    out["fork"] = (_gd_with(course, broken("import os; os.fork()")), 2)
    out["huge_allocation"] = (_gd_with(course, broken("_ = bytearray(10 * 2**30)")), 2)
    out["read_other_student"] = (_gd_with(course, broken(f"open({str(other_student_file)!r}).read()")), 2)
    out["write_files"] = (_gd_with(course, broken("open('pwned.txt', 'w').write('x')")), 2)
    # honest students, graded as Jupyter + nbgrader run them: full marks
    out["magic_in_solution"] = (_gd_with(course, "%matplotlib inline\n" + honest("pass")), 10)
    out["module_level_computed"] = (_gd_with(course, honest("pass").replace("lr * grad", "SCALE * lr * grad"), (
        "SCALE = float(np.ones(1)[0])  # computed by a call",)), 10)
    nb = _gd_with(course, honest("pass"))
    nb.cells.append(nbformat.v4.new_code_cell(broken("pass") + "\nprint(gradient_descent(None, [0.0], 0.1, 2))"))
    out["redefined_after_its_tests"] = (nb, 10)
    out["huge_cell"] = (_gd_with(course, honest("pass"), ("BIG = " + json.dumps(list(range(200_000))),)), 10)
    out["malformed"] = ("{ this is not a notebook", 0)
    out["wrong_nbformat"] = (json.dumps({"nbformat": 3, "worksheets": [{"cells": []}]}), 0)
    return out


def _submit(root: Path, student: str, name: str, nb: object) -> Path:
    path = root / student / name / f"{name}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(nb, str):
        path.write_text(nb)
    else:
        nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return build.build(tmp_path_factory.mktemp("grade") / "course")


@pytest.fixture(scope="module")
def graded(course):
    """The main batch: every assignment's correct and partial submissions, gd's attacks; --jobs 2."""
    submitted = course / "submitted"
    expected: dict[tuple[str, str], float | None] = {}
    for name, (grade_id, _, code) in samples.WRONG.items():
        _submit(submitted, "correct", name, _source(course, name))
        _submit(submitted, "partial", name, _replace(_source(course, name), grade_id, code))
        expected["correct", name] = None  # full marks
    other = _submit(submitted, "blank", "gd", nbformat.read(course / "release" / "gd" / "gd.ipynb", as_version=4))
    expected["blank", "gd"] = 0
    for student, (nb, score) in _attacks(course, other).items():
        _submit(submitted, student, "gd", nb)
        expected[student, "gd"] = score
    out = course / "grades"
    outcomes, seconds = {}, {}
    for name in ("sgd", "gd", "momentum"):
        t0 = time.perf_counter()
        outcomes[name] = batch.run(course, name, submitted, out, jobs=2, limits=LIMITS)
        seconds[name] = time.perf_counter() - t0
        print(f"grade {name}: {len(outcomes[name].graded)} submissions in {seconds[name]:.1f} s")
    for name, o in outcomes.items():
        for r in o.records:
            print(f"  {name}/{r['student']}: {r['score']:g}/{r['max_score']:g} ({r['seconds']:.1f} s) "
                  f"{r['reason'][:90]}")
    return {"outcomes": outcomes, "expected": expected, "out": out, "submitted": submitted}


def _records(graded, name):
    return {r["student"]: r for r in graded["outcomes"][name].records}


def test_correct_submissions_keep_full_marks_under_load(course, graded, tmp_path):
    """Busy processes on every core: budgets are CPU seconds, so a correct submission loses nothing."""
    root = tmp_path / "sub"
    for name in ("sgd", "gd"):
        shutil.copytree(graded["submitted"] / "correct" / name, root / "correct" / name)
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 2)]
    try:
        for name in ("sgd", "gd"):
            outcome = batch.run(course, name, root, tmp_path / "out", jobs=2, limits=LIMITS, gradebook=False)
            (rec,) = outcome.records
            assert rec["score"] == rec["max_score"] > 0, rec["reason"]
    finally:
        for h in hogs:
            h.kill()
            h.wait()


# ---- scores -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["gd", "momentum", "sgd"])
def test_correct_submission_scores_full_autograded_marks(course, graded, name):
    rec = _records(graded, name)["correct"]
    rub = rubric.load(course, name)
    assert rec["max_score"] == rub.max_score > 0
    assert rec["score"] == rec["max_score"], rec["reason"]
    assert [p["grade_id"] for p in rec["parts"]] == [g for g, _ in rub.parts]


@pytest.mark.parametrize("name", ["gd", "momentum", "sgd"])
def test_partially_correct_submission_passes_visible_and_fails_hidden(graded, name):
    rec = _records(graded, name)["partial"]
    parts = {p["grade_id"]: p for p in rec["parts"]}
    assert 0 < rec["score"] < rec["max_score"]
    visible = [p for g, p in parts.items() if g.endswith("_visible")]
    assert visible and all(p["score"] == p["points"] for p in visible)
    failed_hidden = [p for g, p in parts.items() if g.endswith("_hidden") and p["score"] == 0]
    assert failed_hidden and failed_hidden[0]["reason"].startswith("property ")


def test_attacks_never_earn_more_than_their_honest_part(graded):
    records = _records(graded, "gd")
    for (student, name), score in graded["expected"].items():
        if name != "gd" or score is None:
            continue
        rec = records[student]
        assert rec["score"] <= score, (student, rec["score"], rec["reason"])
        if student not in ("patch_builtins",):  # breaking builtins also breaks the attacker's own SymPy: <= 2
            assert rec["score"] == score, (student, rec["score"], rec["reason"])
        assert rec["max_score"] == 10  # points come from the source notebook, not the submission's metadata
        assert rec["reason"]
        assert all(p["reason"] for p in rec["parts"])


def test_attack_reasons_say_what_happened(graded):
    records = _records(graded, "gd")

    def reason(student, grade_id):
        return next(p["reason"] for p in records[student]["parts"] if p["grade_id"] == grade_id)

    assert "time limit exceeded" in reason("infinite_loop", "test_gd_visible")
    assert "process stopped" in reason("os_exit", "test_gd_visible")
    assert "not allowed" in reason("fork", "test_gd_visible")
    assert "MemoryError" in reason("huge_allocation", "test_gd_visible")
    assert "not allowed" in reason("read_other_student", "test_gd_visible")
    assert "not allowed" in reason("write_files", "test_gd_visible")
    assert "does not define 'rate'" in reason("deleted_cells", "test_derivation")
    assert "malformed notebook" in records["malformed"]["reason"]
    assert "nbformat" in records["wrong_nbformat"]["reason"]
    assert not (graded["submitted"] / "write_files" / "gd" / "pwned.txt").exists()


def test_every_submission_has_a_record_and_the_batch_completed(graded):
    for name, outcome in graded["outcomes"].items():
        students = sorted(p.name for p in graded["submitted"].iterdir() if (p / name).is_dir())
        assert sorted(r["student"] for r in outcome.records) == students
        assert not outcome.unrecorded
        assert all(r["reason"] for r in outcome.records)
    rows = (graded["out"] / "gd.csv").read_text().splitlines()
    assert rows[0] == "student,assignment,score,max_score,reason" and len(rows) == 1 + len(_records(graded, "gd"))


# ---- gradebook and feedback --------------------------------------------------------------------------------------
def test_gradebook_holds_auto_scores_and_leaves_manual_cells_alone(course, graded):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", build.COURSE_ID) as gb:
        for student in ("correct", "partial", "duplicated_cells", "malformed"):
            rec = _records(graded, "gd")[student]
            nb = gb.find_submission_notebook("gd", "gd", student)
            grades = {g.name: g for g in nb.grades}
            for p in rec["parts"]:
                assert grades[p["grade_id"]].auto_score == p["score"]
                assert grades[p["grade_id"]].max_score == p["points"]
            assert grades["answer_rate"].auto_score is None and grades["answer_rate"].manual_score is None
            assert grades["answer_rate"].needs_manual_grade
            assert "test_gd_hidden_copy" not in grades
    autograded = nbformat.read(course / "autograded" / "duplicated_cells" / "gd" / "gd.ipynb", as_version=4)
    ids = [g for c in autograded.cells if (g := c.metadata.get("nbgrader", {}).get("grade_id"))]
    assert len(ids) == len(set(ids)) and not any(i.endswith("_copy") for i in ids)
    assert all(c.metadata.get("nbgrader", {}).get("points", 0) < 1000 for c in autograded.cells)
    submitted = nbformat.read(graded["submitted"] / "duplicated_cells" / "gd" / "gd.ipynb", as_version=4)
    assert len(autograded.cells) == len(submitted.cells)  # every cell the student wrote is kept


def test_feedback_names_the_property_and_counterexample_and_never_the_hidden_code(course, graded):
    text = fb.path_for(graded["out"], "partial", "gd").read_text()
    assert "test_gd_hidden" in text and "0 / 3" in text
    assert "discipline / quadratic" in text and "problem: quadratic" in text and "spectrum:" in text
    hidden_src = (Path(build.__file__).parent / "hidden.py").read_text()
    hidden_cells = [c.source for nb in (_source(course, n) for n in build.ASSIGNMENTS) for c in nb.cells
                    if "BEGIN HIDDEN TESTS" in c.source]
    for path in (graded["out"] / "feedback").rglob("*.md"):
        body = path.read_text()
        for marker in ("BEGIN HIDDEN TESTS", "ratecheck.assignments.hidden", 'grade("', "GRADING"):
            assert marker not in body, (path, marker)
        for src in [hidden_src, *hidden_cells]:
            for line in src.splitlines():
                line = line.strip()
                if len(line) > 25 and not line.startswith(("#", '"', "-")):
                    assert line not in body, (path, line)
    sgd = fb.path_for(graded["out"], "partial", "sgd").read_text()
    assert re.search(r"at k=\d+: observed [\d.e+-]+ vs bound", sgd), sgd


# ---- idempotency, resume, parallel, Dask -----------------------------------------------------------------------
def test_rerun_is_idempotent_and_regrades_nothing(course, graded):
    state = (graded["out"] / batch.STATE).read_text()
    result = CliRunner().invoke(cli, ["grade", "gd", str(graded["submitted"]), "--course", str(course), "--out",
                                      str(graded["out"]), "--time-limit", "5"])
    assert result.exit_code == 0, result.output
    assert "0 graded" in result.output
    assert (graded["out"] / batch.STATE).read_text() == state  # nothing appended: same records, same timestamps
    again = batch.run(course, "gd", graded["submitted"], graded["out"], jobs=2, limits=LIMITS)
    assert again.graded == [] and sorted(again.skipped) == sorted(_records(graded, "gd"))
    assert [(r["student"], r["score"], r["graded_at"]) for r in again.records] == [
        (r["student"], r["score"], r["graded_at"]) for r in graded["outcomes"]["gd"].records]


@pytest.fixture(scope="module")
def small(course, graded, tmp_path_factory):
    """Three gd submissions in a flat folder (the other layout): correct, partial, one attack."""
    root = tmp_path_factory.mktemp("flat")
    for student in ("correct", "partial", "os_exit"):
        shutil.copy(graded["submitted"] / student / "gd" / "gd.ipynb", root / f"{student}.ipynb")
    return root


def test_flat_layout_jobs_1_resume_after_interruption(course, graded, small, tmp_path):
    out = tmp_path / "out"
    first = batch.run(course, "gd", small, out, jobs=1, limits=LIMITS, gradebook=False)
    assert sorted(first.graded) == ["correct", "os_exit", "partial"]
    reference = {r["student"]: r["score"] for r in graded["outcomes"]["gd"].records}
    assert {r["student"]: r["score"] for r in first.records} == {s: reference[s] for s in first.graded}
    # interrupted: only the first record made it, and a torn half line
    lines = (out / batch.STATE).read_text().splitlines()
    (out / batch.STATE).write_text(lines[0] + "\n" + lines[1][: len(lines[1]) // 2])
    done = json.loads(lines[0])["student"]
    resumed = batch.run(course, "gd", small, out, jobs=1, limits=LIMITS, gradebook=False)
    assert resumed.skipped == [done] and sorted(resumed.graded) == sorted({"correct", "os_exit", "partial"} - {done})
    assert {r["student"]: r["score"] for r in resumed.records} == {s: reference[s] for s in reference if s in
                                                                  ("correct", "os_exit", "partial")}


def test_dask_local_cluster_gives_the_same_scores(course, graded, small, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as lc:
        outcome = batch.run(course, "gd", small, tmp_path / "out", scheduler=lc.scheduler_address, limits=LIMITS,
                            gradebook=False)
    reference = {r["student"]: r["score"] for r in graded["outcomes"]["gd"].records}
    assert sorted(outcome.graded) == ["correct", "os_exit", "partial"]
    assert {r["student"]: r["score"] for r in outcome.records} == {s: reference[s] for s in outcome.graded}


def test_force_regrades_and_keeps_manual_grades(course, graded, small, tmp_path):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", build.COURSE_ID) as gb:
        grade = gb.find_grade("answer_rate", "gd", "gd", "correct")
        grade.manual_score = 1.5
        gb.db.commit()
    sub = tmp_path / "sub"
    sub.mkdir()
    shutil.copy(small / "correct.ipynb", sub / "correct.ipynb")
    out = tmp_path / "out"
    batch.run(course, "gd", sub, out, jobs=1, limits=LIMITS)
    again = batch.run(course, "gd", sub, out, jobs=1, limits=LIMITS, force=True)
    assert again.graded == ["correct"] and again.records[0]["score"] == 10
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", build.COURSE_ID) as gb:
        assert gb.find_grade("answer_rate", "gd", "gd", "correct").manual_score == 1.5
        assert gb.find_grade("test_gd_hidden", "gd", "gd", "correct").auto_score == 3


def test_cli_usage_errors(course, tmp_path):
    runner = CliRunner()
    assert runner.invoke(cli, ["grade", "gd", str(tmp_path), "--course", str(tmp_path / "nope")]).exit_code == 2
    result = runner.invoke(cli, ["grade", "nope", str(tmp_path), "--course", str(course)])
    assert result.exit_code == 2 and "no assignment" in result.output
    result = runner.invoke(cli, ["grade", "gd", str(tmp_path / "missing"), "--course", str(course)])
    assert result.exit_code == 2 and "no submissions folder" in result.output
