"""What a student's install holds: the wheel carries the specs (a notebook's visible checks run them) and neither
the solution notebooks (assignments/sources) nor the answer keys (assignments/keys), and from it a visible check
runs while a hidden one says the keys are absent."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SKIP = shutil.ignore_patterns(".venv", ".git", "build", "*.egg-info", "__pycache__", ".pytest_cache", ".ruff_cache",
                              ".hypothesis")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """ratecheck's wheel, built from a copy of the tree (the build writes build/ and egg-info beside the sources)."""
    tmp = tmp_path_factory.mktemp("wheel")
    shutil.copytree(ROOT, tmp / "src", ignore=SKIP)
    out = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                          "--quiet", "-w", str(tmp / "dist"), str(tmp / "src")], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    (built,) = (tmp / "dist").glob("ratecheck-*.whl")
    return built


def test_the_wheel_holds_the_specs_and_no_answers(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for spec in ("gd", "sgd", "momentum", "acceleration", "common"):
        assert f"ratecheck/assignments/specs/{spec}.py" in names
    assert "ratecheck/assignments/spec.py" in names and "ratecheck/grading/child.py" in names
    leaks = sorted(n for n in names if n.startswith(("ratecheck/assignments/keys/", "ratecheck/assignments/sources/")))
    assert leaks == []


CHECK = """
import os, sympy as sp
import ratecheck
from ratecheck.assignments import spec
assert ratecheck.__file__.startswith(os.environ["PYTHONPATH"]), ratecheck.__file__
L, mu, R, eps = sp.symbols("L mu R eps", positive=True)
rate = 1 - sp.Rational(1, 2) * mu / L
ns = {"VARIANT": spec.default_variant("gd"), "rate": rate, "k_eps": sp.log(eps / R) / sp.log(rate)}
spec.check("test_derivation", ns)
try:
    spec.check("test_derivation", ns, hidden=True)
except spec.KeysMissing as exc:
    print("hidden:", exc)
"""


def from_wheel(wheel: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """`python *args` with ratecheck imported from the unpacked wheel (PYTHONPATH comes before the editable
    install's finder, which is appended to sys.meta_path)."""
    site = tmp_path / "site"
    if not site.is_dir():
        zipfile.ZipFile(wheel).extractall(site)
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=tmp_path,
                          env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"})


def test_from_the_wheel_visible_checks_run_and_hidden_ones_need_the_keys(wheel, tmp_path):
    out = from_wheel(wheel, tmp_path, "-c", CHECK)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "test_derivation: visible checks passed" in out.stdout
    assert "hidden: the answer key of assignment 'gd' is not in this install" in out.stdout


def test_from_the_wheel_building_a_course_says_where_the_sources_are(wheel, tmp_path):
    for extra in ([], ["--assignment", "gd"]):
        out = from_wheel(wheel, tmp_path, "-m", "ratecheck.assignments.build", str(tmp_path / "course"), *extra)
        assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr[-2000:]
        assert "holds no assignment sources" in out.stderr and "source tree" in out.stderr


GRADE = """
import sys
from ratecheck.grading import rubric
try:
    rubric.load(sys.argv[1], "gd")
except ValueError as exc:
    print("refused:", exc)
"""


def test_from_the_wheel_the_grader_refuses_rather_than_scoring_hidden_parts_zero(wheel, tmp_path):
    from ratecheck.assignments import build

    course = build.build(tmp_path / "course", ["gd"], release=False)
    out = from_wheel(wheel, tmp_path, "-c", GRADE, str(course))
    assert out.returncode == 0, out.stderr[-3000:]
    assert "refused: the answer key of assignment 'gd' is not in this install" in out.stdout
