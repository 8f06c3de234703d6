"""Assignments as specs (ratecheck.assignments.spec): the build refuses a test cell that drifted from its spec;
the specs' reference answers agree with the registry where they coincide; each student's variant differs and
needs the course secret; the lookups a student could try (the registry's answer for the default problem, a
made-up array) score 0 on the parts they target while the right answer for the variant passes; the grader holds
each student to their own variant and the source notebook scores full marks as any student."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

pytest.importorskip("jupytext")
nbformat = pytest.importorskip("nbformat")

from ratecheck.assignments import build, spec  # noqa: E402
from ratecheck.assignments.keys import gd as gd_key  # noqa: E402
from ratecheck.assignments.keys import sgd as sgd_key  # noqa: E402
from ratecheck.assignments.specs import momentum, sgd  # noqa: E402
from ratecheck.theory import SYMBOLS, get  # noqa: E402

KEY = b"a test secret"


def _numeric_equal(a, b, symbols, seed=0):
    rng = np.random.default_rng(seed)
    for _ in range(8):
        point = {s: float(rng.uniform(2, 9)) if s.name == "L" else float(rng.uniform(0.1, 1)) if s.name == "mu"
                 else float(rng.uniform(1e-4, 1e-2)) if s.name == "eps" else float(rng.uniform(0.5, 3))
                 for s in symbols}
        assert float(a.evalf(subs=point)) == pytest.approx(float(b.evalf(subs=point)), rel=1e-9)


# ---- drift: the build fails when a graded cell and the spec disagree ------------------------------------------
def _edited_source(tmp_path, monkeypatch, old, new):
    text = (build.SOURCES / "gd.py").read_text()
    assert old in text
    (tmp_path / "gd.py").write_text(text.replace(old, new, 1))
    monkeypatch.setattr(build, "SOURCES", tmp_path)


def test_build_fails_on_a_deliberately_edited_test_cell(tmp_path, monkeypatch):
    build.notebook("gd")  # the real source agrees with its spec
    _edited_source(tmp_path, monkeypatch, 'check("test_derivation", globals())\n',
                   'check("test_derivation", globals())\nassert rate != 0\n')
    with pytest.raises(ValueError, match=r"disagree with its spec[\s\S]*test_derivation: the cell's text"):
        build.notebook("gd")


def test_build_fails_on_edited_points_and_on_a_cell_the_spec_does_not_grade(tmp_path, monkeypatch):
    _edited_source(tmp_path, monkeypatch, '"grade_id": "test_measure", "points": 3',
                   '"grade_id": "test_measure", "points": 5')
    with pytest.raises(ValueError, match="test_measure: the notebook gives 5 points, the spec 3"):
        build.notebook("gd")
    _edited_source(tmp_path, monkeypatch, '"grade_id": "test_measure"', '"grade_id": "test_measure2"')
    with pytest.raises(ValueError, match=r"no such test cell[\s\S]*no graded cell 'test_measure2'"):
        build.notebook("gd")


# ---- the specs' references, cross-checked ---------------------------------------------------------------------
def test_references_reduce_to_the_registry_at_the_registry_s_parameters():
    L, mu, R, eps = (SYMBOLS[s] for s in ("L", "mu", "R", "eps"))
    bound = get("gd.strongly_convex")
    ref = gd_key.reference({"h": 1.0})
    _numeric_equal(ref["rate"], bound.derived["rate"], [L, mu])
    _numeric_equal(ref["k_eps"], bound.iterations, [L, mu, R, eps])
    n_star = sgd_key.reference({"batch": 1})
    _numeric_equal(n_star, get("work.crossover").expr, sorted(n_star.free_symbols, key=str))
    # and differ from it for every variant drawn (the registry's answer is not the student's)
    for student in ("alice", "bob", "carol"):
        v = spec.variant(spec.load("gd"), student, KEY)
        r = gd_key.reference(v)["rate"]
        assert abs(float(r.subs({L: 10, mu: 1})) - float(bound.derived["rate"].subs({L: 10, mu: 1}))) > 1e-3


def test_tight_count_is_what_gradient_descent_measures():
    """The measurement's reference against an independent run of ratecheck's GD on the worst-case start."""
    from ratecheck.implementations import gradient_descent
    from ratecheck.implementations.problems import quadratic_spectrum, worst_case_start

    v = spec.variant(spec.load("gd"), "alice", KEY)
    for kappa in v["kappas"]:
        problem = quadratic_spectrum(v["d"], 1.0, kappa, 0)
        k = gd_key.tight_count(v, kappa)
        xs = gradient_descent(problem.grad, worst_case_start(problem, "min"), v["h"] / problem.L, k + 5)
        first = int(np.argmax(np.linalg.norm(xs - problem.x_star, axis=1) <= v["eps"]))
        assert k - 1 <= first <= k


# ---- variants -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", spec.BUILT_IN)
def test_variants_differ_per_student_and_depend_on_the_secret(name):
    s = spec.load(name)
    alice, bob = spec.variant(s, "alice", KEY), spec.variant(s, "bob", KEY)
    assert alice != bob
    assert spec.variant(s, "alice", KEY) == alice  # reproducible
    assert spec.variant(s, "alice", b"another course") != alice  # without the secret, not predictable
    assert spec.variant(s, None, KEY) == {"assignment": name, **s.default}
    json.dumps(alice)  # a variant is plain data (the release's locked cell, the child's namespace)


def test_secret_file_is_private_and_per_student_releases_hold_each_variant(tmp_path):
    course = tmp_path / "course"
    build.build(course, ["gd"], release=False)
    path = course / spec.SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = spec.secret(course)
    assert spec.secret(course, create=True) == key  # never replaced once made
    (course / "release" / "gd").mkdir(parents=True)  # nbgrader's release, stood in for by the source notebook
    nbformat.write(build.notebook("gd"), course / "release" / "gd" / "gd.ipynb")
    paths = build.release_for(course, "gd", ["alice", "bob"])
    shown = []
    for student, p in zip(["alice", "bob"], paths, strict=True):
        (cell,) = [c for c in nbformat.read(p, as_version=4).cells
                   if c.metadata["nbgrader"]["grade_id"] == spec.VARIANT_ID]
        ns: dict = {}
        exec(cell.source.replace("print(VARIANT)", ""), ns)
        assert ns["VARIANT"] == spec.variant_for(course, "gd", student)
        shown.append(ns["VARIANT"])
    assert shown[0] != shown[1]


# ---- lookups score 0 on the parts they target (and the right answer passes: the check can tell) ----------------
def _fails(name, grade_id, ns, variant):
    part = spec.load(name).part(grade_id)
    with pytest.raises(AssertionError):
        part.run(spec.Local(ns), variant)


def _passes(name, grade_id, ns, variant):
    spec.load(name).part(grade_id).run(spec.Local(ns), variant)


@pytest.mark.parametrize("student", ["alice", "bob"])
def test_registry_lookup_fails_the_gd_derivation(student):
    v = spec.variant(spec.load("gd"), student, KEY)
    bound = get("gd.strongly_convex")
    lookup = {"rate": bound.derived["rate"], "k_eps": bound.iterations}
    spec.load("gd").part("test_derivation").visible(spec.Local(lookup), v)  # the form is fine: visible passes
    _fails("gd", "test_derivation", lookup, v)
    L, mu, R, eps = (SYMBOLS[s] for s in ("L", "mu", "R", "eps"))
    rate = 1 - sp.nsimplify(v["h"]) * mu / L  # derived by hand for this student's step
    _passes("gd", "test_derivation", {"rate": rate, "k_eps": sp.log(eps / R) / sp.log(rate)}, v)


@pytest.mark.parametrize("student", ["alice", "bob"])
def test_registry_lookup_fails_the_sgd_crossover(student):
    v = spec.variant(spec.load("sgd"), student, KEY)
    _fails("sgd", "test_crossover", {"n_star": get("work.crossover").expr}, v)
    n, sigma, b = SYMBOLS["n"], SYMBOLS["sigma"], v["batch"]
    k_sgd = get("work.sgd").iterations.subs(sigma, sigma / sp.sqrt(b))
    _passes("sgd", "test_crossover", {"n_star": sp.solve(sp.Eq(n * get("work.gd").iterations, b * k_sgd), n)[0]}, v)


@pytest.mark.parametrize("student", ["alice", "bob"])
def test_registry_lookup_fails_the_momentum_derivation(student):
    """Polyak's parameters (heavy_ball.quadratic) choose the step too: they are not the best momentum for the
    variant's step h/L. The lookup passes the visible form checks and fails the hidden ones."""
    v = spec.variant(spec.load("momentum"), student, KEY)
    hb = get("heavy_ball.quadratic")
    lookup = {"momentum_h": hb.hyperparameters["momentum"], "rate_h": hb.derived["rate_asymptotic"]}
    spec.load("momentum").part("test_polyak").visible(spec.Local(lookup), v)
    _fails("momentum", "test_polyak", lookup, v)
    L, mu, h = SYMBOLS["L"], SYMBOLS["mu"], sp.nsimplify(v["h"])
    rate = sp.Max(1 - sp.sqrt(h * mu / L), sp.sqrt(h) - 1)  # by hand: the two ends of the spectrum
    _passes("momentum", "test_polyak", {"momentum_h": rate**2, "rate_h": rate}, v)
    _fails("momentum", "test_polyak", {"momentum_h": (1 - sp.sqrt(h * mu / L)) ** 2,  # one end only
                                       "rate_h": 1 - sp.sqrt(h * mu / L)}, v)


