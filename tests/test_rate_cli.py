"""`ratecheck rate SPEC.py:NAME` and `ratecheck check IMPL --method SPEC.py:NAME`: output, JSON, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from ratecheck.cli import main

SPECS = '''
from ratecheck.methods import multistep
half = multistep("half-nesterov", {"lr": "1/L", "momentum": "(sqrt(L/mu) - 1)/(sqrt(L/mu) + 1)"},
                 x=["1 + momentum", "-momentum"], y=["1 + momentum/2", "-momentum/2"], step="lr")
number = 3
'''
IMPL = '''
import numpy as np

def good(grad, x0, lr, momentum, steps):
    xs = [np.asarray(x0, float)] * 2
    for _ in range(steps):
        x, prev = xs[-1], xs[-2]
        xs.append(x + momentum * (x - prev) - lr * grad(x + momentum / 2 * (x - prev)))
    return np.array(xs[1:])

def wrong(grad, x0, lr, momentum, steps):  # the full look-ahead: Nesterov's, not this method
    xs = [np.asarray(x0, float)] * 2
    for _ in range(steps):
        x, prev = xs[-1], xs[-2]
        xs.append(x + momentum * (x - prev) - lr * grad(x + momentum * (x - prev)))
    return np.array(xs[1:])
'''


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "specs.py").write_text(SPECS)
    (tmp_path / "impl.py").write_text(IMPL)
    return tmp_path


def test_rate_json_has_the_documented_keys(files: Path) -> None:
    pytest.importorskip("PEPit")
    res = CliRunner().invoke(main, ["rate", f"{files}/specs.py:half", "--json", "--pep-steps", "3"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    for key in ("quadratic_rate", "quadratic_rate_expr", "strongly_convex_rate", "strongly_convex_constant",
                "pep_worst_case"):
        assert key in data
    assert 0 < data["quadratic_rate"] <= data["strongly_convex_rate"] < 1
    assert [k for k, _ in data["pep_worst_case"]] == [1, 2, 3]
    for k, worst in data["pep_worst_case"]:
        assert worst <= (data["strongly_convex_constant"] * data["strongly_convex_rate"] ** k) ** 2


def test_rate_table(files: Path) -> None:
    pytest.importorskip("PEPit")
    res = CliRunner().invoke(main, ["rate", f"{files}/specs.py:half", "--pep-steps", "2"])
    assert res.exit_code == 0, res.output
    assert "quadratics:" in res.output and "IQC certificate, verified" in res.output and "PEPit" in res.output


@pytest.mark.parametrize(("args", "message"), [
    (["--mu", "10", "--L", "10"], "need mu < L"),
    (["--mu", "-1"], "must be positive"),
])
def test_rate_bad_constants(files: Path, args: list[str], message: str) -> None:
    res = CliRunner().invoke(main, ["rate", f"{files}/specs.py:half", *args])
    assert res.exit_code == 2 and message in res.output


@pytest.mark.parametrize(("spec", "message"), [
    ("specs.py:number", "not a multistep spec"),
    ("specs.py:missing", "holds nothing"),
    ("nofile.py:half", "file not found"),
    ("bad_sum.py:m", "sum to"),
])
def test_rate_bad_spec(files: Path, spec: str, message: str) -> None:
    (files / "bad_sum.py").write_text("from ratecheck.methods import multistep\n"
                                      "m = multistep('m', {'lr': '1/L'}, x=[1, 1], y=[1, 0], step='lr')\n")
    res = CliRunner().invoke(main, ["rate", f"{files}/{spec}"])
    assert res.exit_code == 2 and message in res.output


def test_check_against_a_user_spec(files: Path) -> None:
    args = ["--method", f"{files}/specs.py:half", "--property", "conformance", "--max-examples", "3"]
    good = CliRunner().invoke(main, ["check", f"{files}/impl.py:good", *args])
    wrong = CliRunner().invoke(main, ["check", f"{files}/impl.py:wrong", *args])
    assert good.exit_code == 0, good.output
    assert wrong.exit_code == 1 and "queried" in wrong.output
    unknown = CliRunner().invoke(main, ["check", f"{files}/impl.py:good", "--method", "nope"])
    assert unknown.exit_code == 2 and "is not one of" in unknown.output


def test_check_against_a_user_spec_in_worker_processes(files: Path) -> None:
    """--jobs 2 sends the spec to spawned workers (it pickles by its arguments) and the target by its string:
    the verdicts and messages are those of the serial run, and the wrong implementation still fails."""
    args = ["--method", f"{files}/specs.py:half", "--property", "conformance", "--property", "bound",
            "--max-examples", "3", "--json"]
    runs = {(impl, jobs): CliRunner().invoke(main, ["check", f"{files}/impl.py:{impl}", *args, "--jobs", jobs])
            for impl in ("good", "wrong") for jobs in ("1", "2")}
    for impl, code in (("good", 0), ("wrong", 1)):
        serial, parallel = (runs[impl, j] for j in ("1", "2"))
        assert serial.exit_code == parallel.exit_code == code, parallel.output
        rows = [[(r["property"], r["setting"], r["verdict"], r["message"]) for r in json.loads(run.output)["results"]]
                for run in (serial, parallel)]
        assert rows[0] == rows[1]
