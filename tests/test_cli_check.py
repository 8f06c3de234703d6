"""`ratecheck check TARGET --method ...`: targets, exit codes 0/1/2, --json, clean usage errors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from ratecheck.checks import METHODS
from ratecheck.cli import CHECK_METHODS, main

GOOD_GD = """
import numpy as np

def gd(grad, x0, lr, steps):
    xs = [np.array(x0, dtype=float)]
    for _ in range(steps):
        xs.append(xs[-1] - lr * grad(xs[-1]))
    return np.array(xs)
"""
SLOW_GD = GOOD_GD.replace("- lr * grad", "- 0.5 * lr * grad")  # keeps converging, slower than the theory says
QUICK = ["--property", "bound", "--property", "conformance", "--max-examples", "3"]


def run(*args: str):
    return CliRunner().invoke(main, ["check", *args])


@pytest.fixture
def files(tmp_path):
    (tmp_path / "good.py").write_text(GOOD_GD)
    (tmp_path / "slow.py").write_text(SLOW_GD)
    return tmp_path


def test_methods_match_the_checker():
    assert CHECK_METHODS == METHODS


def test_file_target_passes_and_wrong_one_fails_with_counterexample(files):
    ok = run(f"{files / 'good.py'}:gd", "--method", "gd", *QUICK)
    assert ok.exit_code == 0, ok.output
    assert "PASSED" in ok.stdout
    bad = run(f"{files / 'slow.py'}:gd", "--method", "gd", *QUICK)
    assert bad.exit_code == 1, bad.output
    assert "FAILED" in bad.stdout and "counterexample for bound" in bad.stdout
    assert "hyperparameters: lr=" in bad.stdout


def test_module_target_and_json():
    res = run("ratecheck.implementations:gradient_descent", "--method", "gd", "--json", "--seed", "3", *QUICK)
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["passed"] is True and data["seed"] == 3
    assert data["target"] == "ratecheck.implementations:gradient_descent"
    assert {r["property"] for r in data["results"]} == {"bound", "conformance"}


def test_json_failure_exit_1(files):
    res = run(f"{files / 'slow.py'}:gd", "--method", "gd", "--json", *QUICK)
    assert res.exit_code == 1
    data = json.loads(res.stdout)
    assert data["passed"] is False
    assert any(r["counterexample"] for r in data["results"])


def test_torch_nesterov_passes_with_skipped_fista():
    res = run("torch.optim:SGD", "--method", "nesterov", "--set", "nesterov=true", *QUICK)
    assert res.exit_code == 0, res.output
    assert "[skipped] bound / convex" in res.stdout and "momentum schedule" in res.stdout
    assert "[pass] bound / strongly_convex" in res.stdout


def test_torch_dampening_fails_heavy_ball():
    res = run("torch.optim:SGD", "--method", "heavy-ball", "--set", "dampening=0.5", "--property", "conformance",
              "--max-examples", "3")
    assert res.exit_code == 1
    assert "does not follow the heavy-ball update" in res.stdout


def test_optax_heavy_ball_passes():
    res = run("optax:sgd", "--method", "heavy-ball", *QUICK)
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize(("args", "message"), [
    (["nowhere", "--method", "gd"], "must be 'path/to/file.py:function' or 'module:attr'"),
    (["missing.py:gd", "--method", "gd"], "file not found"),
    (["no_such_module_xyz:f", "--method", "gd"], "cannot import module 'no_such_module_xyz'"),
    (["ratecheck.implementations:gradient_decent", "--method", "gd"], "did you mean gradient_descent"),
    (["ratecheck.implementations:gradient_descent", "--method", "adam"], "'adam' is not one of"),
    (["ratecheck.implementations:gradient_descent"], "Missing option '--method'"),
    (["ratecheck.implementations:gradient_descent", "--method", "gd", "--set", "nesterov=true"],
     "torch.optim and optax targets only"),
    (["torch.optim:SGD", "--method", "gd", "--set", "nesterov"], "--set expects key=value"),
    (["torch.optim:SGD", "--method", "gd", "--set", "lr=1"], "come from the theory"),
    (["ratecheck.checks.methods:METHODS", "--method", "gd"], "not callable"),
    (["collections:OrderedDict", "--method", "gd"], "not a torch.optim.Optimizer subclass"),
    (["ratecheck.implementations:gradient_descent", "--method", "gd", "--property", "speed"], "unknown properties"),
    (["ratecheck.implementations:gradient_descent", "--method", "gd", "--setting", "noisy"], "has no setting"),
])
def test_usage_errors_exit_2_without_traceback(args, message):
    res = run(*args)
    assert res.exit_code == 2, res.output
    assert message in " ".join(res.output.split())  # click wraps long messages
    assert "Traceback" not in res.output


def test_console_script_end_to_end(files):
    import subprocess
    import sys
    from pathlib import Path

    exe = Path(sys.executable).with_name("ratecheck")
    res = subprocess.run([str(exe), "check", f"{files / 'slow.py'}:gd", "--method", "gd", *QUICK],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 1, res.stderr
    assert "counterexample for bound" in res.stdout and "Traceback" not in res.stderr