def _hb_radius(beta: float, h: float, kappa: float) -> float:
    """max over lambda in [1, kappa] of the spectral radius of the heavy ball's iteration matrix, eta = h/kappa."""
    lams = np.linspace(1.0, kappa, 4001)
    T = np.zeros((lams.size, 2, 2))
    T[:, 0, 0], T[:, 0, 1], T[:, 1, 0] = 1 + beta - h / kappa * lams, -beta, 1.0
    return float(np.abs(np.linalg.eigvals(T)).max())


@pytest.mark.parametrize("h", momentum.STEPS)
def test_the_best_momentum_for_a_step_against_the_iteration_matrix(h):
    """The key's beta(h) against the heavy ball's companion matrices on a fine lambda grid: its spectral radius
    is rate_h, and 3% less or more momentum gives a larger one (independent of the key's derivation)."""
    from ratecheck.assignments.keys import momentum as key

    L, mu = SYMBOLS["L"], SYMBOLS["mu"]
    for kappa in (3.0, 25.0, 400.0):
        beta = float(key.momentum_for_step({"h": h}).subs({L: kappa, mu: 1.0}))
        rate = float(key.rate_for_step({"h": h}).subs({L: kappa, mu: 1.0}))

        assert _hb_radius(beta, h, kappa) == pytest.approx(rate, abs=1e-6)
        assert _hb_radius(0.97 * beta, h, kappa) > rate + 1e-4
        assert _hb_radius(min(0.999, 1.03 * beta), h, kappa) > rate + 1e-4
    for one_end in (1 - sp.sqrt(sp.nsimplify(h) * mu / L), sp.sqrt(sp.nsimplify(h)) - 1 + 0 * L):
        _fails("momentum", "test_polyak", {"momentum_h": one_end**2, "rate_h": one_end}, {"h": h, "seed": 3})
    kappa = 25.0  # at Polyak's step both ends bind: his rate
    h_polyak = 4 * kappa / (np.sqrt(kappa) + 1) ** 2
    got = float(key.rate_for_step({"h": h_polyak}).subs({L: kappa, mu: 1.0}))
    assert got == pytest.approx(float(get("heavy_ball.quadratic").derived["rate_asymptotic"].subs({L: kappa, mu: 1})))


