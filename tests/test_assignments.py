"""The nbgrader assignments: the course builds; release/ holds no solution and no hidden test; under
`nbgrader autograde` the solutions score full marks, the blank release 0, a plausible wrong implementation
passes the visible tests but fails the hidden ratecheck checks, and a harmless warning on stderr costs nothing."""

from __future__ import annotations

import re
import shutil
import sys
import time

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbgrader")
pytest.importorskip("jupytext")

from nbgrader.api import Gradebook  # noqa: E402
from ratecheck.assignments import build, samples  # noqa: E402

NAMES = build.ASSIGNMENTS

WRONG = samples.WRONG

# The solution with harmless noise on stderr, at the Python level and at the file-descriptor level.
NOISY_GD = '''\
import os
import sys
import warnings


def gradient_descent(grad, x0, lr, steps):
    warnings.warn("harmless")
    print("a note on stderr", file=sys.stderr)
    os.write(2, b"a C-level note on fd 2\\n")
    x = np.array(x0, dtype=float)
    xs = [x]
    for _ in range(steps):
        x = x - lr * grad(x)
        xs.append(x)
    return np.array(xs)
'''


def _cells(nb, grade_id):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]


def _submit(course, student, name, nb):
    path = course / "submitted" / student / name / f"{name}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def _source(course, name):
    return nbformat.read(course / "source" / name / f"{name}.ipynb", as_version=4)


def _replace(nb, grade_id, source):
    (cell,) = _cells(nb, grade_id)
    cell.source = source
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    t0 = time.perf_counter()
    root = build.build(tmp_path_factory.mktemp("course") / "ratecheck-course")
    print(f"build: {time.perf_counter() - t0:.1f} s")
    return root


@pytest.fixture(scope="module")
def graded(course):
    """Autograde, per assignment: the solution, the blank release, a wrong implementation; for gd also the
    solution with warnings and stderr output. Returns {(name, student): {grade_id: (auto_score, max_score)}}."""
    for name in NAMES:
        _submit(course, "solution", name, _source(course, name))
        shutil.copytree(course / "release" / name, course / "submitted" / "blank" / name)
        grade_id, _, code = WRONG[name]
        _submit(course, "wrong", name, _replace(_source(course, name), grade_id, code))
    _submit(course, "noisy", "gd", _replace(_source(course, "gd"), "gradient_descent", NOISY_GD))
    for name in NAMES:
        t0 = time.perf_counter()
        build.nbgrader(course, "autograde", name, "--force")
        print(f"autograde {name}: {time.perf_counter() - t0:.1f} s")
    out = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", build.COURSE_ID) as gb:
        for name in NAMES:
            for student in ("solution", "blank", "wrong", "noisy"):
                try:
                    nb = gb.find_submission_notebook(name, name, student)
                except Exception:
                    continue
                out[name, student] = {g.name: (g.auto_score, g.max_score) for g in nb.grades}
                scores = out[name, student].values()
                print(f"{name}/{student}: autograded {sum(a for a, _ in scores if a is not None):g} "
                      f"of {sum(m for _, m in scores):g}")
    return out


def _autograded(course, student, name):
    return nbformat.read(course / "autograded" / student / name / f"{name}.ipynb", as_version=4)


def _kinds(course, name):
    """grade_ids of autograded code cells and of manually graded answers, from the source notebook."""
    auto, manual = [], []
    for cell in _source(course, name).cells:
        meta = cell.metadata["nbgrader"]
        if meta["grade"]:
            (manual if meta["solution"] else auto).append(meta["grade_id"])
    return auto, manual


# ---- build and release hygiene ------------------------------------------------------------------------------
def test_source_notebooks_carry_nbgrader_metadata(course):
    for name in NAMES:
        nb = _source(course, name)
        ids = set()
        for cell in nb.cells:
            meta = cell.metadata["nbgrader"]
            assert meta["schema_version"] == 3
            assert {"grade", "grade_id", "locked", "solution", "task"} <= set(meta)
            assert meta["grade_id"] not in ids
            ids.add(meta["grade_id"])
            if meta["grade"]:
                assert meta["points"] > 0
        _, manual = _kinds(course, name)
        hidden = [c for c in nb.cells if "BEGIN HIDDEN TESTS" in c.source]
        assert hidden and all(c.metadata["nbgrader"]["grade"] for c in hidden)
        assert manual, f"{name}: a derivation needs a manually graded written answer"
        assert sum(1 for c in nb.cells if "### BEGIN SOLUTION" in c.source) >= 3


def test_release_holds_no_solution_and_no_hidden_test(course):
    for name in NAMES:
        released = (course / "release" / name / f"{name}.ipynb").read_text()
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "ratecheck.assignments.hidden",
                       "grade("):
            assert marker not in released, f"{name}: release contains {marker!r}"
        nb = nbformat.reads(released, as_version=4)
        text = "\n".join(c.source for c in nb.cells)
        # every substantial line of every solution region is gone
        for cell in _source(course, name).cells:
            for region in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", cell.source, flags=re.S):
                for line in region.splitlines():
                    line = line.strip()
                    if len(line) > 12 and not line.startswith("#"):
                        assert line not in text, f"{name}: solution line leaked: {line!r}"
        assert "raise NotImplementedError()" in text and "YOUR ANSWER HERE" in text
        assert [p.name for p in (course / "release" / name).iterdir()] == [f"{name}.ipynb"]
    assert build.leaks(course / "release") == []


