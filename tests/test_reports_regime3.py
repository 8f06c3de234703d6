"""The three-way regime map (reports/regime3.py): far from the predicted boundaries the measured cheapest method
is the predicted one, for each of GD, SGD and SVRG; a wrong SVRG count would mispredict; the figure draws."""

from __future__ import annotations

import json
import math

import numpy as np
from ratecheck.reports.regime3 import P3, measure_regimes3, regime3_figure
from ratecheck.theory.work import works

POINTS = [(10, 1e-2, "gd"), (100_000, 1e-2, "sgd"), (1000, 1e-4, "svrg")]


def test_each_method_wins_where_predicted_and_the_figure_draws():
    points = []
    for n, eps, winner in POINTS:
        (p,) = measure_regimes3([n], [eps])
        assert p["predicted"] == winner and p["measured"] == winner, p
        points.append(p)
    # a wrong SVRG count with GD's n kappa scaling, (n kappa/2) log2(kappa R^2/eps), predicts GD at the SVRG point
    n, eps = 1000, 1e-4
    wrong_svrg = n * P3["L"] / P3["mu"] / 2 * math.log2(P3["L"] / P3["mu"] * P3["R"] ** 2 / eps)
    right = works(n, eps, **P3)
    assert wrong_svrg > right["gd"] and points[2]["measured"] == "svrg"
    fig = regime3_figure(points)
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert {"GD measured cheapest", "SGD measured cheapest", "SVRG measured cheapest"} <= set(labels)
    json.loads(json.dumps(points))  # plain data (inf as Infinity), as the CLI writes it
    assert all(np.isfinite(p[f"{p['measured']}_work"]) for p in points)


def test_cli_regime_svrg_prints_the_three_way_table_and_writes_the_figure(tmp_path):
    from click.testing import CliRunner
    from ratecheck.cli import main

    out = CliRunner().invoke(main, ["regime", "--svrg", "--n", "10", "--n", "1000", "--eps", "1e-4",
                                    "--report", str(tmp_path)])
    assert out.exit_code == 0, out.output
    assert "SVRG work" in out.output and "agreement between theory and measurement: 100% of 2 points" in out.output
    points = json.loads((tmp_path / "regime3.json").read_text())
    assert [p["measured"] for p in points] == ["gd", "svrg"] and (tmp_path / "regime3.png").stat().st_size > 0
    bad = CliRunner().invoke(main, ["regime", "--svrg", "--data", "wine"])
    assert bad.exit_code == 2 and "--svrg and --data do not combine" in bad.output