def test_made_up_lrp_data_earns_nothing():
    from ratecheck.implementations import heavy_ball, nesterov

    v = spec.variant(spec.load("momentum"), "alice", KEY)
    ns = {"nesterov": nesterov, "period": 3, "xs_lrp": np.where(np.arange(301) % 3 == 0, 2.5, 0.5)[:, None]}
    spec.load("momentum").part("test_lrp").visible(spec.Local(ns), v)  # right shape: the visible test passes
    _fails("momentum", "test_lrp", ns, v)
    lr, beta = 4 / (5 + 1) ** 2, (5 - 1) ** 2 / (5 + 1) ** 2  # Polyak's for L = 25, mu = 1, by hand
    xs = heavy_ball(momentum.grad_lrp, np.array([v["x0_lrp"]]), lr, beta, 300)
    period = next(p for p in range(1, 50) if abs(xs[-1, 0] - xs[-1 - p, 0]) < 1e-6)
    _passes("momentum", "test_lrp", {**ns, "xs_lrp": xs, "period": period}, v)
    _fails("momentum", "test_lrp", {**ns, "xs_lrp": xs, "period": period + 1}, v)


def test_made_up_measurements_with_the_right_shape_earn_nothing():
    """Counts and flops invented to fit the visible sanity checks (slopes, who wins) fail the hidden rerun."""
    v = spec.variant(spec.load("momentum"), "alice", KEY)
    made_up = {"iterations": lambda m, kappa, eps=1e-6: float(round(kappa if m == "gd" else 3 * np.sqrt(kappa)))}
    spec.load("momentum").part("test_iterations").visible(spec.Local(made_up), v)
    _fails("momentum", "test_iterations", made_up, v)

    from ratecheck.implementations import sgd as reference_sgd

    k_gd = int(np.ceil(get("work.gd").k_eps(sgd.EPS, L=4.0, mu=1.0, R=1.0)))
    flops = {"sgd": reference_sgd,
             "flops_to_eps": lambda m, n: float(n * k_gd * 8) if m == "gd" else 500.0 * 8}  # SGD: invented
    sv = spec.variant(spec.load("sgd"), "alice", KEY)
    spec.load("sgd").part("test_flops").visible(spec.Local(flops), sv)
    _fails("sgd", "test_flops", flops, sv)
    n_pred = float(get("work.crossover").evaluate(eps=sgd.EPS, **sgd.P))
    truth = {n: sgd.sgd_flops_rerun(spec.Local(flops), n) for n in (max(2, round(n_pred / 30)), round(10 * n_pred))}
    honest = {**flops, "flops_to_eps": lambda m, n: float(n * k_gd * 8) if m == "gd" else truth[n]}
    _passes("sgd", "test_flops", honest, sv)


