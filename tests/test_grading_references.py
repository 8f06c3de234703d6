"""The grading sandbox holds no reference optimizer a notebook is graded on (issue 16): a cell that delegates to
ratecheck's own gradient_descent / ogm scores 0 with a clear reason; an assignment's BASELINES stay importable."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from ratecheck.assignments import spec
from ratecheck.grading import isolation
from ratecheck.grading.rubric import PUBLIC, public
from ratecheck.grading.sandbox import Limits, Sandbox, SubmissionError
from ratecheck.implementations import OPTIMIZERS


def test_importing_the_package_loads_no_optimizer_and_the_names_stay_functions():
    code = ("import sys, ratecheck.implementations as I\n"
            "assert not [m for m in sys.modules if m.rsplit('.', 1)[-1] in set(I.OPTIMIZERS.values())], sys.modules\n"
            "from ratecheck.implementations.ogm import ogm_theta\n"  # the file first: the name is still the function
            "assert callable(I.ogm) and I.ogm.__name__ == 'ogm'\n"
            "from ratecheck.implementations import sgd_replicates, fista_momentum\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_public_paths_bind_no_optimizer_file_but_the_baselines():
    files = {p.rsplit("/", 1)[-1] for p in isolation.public_paths(PUBLIC)}
    assert not files & {f"{m}.py" for m in OPTIMIZERS.values()}, files
    assert "implementations" not in files  # the folder is never bound whole
    acc = {p.rsplit("/", 1)[-1] for p in isolation.public_paths(public(spec.load("acceleration")))}
    assert acc - files == {"nesterov.py"}


@pytest.mark.parametrize("limits", [Limits(), Limits(audit_hook=False), Limits(isolation=isolation.WEAK)],
                         ids=["namespaces", "namespaces-only", "in-process"])
def test_a_delegating_cell_finds_no_reference_while_a_baseline_loads(limits):
    cells = ["from ratecheck.implementations import gradient_descent", "from ratecheck.implementations import nesterov"]
    with Sandbox(cells, limits, public=(*PUBLIC, "ratecheck.implementations.nesterov")) as sb:
        with pytest.raises(SubmissionError, match="reference gradient_descent is not available"):
            sb.function("gradient_descent", "gd")(lambda x: x, np.ones(2), 0.5, 3)
        xs = sb.function("nesterov", "nesterov")(lambda x: x, np.ones(2), 0.5, 0.5, 3)
        assert xs.shape == (4, 2)


@pytest.mark.parametrize(("name", "delegated"), [("gd", {"gradient_descent": ["test_gd_visible", "test_gd_hidden"]}),
                                                 ("acceleration", {"ogm": ["test_ogm_hidden"],
                                                                   "triple_momentum": ["test_tm_visible",
                                                                                       "test_tm_hidden"]})])
def test_a_notebook_delegating_to_the_reference_scores_0_on_those_parts(tmp_path, name, delegated):
    import nbformat
    from ratecheck.assignments import build
    from ratecheck.grading import notebook, rubric

    course = build.build(tmp_path / "course", [name], release=False)
    nb = nbformat.read(course / "source" / name / f"{name}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") in delegated:
            cell.source = f"from ratecheck.implementations import {cell.metadata['nbgrader']['grade_id']}"
    path = course / "sub" / f"{name}.ipynb"
    path.parent.mkdir()
    nbformat.write(nb, path)
    rub, sub = rubric.load(course, name), notebook.read(path)
    parts = {p.grade_id: p for p in rubric.grade(rub, sub.cells, Limits(call_seconds=120.0, load_seconds=120.0),
                                                 ids=sub.ids, cpu={g: 300.0 for g, _ in rub.parts}, student="alice")}
    targeted = {g for ids in delegated.values() for g in ids}
    for g in targeted:  # visible parts quote the child's ImportError; hidden ones (the optimizer proxy) say less
        why = "is not available" if rub.kind(g) == "visible" else "not defined"
        assert parts[g].score == 0 and why in parts[g].reason, (g, parts[g].reason)
    assert any(p.score == p.points > 0 for g, p in parts.items() if g not in targeted)  # the rest still graded
