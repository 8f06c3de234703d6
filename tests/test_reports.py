"""Reports: the HTML references images that exist and decode; each figure holds the expected series."""

from __future__ import annotations

import json
import re

import matplotlib.image as mpimg
import numpy as np
import pytest
from click.testing import CliRunner
from ratecheck.checks import check
from ratecheck.checks.mutants import gd_half_step
from ratecheck.cli import main
from ratecheck.implementations import heavy_ball
from ratecheck.reports import counterexample_figure, ratio_histogram, regime_figure, trajectory_figure, write_html
from ratecheck.reports.regime import measure_regimes, predicted_n_star


@pytest.fixture(scope="module")
def reports():
    good = check(heavy_ball, "heavy-ball", properties=["bound", "discipline"])
    bad = check(gd_half_step, "gd", properties=["bound"], settings=["strongly_convex"])
    return good, bad


def _lines(fig):
    return {ln.get_label(): ln for ln in fig.axes[0].get_lines()}


def test_html_references_images_that_exist_and_decode(reports, tmp_path):
    index = write_html(list(reports), tmp_path, extra={"note": "test"})
    text = index.read_text()
    srcs = re.findall(r"<img src='([^']+)'", text)
    assert len(srcs) >= 4  # trajectories + histogram for the pass, trajectories + counterexample for the fail
    for src in srcs:
        img = mpimg.imread(tmp_path / src)
        assert img.ndim == 3 and img.shape[0] > 100 and img.shape[1] > 100
    assert "FAILED: bound / strongly_convex" in text and "at k=" in text
    assert "profile" in text and "derandomised" in text and "hypothesis" in text  # how to reproduce


def test_trajectory_figure_holds_the_worst_example(reports):
    res = reports[0].results[0]
    fig = trajectory_figure(res)
    lines = _lines(fig)
    worst = res.details["examples"][res.details["worst"]]
    scale = worst["bound"][0]
    (obs,) = [ln for label, ln in lines.items() if label.startswith("worst observed")]
    np.testing.assert_allclose(obs.get_xdata(), worst["k"])
    np.testing.assert_allclose(obs.get_ydata(), np.array(worst["observed"]) / scale)
    np.testing.assert_allclose(lines["bound (worst example)"].get_ydata(), np.array(worst["bound"]) / scale)
    assert len(fig.axes[0].get_lines()) == len(res.details["examples"]) + 1  # every example + the bound


def test_ratio_histogram_counts_every_example(reports):
    res = reports[0].results[0]
    fig = ratio_histogram([res])
    heights = sum(p.get_height() for p in fig.axes[0].patches)
    assert heights == len([r for r in res.details["ratios"] if r > 0])


def test_counterexample_figure_marks_the_breaking_step(reports):
    ce = reports[1].results[0].counterexample
    lines = _lines(counterexample_figure(ce))
    np.testing.assert_allclose(lines["observed"].get_ydata(), ce.observed_curve)
    np.testing.assert_allclose(lines["bound"].get_ydata(), ce.bound_curve)
    assert lines["bound"].get_xdata()[0] == ce.bound_start
    assert lines[f"breaks at k={ce.step}"].get_xdata()[0] == ce.step


def test_regime_map_agrees_far_from_the_crossover_and_draws_it(tmp_path):
    points = measure_regimes([8, 8000], [0.03])
    assert [p["predicted"] for p in points] == ["gd", "sgd"]
    assert all(p["agree"] for p in points)
    fig = regime_figure(points)
    curve = _lines(fig)["predicted crossover n*(eps)"]
    eps = np.asarray(curve.get_ydata())
    np.testing.assert_allclose(curve.get_xdata(), [predicted_n_star(e) for e in eps])
    out = CliRunner().invoke(main, ["regime", "--n", "8", "--n", "8000", "--eps", "0.03", "--report", str(tmp_path)])
    assert out.exit_code == 0, out.output
    assert "agreement between theory and measurement: 100% of 2 points" in out.output
    assert mpimg.imread(tmp_path / "regime.png").ndim == 3
    assert len(json.loads((tmp_path / "regime.json").read_text())) == 2


def test_verify_writes_a_report(tmp_path):
    out = CliRunner().invoke(main, ["verify", "--report", str(tmp_path / "r")])
    assert out.exit_code == 0, out.output
    text = (tmp_path / "r" / "index.html").read_text()
    for method in ("gd", "heavy-ball", "nesterov", "sgd"):
        assert f"<h2>{method}:" in text
    assert all((tmp_path / "r" / src).exists() for src in re.findall(r"<img src='([^']+)'", text))


def test_check_writes_a_report_with_the_counterexample(tmp_path):
    out = CliRunner().invoke(main, ["check", "ratecheck.checks.mutants:gd_half_step", "--method", "gd",
                                    "--property", "bound", "--report", str(tmp_path)])
    assert out.exit_code == 1, out.output
    text = (tmp_path / "index.html").read_text()
    assert "FAILED: bound" in text and "counterexample" in text
    srcs = re.findall(r"<img src='([^']+)'", text)
    assert any("counterexample" in s for s in srcs)
    assert all(mpimg.imread(tmp_path / s).ndim == 3 for s in srcs)
