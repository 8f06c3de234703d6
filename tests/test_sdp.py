"""theory/sdp.py: cvxpy imported through ratecheck lists the same solvers, without loading jax for MPAX's probe."""

import json
import subprocess
import sys

import pytest

pytest.importorskip("cvxpy")

REPORT = "import json, sys, cvxpy; print(json.dumps([cvxpy.installed_solvers(), 'jax' in sys.modules]))"


def _run(code: str) -> list:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_same_solvers_and_no_jax():
    plain_solvers, _ = _run(REPORT)
    solvers, jax_loaded = _run("import ratecheck.theory.iqc\n" + REPORT)
    assert solvers == plain_solvers
    assert "CLARABEL" in solvers
    assert not jax_loaded


def test_hook_is_one_shot_and_matches_only_cvxpy_probe():
    code = ("import sys\nfrom ratecheck.theory import sdp\nsdp.skip_jax_probe()\nassert sdp._FINDER in sys.meta_path\n"
            "import cvxpy\nfrom cvxpy.reductions.solvers.qp_solvers.mpax_qpif import MPAX\n"
            "import json; print(json.dumps([sdp._FINDER in sys.meta_path, MPAX.import_solver is sdp._mpax_first]))")
    assert _run(code) == [False, True]
