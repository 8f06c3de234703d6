"""Parallel checks (--jobs N, --scheduler ADDRESS) give the serial results: every (property, setting) unit is
deterministic on its own, wherever and in whatever order it runs. Only the wall times differ."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest
from click.testing import CliRunner
from ratecheck.checks import check
from ratecheck.checks.api import units
from ratecheck.checks.config import Config
from ratecheck.checks.mutants import gd_half_step, sgd_sum_not_mean
from ratecheck.checks.parallel import execute
from ratecheck.checks.verify import verify
from ratecheck.cli import main
from ratecheck.implementations import nesterov
from ratecheck.methods import get

SMALL = {"max_examples": 3, "replicates": 64}
SLOW_GD = """
import numpy as np

def gd(grad, x0, lr, steps):
    xs = [np.array(x0, dtype=float)]
    for _ in range(steps):
        xs.append(xs[-1] - 0.5 * lr * grad(xs[-1]))
    return np.array(xs)
"""


def plain(obj):
    """A report's data without the wall times."""
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items() if k != "seconds"}
    if isinstance(obj, list):
        return [plain(v) for v in obj]
    return obj


def test_processes_give_the_serial_results_for_failing_and_passing_properties():
    config = Config().with_(**SMALL)
    work = [*units(get("gd"), gd_half_step, config, ["bound", "conformance", "impossibility"]),
            *units(get("sgd"), sgd_sum_not_mean, config, ["statistics", "discipline"])]
    serial = execute(work)
    parallel = execute(work, jobs=2)  # one pool for both methods, as verify does
    assert {r.verdict for r in serial} == {"pass", "fail", "skipped"}  # skipped: bound/statistics on nonconvex
    assert [plain(asdict(r)) for r in parallel] == [plain(asdict(r)) for r in serial]


# Two worker threads in one process: Hypothesis notices the other thread's use of the global random state and
# warns; the units do not use it (numpy Generators from drawn seeds), so the results stay the serial ones.
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
def test_dask_local_cluster_gives_the_serial_verify():
    distributed = pytest.importorskip("distributed")
    config = Config().with_(**SMALL)
    serial = verify(config, methods=["heavy-ball", "nesterov"])
    with distributed.LocalCluster(n_workers=2, processes=False, threads_per_worker=1,
                                  dashboard_address=None) as cluster:
        labels: list[str] = []
        on_cluster = verify(config, labels.append, scheduler=cluster.scheduler_address,
                            methods=["heavy-ball", "nesterov"])
        one = check(nesterov, "nesterov", properties=["conformance"], scheduler=cluster.scheduler_address, **SMALL)
    assert [plain(r.to_dict()) for r in on_cluster] == [plain(r.to_dict()) for r in serial]
    assert len(labels) == sum(len(r.results) for r in serial)  # advance() as each unit finished
    assert one.passed and [r.setting for r in one.results] == ["convex", "strongly_convex"]


def test_cli_check_with_jobs_loads_a_file_target_in_the_workers(tmp_path):
    (tmp_path / "slow.py").write_text(SLOW_GD)
    args = ["check", f"{tmp_path / 'slow.py'}:gd", "--method", "gd", "--property", "bound", "--property",
            "discipline", "--max-examples", "3", "--json"]
    serial = CliRunner().invoke(main, args)
    parallel = CliRunner().invoke(main, [*args, "--jobs", "2"])
    assert serial.exit_code == parallel.exit_code == 1, parallel.output
    assert plain(json.loads(parallel.stdout)) == plain(json.loads(serial.stdout))


def test_an_unpicklable_optimizer_is_a_clear_error():
    def local_gd(grad, x0, lr, steps):  # a closure: not importable by another process
        return gd_half_step(grad, x0, 2 * lr, steps)

    with pytest.raises(ValueError, match=r"cannot be pickled.*jobs=1"):
        check(local_gd, "gd", properties=["bound", "discipline"], jobs=2, **SMALL)
    for command in ("check", "verify"):
        res = CliRunner().invoke(main, [command, "--help"])
        assert res.exit_code == 0 and "--scheduler" in res.output and "--jobs" in res.output
    bad = CliRunner().invoke(main, ["verify", "--jobs", "0"])
    assert bad.exit_code == 2 and "--jobs" in bad.output