def test_build_rejects_inconsistent_metadata(tmp_path, monkeypatch):
    bad = tmp_path / "bad.py"
    bad.write_text('# %% nbgrader={"grade": true, "grade_id": "t"}\nassert True\n')
    monkeypatch.setattr(build, "SOURCES", tmp_path)
    with pytest.raises(ValueError, match="no points"):
        build.notebook("bad")


# ---- autograding --------------------------------------------------------------------------------------------
def test_nbgrader_zeroes_a_test_cell_with_stderr_output():
    """The trap itself, in the installed nbgrader: any stderr stream in a graded cell's outputs scores 0."""
    from nbgrader.utils import determine_grade

    cell = nbformat.v4.new_code_cell("pass", metadata={"nbgrader": {
        "grade": True, "grade_id": "t", "points": 2, "solution": False, "locked": True, "schema_version": 3}})
    cell.outputs = [nbformat.v4.new_output("stream", name="stderr", text="UserWarning: harmless\n")]
    assert determine_grade(cell) == (0, 2)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="fine\n")]
    assert determine_grade(cell) == (2, 2)


@pytest.mark.parametrize("name", NAMES)
def test_solution_scores_full_autograded_marks(graded, course, name):
    auto, manual = _kinds(course, name)
    scores = graded[name, "solution"]
    for grade_id in auto:
        assert scores[grade_id][0] == scores[grade_id][1], f"{name}/{grade_id}: {scores[grade_id]}"
    for grade_id in manual:  # written answers await the instructor
        assert scores[grade_id][0] is None


@pytest.mark.parametrize("name", NAMES)
def test_blank_release_scores_zero(graded, name):
    scores = graded[name, "blank"]
    assert all(auto == 0 for auto, _ in scores.values()), scores


@pytest.mark.parametrize("name", NAMES)
def test_hidden_tests_catch_a_wrong_implementation_the_visible_tests_miss(graded, course, name):
    expected = WRONG[name][1]
    scores = graded[name, "wrong"]
    auto, _ = _kinds(course, name)
    total = sum(scores[g][0] for g in auto)
    full = sum(scores[g][1] for g in auto)
    assert 0 < total < full, scores
    nb = _autograded(course, "wrong", name)
    hidden = [c for c in nb.cells if c.metadata["nbgrader"]["grade_id"].endswith("_hidden")]
    visible = [c for c in nb.cells if c.metadata["nbgrader"]["grade_id"].endswith("_visible")]
    for cell in visible:
        assert scores[cell.metadata["nbgrader"]["grade_id"]][0] == cell.metadata["nbgrader"]["points"]
    failed = [c for c in hidden if scores[c.metadata["nbgrader"]["grade_id"]][0] == 0]
    assert failed, "a hidden cell should have failed"
    errors = [o for c in failed for o in c.outputs if o.output_type == "error"]
    assert errors and errors[0].ename == "AssertionError"
    assert expected in errors[0].evalue and "ratecheck:" in errors[0].evalue, errors[0].evalue


def test_warnings_and_stderr_do_not_cost_points(graded, course):
    auto, _ = _kinds(course, "gd")
    scores = graded["gd", "noisy"]
    for grade_id in auto:
        assert scores[grade_id][0] == scores[grade_id][1], f"{grade_id}: {scores[grade_id]}"
    # the noise was really emitted while grading (visible on stdout, or dropped from the stderr stream)
    nb = _autograded(course, "noisy", "gd")
    (visible,) = _cells(nb, "test_gd_visible")
    text = "".join(o.get("text", "") for o in visible.outputs)
    assert "harmless" in text and "a note on stderr" in text
    assert not [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
                if o.output_type == "stream" and o.name == "stderr"]


def test_hidden_grade_helper_reports_property_and_counterexample():
    import numpy as np
    from ratecheck.assignments.hidden import grade
    from ratecheck.checks.mutants import hb_zero_history
    from ratecheck.implementations import heavy_ball

    assert grade("heavy-ball", heavy_ball) is None
    with pytest.raises(AssertionError) as info:
        grade("heavy_ball", hb_zero_history)
    text = str(info.value)
    assert "conformance / quadratic" in text and "spectrum:" in text and "reproduce_failure" not in text
    assert np.isfinite(1.0)


def test_build_command_line(tmp_path):
    import subprocess

    proc = subprocess.run([sys.executable, "-m", "ratecheck.assignments.build", str(tmp_path / "c"), "--no-release",
                           "--assignment", "gd"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "c" / "source" / "gd" / "gd.ipynb").exists()
    assert "IgnorePattern" in (tmp_path / "c" / "nbgrader_config.py").read_text()