def test_a_notebook_without_a_variant_is_told_to_run_from_the_top():
    with pytest.raises(AssertionError, match="VARIANT is not defined"):
        spec.check("test_derivation", {})


# ---- the grader: own variant per student, source notebook full marks as anyone ----------------------------------
@pytest.fixture(scope="module")
def gd_course(tmp_path_factory):
    return build.build(tmp_path_factory.mktemp("specs") / "course", ["gd"], release=False)


def _grade(course: Path, nb, student, name="gd"):
    from ratecheck.grading import notebook, rubric
    from ratecheck.grading.sandbox import Limits

    path = course / "sub" / student / f"{name}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    rub = rubric.load(course, name)
    sub = notebook.read(path)
    parts = rubric.grade(rub, sub.cells, Limits(call_seconds=120.0, load_seconds=120.0), ids=sub.ids,
                         cpu={g: 300.0 for g, _ in rub.parts}, student=student)
    return {p.grade_id: (p.score, p.points, p.reason) for p in parts}


def _with_derivation(nb, code):
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    (cell,) = [c for c in nb.cells if c.metadata["nbgrader"]["grade_id"] == "derivation"]
    cell.source = code
    return nb


def test_grader_holds_each_student_to_their_own_variant(gd_course):
    source = nbformat.read(gd_course / "source" / "gd" / "gd.ipynb", as_version=4)
    for student in ("alice", "bob"):  # the instructor's notebook, submitted as anyone: full marks
        scores = _grade(gd_course, source, student)
        assert all(s == p for s, p, _ in scores.values()), scores
    lookup = _with_derivation(source, 'bound = get("gd.strongly_convex")\nrate = bound.derived["rate"]\n'
                                      'k_eps = bound.iterations')
    scores = _grade(gd_course, lookup, "alice")
    assert scores["test_derivation"][0] == 0 and "rate is not the expected expression" in scores["test_derivation"][2]
    h = spec.variant_for(gd_course, "gd", "alice")["h"]
    other = next(s for s in (f"student{i}" for i in range(100)) if spec.variant_for(gd_course, "gd", s)["h"] != h)
    alices = _with_derivation(source, f"rate = 1 - sp.nsimplify({h!r}) * mu / L\n"
                                      "k_eps = sp.log(eps / R) / sp.log(rate)")
    assert _grade(gd_course, alices, "alice")["test_derivation"][0] == 2  # right for alice
    assert _grade(gd_course, alices, other)["test_derivation"][0] == 0  # copied by another student: wrong there


def test_momentum_source_scores_full_marks_as_two_students_and_a_polyak_lookup_does_not(tmp_path):
    """The momentum derivation's variant (the step h/L) end to end in the grader: the source computes from VARIANT
    and scores full marks as two students with different h; looking Polyak's parameters up scores 0 there."""
    course = build.build(tmp_path / "course", ["momentum"], release=False)
    source = nbformat.read(course / "source" / "momentum" / "momentum.ipynb", as_version=4)
    h = spec.variant_for(course, "momentum", "alice")["h"]
    other = next(s for s in (f"student{i}" for i in range(100)) if spec.variant_for(course, "momentum", s)["h"] != h)
    students = ["alice", other]
    for student in students:
        scores = _grade(course, source, student, "momentum")
        assert all(s == p for s, p, _ in scores.values()), (student, scores)
    lookup = nbformat.from_dict(json.loads(json.dumps(source)))
    (cell,) = [c for c in lookup.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "polyak"]
    cell.source = "momentum_h, rate_h = momentum_polyak, get('heavy_ball.quadratic').derived['rate_asymptotic']"
    scores = _grade(course, lookup, "alice", "momentum")
    assert scores["test_polyak"][0] == 0 and "not the expected expression" in scores["test_polyak"][2], scores
    assert scores["test_iterations"][0] == scores["test_iterations"][1]  # the rest is graded as usual


