"""ratecheck.methods: the registry, the teaching-form signature as data, update rules, and that a method is one
file (a new module in the package is found and checked without touching anything else)."""

from __future__ import annotations

import inspect
import json
import re
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from ratecheck import methods
from ratecheck.checks import check
from ratecheck.checks.methods import prescribed
from ratecheck.checks.properties.conformance import follows
from ratecheck.checks.strategies import FAMILIES
from ratecheck.implementations import CountedOracle, quadratic_worst_case
from ratecheck.methods import Signature
from ratecheck.theory import ids
from ratecheck.theory.pep.specs import SPECS

ROOT = Path(__file__).resolve().parents[1]


def test_registry_names_and_aliases():
    names = methods.names()
    assert [n for n in names if n in ("gd", "heavy-ball", "nesterov", "sgd")] == ["gd", "heavy-ball", "nesterov", "sgd"]
    assert len(set(names)) == len(names) == len(methods.all_methods())
    assert methods.get("heavy_ball") is methods.get("heavy-ball")
    assert methods.get("gradient_descent").name == "gd"
    m = methods.get("sgd")
    assert methods.get(m) is m
    with pytest.raises(ValueError, match=r"unknown method 'adam'; expected one of gd, heavy-ball"):
        methods.get("adam")


@pytest.mark.parametrize("m", methods.all_methods(), ids=lambda m: m.name)
def test_settings_are_consistent_with_the_theory(m):
    for s in m.settings:
        assert s.method == m.name and s.bound_id in ids() and s.family in FAMILIES
        assert s.lower_bound is None or s.lower_bound in ids()
        if s.bound_id in SPECS:  # the method names the builder the certification uses
            builder = SPECS[s.bound_id].builder
            assert s.pep == (builder if ":" in builder else f"builders:{builder}")
        for inst in s.tight():
            assert inst.x0.shape == (inst.problem.d,)
    assert callable(m.reference) and m.signature.hyperparameters


def test_signature_data_is_json_and_calls_like_the_method():
    data = methods.get("sgd").signature_data()
    assert json.loads(json.dumps(data)) == data
    assert data == {"method": "sgd", "text": "sgd(grad_i, n, x0, lr, steps, rng, batch_size=1)", "oracle": "grad_i",
                    "oracles": ["grad_i"], "params": ["lr", "batch_size"], "extra": ["n", "rng"],
                    "args": ["grad_i", "n", "x0", "lr", "steps", "rng"], "kwargs": {"batch_size": 1},
                    "steps": "steps", "stochastic": True}
    hb = methods.get("heavy-ball").signature_data()
    assert (hb["oracle"], hb["params"], hb["extra"]) == ("grad", ["lr", "momentum"], [])
    # a process holding only the data calls the function exactly as Method.call does
    problem, x0 = quadratic_worst_case(2, 1.0, 10.0, 0, which="max")
    m = methods.get("heavy-ball")
    hp = {"lr": 0.1, "momentum": 0.5}
    direct = m.call(m.reference, CountedOracle(problem), x0, hp, 7)
    env = {"grad": CountedOracle(problem).grad, "x0": x0, "steps": 7, **hp}
    from_data = m.reference(*[env[a] for a in hb["args"]], **{k: env.get(k, d) for k, d in hb["kwargs"].items()})
    np.testing.assert_array_equal(direct, from_data)


def test_signature_bind_and_errors():
    sig = methods.get("sgd").signature
    assert sig.bind("G", 4, "X", 0.1, 3, "R") == {"grad_i": "G", "n": 4, "x0": "X", "lr": 0.1, "steps": 3,
                                                  "rng": "R", "batch_size": 1}
    assert sig.bind("G", 4, "X", 0.1, 3, "R", batch_size=2)["batch_size"] == 2
    proxy = sig.function(lambda env: env, "proxy")  # e.g. a sandbox forwarding any method's call
    assert proxy("G", 4, "X", 0.1, 3, "R")["batch_size"] == 1 and proxy.__name__ == "proxy"
    assert str(inspect.signature(proxy)) == "(grad_i, n, x0, lr, steps, rng, batch_size=1)"
    with pytest.raises(ValueError, match="no value for rng"):
        sig.arguments({"grad_i": 1, "n": 1, "x0": 1, "lr": 1, "steps": 1})
    with pytest.raises(ValueError, match="needs x0"):
        Signature(("grad", "lr", "steps"))
    with pytest.raises(ValueError, match="repeats"):
        Signature(("grad", "x0", "lr", "lr", "steps"))


