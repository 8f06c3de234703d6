"""Honest notebooks graded as Jupyter and nbgrader run them: the slicer (pure AST), magics and shell escapes,
module-level values computed by calls, each function as it stood at its test cell, cells of any size."""

from __future__ import annotations

import json

import numpy as np
import pytest
from ratecheck.grading import notebook
from ratecheck.grading.sandbox import Sandbox, SubmissionError
from ratecheck.grading.slicer import Notebook, reads, writes

GD = """
def gradient_descent(grad, x0, lr, steps):
    xs = [np.array(x0, dtype=float)]
    for _ in range(steps):
        xs.append(xs[-1] - SCALE * lr * grad(xs[-1]))
    return np.array(xs)
"""


# ---- the slicer alone ---------------------------------------------------------------------------------------
def _kept(nb: Notebook, names: set[str], upto: int | None = None) -> list[str]:
    import ast

    return [ast.unparse(nb.statements[j].node).splitlines()[0] for j in nb.plan(names, upto)]


def test_slice_keeps_what_a_function_reads_computed_values_included():
    nb = Notebook(["import numpy as np", "SCALE = float(np.sqrt(1.0))", "plot = expensive()", GD])
    assert _kept(nb, {"gradient_descent"}) == ["import numpy as np", "SCALE = float(np.sqrt(1.0))",
                                               "def gradient_descent(grad, x0, lr, steps):"]


def test_slice_stops_at_the_test_cell():
    nb = Notebook(["def f():\n    return 1", "# test cell", "def f():\n    return 2"])
    assert _kept(nb, {"f"}, upto=1) == ["def f():"]
    assert nb.plan({"f"}, upto=1) == [0]
    assert nb.plan({"f"}) == [1]  # the whole notebook: the last definition


def test_slice_follows_mutation_and_conditionals():
    nb = Notebook(["xs = []", "xs.append(1)", "if True:\n    y = len(xs)", "z = y + 1", "plt.show()"])
    assert nb.plan({"z"}) == [0, 1, 2, 3]


def test_reads_and_writes():
    import ast

    stmt = ast.parse("def f(x):\n    return a * x + b").body[0]
    assert reads(stmt) >= {"a", "b"} and writes(stmt, set()) == {"f"}
    assert writes(ast.parse("np.random.seed(0)").body[0], {"np"}) == set()
    assert writes(ast.parse("d[k] = 1").body[0], set()) == {"d"}


def test_cells_that_do_not_parse_are_reported_and_skipped():
    nb = Notebook(["def f(:\n    pass", "g = 1"])
    assert len(nb.errors) == 1 and "cell 0" in nb.errors[0]
    assert nb.plan({"g"}) == [0]


# ---- magics ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("cell", "expect"), [
    ("%matplotlib inline\nimport numpy as np", "get_ipython().run_line_magic('matplotlib', 'inline')"),
    ("!pip install foo\nx = 1", "get_ipython().system('pip install foo')"),
    ("%%time\ndef g():\n    return 1\n", "def g():"),
    ("%%bash\nls /", ""),
])
def test_magics_become_what_ipython_runs(cell, expect):
    out = notebook.as_python(cell)
    assert (out.startswith(expect) if expect else out == "")
    compile(out, "<cell>", "exec")


# ---- in the sandbox -------------------------------------------------------------------------------------------
def _gd_call(sb: Sandbox) -> np.ndarray:
    return sb.function("gradient_descent", "gd")(lambda x: 2.0 * x, np.array([1.0]), 0.25, 2)


def test_magics_and_module_level_values_in_an_honest_notebook():
    cells = [notebook.as_python(c) for c in (
        "%matplotlib inline\nimport numpy as np\nimport matplotlib.pyplot as plt",
        "SCALE = float(np.ones(1)[0])  # computed by a call",
        "%%time\n" + GD,
        "!ls\nplt.plot([1, 2])",
    )]
    with Sandbox(cells) as sb:
        assert np.allclose(_gd_call(sb)[:, 0], [1.0, 0.5, 0.25])


def test_each_function_is_judged_as_it_stood_at_its_test_cell():
    cells = ["import numpy as np\nSCALE = 1.0", GD, "# test cell", GD.replace("SCALE * lr", "0.0 * lr")]
    with Sandbox(cells) as sb:
        sb.cutoff = 2  # the test cell: the later experiment with a broken copy is not what is graded
        assert np.allclose(_gd_call(sb)[:, 0], [1.0, 0.5, 0.25])
        sb.cutoff = None  # the whole notebook sees the last definition
        assert np.allclose(_gd_call(sb)[:, 0], [1.0, 1.0, 1.0])


def test_a_function_defined_only_after_its_test_cell_is_not_defined_there():
    cells = ["import numpy as np\nSCALE = 1.0", "# test cell", GD]
    with Sandbox(cells) as sb:
        sb.cutoff = 1
        with pytest.raises(SubmissionError, match="defines no function"):
            _gd_call(sb)


def test_cells_of_any_size():
    big = "DATA = " + json.dumps(list(range(300_000)))  # ~2.4 MiB of code in one cell
    assert len(big) > 1 << 21
    cells = ["import numpy as np", big, "SCALE = 1.0 + 0 * len(DATA)", GD]
    with Sandbox(cells) as sb:
        assert np.allclose(_gd_call(sb)[:, 0], [1.0, 0.5, 0.25])


def test_submitted_notebook_reader_keeps_grade_ids_and_refuses_links(tmp_path):
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "source": "%matplotlib inline\nx = 1", "metadata": {"nbgrader": {"grade_id": "a"}},
         "outputs": [], "execution_count": None},
        {"cell_type": "code", "source": ["y = ", "2"], "metadata": {}, "outputs": [], "execution_count": None}]}
    path = tmp_path / "s.ipynb"
    path.write_text(json.dumps(nb))
    sub = notebook.read(path)
    assert sub.error is None and sub.ids == ["a", None] and sub.cells[1] == "y = 2"
    assert sub.cell_of("a") == 0 and sub.cell_of("b") is None
    link = tmp_path / "link.ipynb"
    link.symlink_to(path)
    assert "symbolic link" in (notebook.read(link).error or "")
    import os

    fifo = tmp_path / "fifo.ipynb"
    os.mkfifo(fifo)
    assert "not a regular file" in (notebook.read(fifo).error or "")  # and it did not hang