@pytest.mark.parametrize("lookup", ["from ratecheck.assignments.keys.gd import reference",
                                    "from ratecheck.assignments.spec import answer_key\n"
                                    "reference = answer_key('gd').reference"])
def test_the_sandbox_cannot_import_the_references(gd_course, lookup):
    """What the submission's process can import holds the checks' inputs, not the variant's derivations."""
    source = nbformat.read(gd_course / "source" / "gd" / "gd.ipynb", as_version=4)
    peek = _with_derivation(source, f"{lookup}\nrate = reference(VARIANT)['rate']\nk_eps = reference(VARIANT)['k_eps']")
    scores = _grade(gd_course, peek, "alice")
    assert scores["test_derivation"][0] == 0 and "rate" in scores["test_derivation"][2], scores
    assert scores["test_gd_visible"][0] == 2  # the rest of the notebook is graded as usual


def test_a_fourth_assignment_through_the_spec_alone(tmp_path):
    """acceleration: no line of grading/ names it; its source scores full marks as two students, a plausible
    wrong triple momentum passes the visible tests and fails the hidden ones."""
    from ratecheck.assignments.samples import WRONG

    grading = Path(build.__file__).parents[1] / "grading"
    assert not [p for p in grading.glob("*.py") if "acceleration" in p.read_text()]
    course = build.build(tmp_path / "course", ["acceleration"], release=False)
    source = nbformat.read(course / "source" / "acceleration" / "acceleration.ipynb", as_version=4)
    for student in ("alice", "bob"):
        scores = _grade(course, source, student, "acceleration")
        assert all(s == p for s, p, _ in scores.values()), scores
    grade_id, _, code = WRONG["acceleration"]
    (cell,) = [c for c in source.cells if c.metadata["nbgrader"]["grade_id"] == grade_id]
    cell.source = code
    scores = _grade(course, source, "alice", "acceleration")
    assert scores["test_tm_visible"][0] == 2 and scores["test_tm_hidden"][0] == 0
    assert scores["test_tm_hidden"][2].startswith("property conformance")


# ---- a course's own assignment, as the README's "Write your own assignment" tells it ----------------------------
EXAMPLE = Path(build.__file__).parents[1] / "docs" / "example_course"


def test_write_your_own_assignment_as_the_readme_says(tmp_path, monkeypatch, capsys):
    import shutil

    course = tmp_path / "course"
    shutil.copytree(EXAMPLE, course)
    assert build.main([str(course), "--assignment", "contraction", "--students", "alice,bob"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["student_releases"]) == 2 and build.leaks(course / "release") == []
    source = nbformat.read(course / "source" / "contraction" / "contraction.ipynb", as_version=4)
    for student in ("alice", "bob"):
        scores = _grade(course, source, student, "contraction")
        assert scores == {"test_q": (2.0, 2.0, "passed")}, scores
    lookup = nbformat.from_dict(json.loads(json.dumps(source)))
    (cell,) = [c for c in lookup.cells if c.metadata["nbgrader"]["grade_id"] == "answer"]
    cell.source = "q = 1 - mu / L"  # the textbook's answer for h = 1
    assert _grade(course, lookup, "alice", "contraction")["test_q"][0] == 0
    # in the notebook (run where nbgrader runs it) the test cell finds the course's spec
    monkeypatch.chdir(course / "source" / "contraction")
    ns: dict = {}
    exec("\n".join(c.source for c in source.cells if c.cell_type == "code"), ns)
    ns["q"] = SYMBOLS["mu"] / SYMBOLS["L"]  # in (0, 1): the visible check passes, the hidden one does not
    spec.check("test_q", ns)
    with pytest.raises(AssertionError, match="q is not the expected expression"):
        spec.check("test_q", ns, hidden=True)


def test_build_command_line_refuses_an_unknown_assignment_in_one_line(tmp_path, capsys):
    assert build.main([str(tmp_path / "c"), "--no-release", "--assignment", "nope"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: no assignment source") and "\n" not in err