@pytest.mark.parametrize("name", ["gd", "heavy-ball", "nesterov", "sgd"])
def test_update_rule_reproduces_the_reference_and_rejects_a_perturbed_run(name):
    m = methods.get(name)
    setting = m.settings[-1]
    problem, x0 = (quadratic_worst_case(2, 1.0, 10.0, 0, which="max") if not m.stochastic else (None, None))
    if m.stochastic:
        from ratecheck.implementations import noisy_quadratic

        problem = noisy_quadratic(2, 1.0, 4.0, 0.5, 0, n=8)
        x0 = problem.x_star + 1.0
    drawn = {"eta": 0.2, "b": 3}  # used by the settings that leave them free
    hp = prescribed(setting, problem, drawn)
    oracle = CountedOracle(problem, record=True)
    xs = np.asarray(m.call(m.reference, oracle, x0, hp, 12, np.random.default_rng(0)))
    assert follows(m, xs, oracle.log, hp) is None
    bad = xs.copy()
    bad[5] += 1e-3
    assert follows(m, bad, oracle.log, hp).startswith("step 4:")


def test_no_switch_on_a_method_name_or_bound_id_outside_the_method_files():
    pattern = re.compile(r"""\b(method|bound_id)\s*(==|!=|\bin\b|\bnot in\b)\s*[("'{]""")
    sources = [*ROOT.joinpath("checks").rglob("*.py"), *ROOT.joinpath("reports").rglob("*.py"), ROOT / "cli.py",
               ROOT / "assignments" / "hidden.py"]
    hits = [f"{p.relative_to(ROOT)}:{i}" for p in sources for i, line in enumerate(p.read_text().splitlines(), 1)
            if pattern.search(line)]
    assert hits == []


TOY = '''
"""A toy method for the test: gradient descent under another name (one file is all it takes)."""
from ratecheck.methods import Method, Setting, Signature
from ratecheck.methods._parts import one_gradient_per_step, one_query_per_step
from ratecheck.methods.gd import update

METHOD = Method(
    name="toy-descent", summary="gradient descent again", signature=Signature(("grad", "x0", "lr", "steps")),
    settings=(Setting("toy-descent", "convex", "gd.convex", "convex"),), update=update,
    group=one_query_per_step("grad"), budget=one_gradient_per_step("toy-descent"),
    reference_target="ratecheck.implementations:gradient_descent")
'''


@pytest.fixture
def toy_method(tmp_path):
    (tmp_path / "toy_descent.py").write_text(textwrap.dedent(TOY))
    methods.__path__.append(str(tmp_path))
    methods._registry.cache_clear()
    try:
        yield methods.get("toy-descent")
    finally:
        methods.__path__.remove(str(tmp_path))
        methods._registry.cache_clear()
        sys.modules.pop("ratecheck.methods.toy_descent", None)


def test_a_new_method_file_is_found_and_checked(toy_method):
    assert "toy-descent" in methods.names()
    report = check(toy_method.reference, "toy-descent", properties=["conformance", "discipline"], max_examples=3)
    assert report.passed and report.method == "toy-descent"
    assert {r.setting for r in report.results} == {"convex"}


def test_method_validation():
    gd = methods.get("gd")
    with pytest.raises(ValueError, match="regime 'nowhere' is not one of its settings"):
        type(gd)(**{**gd.__dict__, "regime": "nowhere"})
    with pytest.raises(ValueError, match="has no setting 'constant'"):
        gd.setting("constant")


def test_pep_builder_is_imported_on_use():
    pytest.importorskip("PEPit")
    from ratecheck.theory.pep import builders

    assert methods.get("gd").setting("quadratic").pep_builder() is builders.gd_quadratic
    with pytest.raises(ValueError, match="has no PEPit builder"):
        methods.get("gd").setting("quadratic").__class__("gd", "x", "gd.convex", "convex").pep_builder()
