"""Reports beyond convexity: the real-data regime measurement and the network run, in tiny configurations."""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("sklearn")


def test_real_data_regime_rows_and_figure():
    from ratecheck.implementations import gradient_descent
    from ratecheck.implementations.problems.datasets import dataset_problem, load
    from ratecheck.reports.real_data import measure_real_data, real_data_figure
    from ratecheck.theory import get

    points = measure_real_data("wine", fractions=(0.5,), eps_rel={"convex": (0.3,), "nonconvex": (0.1,)}, runs=4)
    assert [p["kind"] for p in points] == ["convex", "nonconvex"]
    for p in points:
        assert p["n"] == 89 and p["predicted"] in ("gd", "sgd") and p["measured"] in ("gd", "sgd")
        assert math.isfinite(p["gd_work"]) and p["gd_work"] % p["n"] == 0  # whole GD steps of n each
        assert p["n_star_bound"] > p["n_star"]  # the proven variance bound is the larger sigma^2
    convex = points[0]
    # GD's work re-measured independently: the first k with ||x_k - x*||^2 <= eps, times n
    problem = dataset_problem(load("wine").subsample(89, 0), "convex", 0.1)
    xs = gradient_descent(problem.grad, np.zeros(problem.d), 1 / problem.L, 400)
    k = int(np.argmax(np.sum((xs - problem.x_star) ** 2, axis=1) <= convex["eps"]))
    assert convex["gd_work"] == 89 * k
    assert convex["n_star"] == pytest.approx(float(get("work.crossover").evaluate(
        eps=convex["eps"], L=problem.L, mu=0.1, sigma=math.sqrt(problem.sigma2_star), R=math.sqrt(convex["R2"]))))
    wrong_k = k - 1  # an off-by-one count would not have reached eps yet
    assert np.sum((xs[wrong_k] - problem.x_star) ** 2) > convex["eps"]
    fig = real_data_figure(points)
    labels = {line.get_label() for ax in fig.axes for line in ax.get_lines()}
    assert "predicted n* (sigma^2 measured)" in labels and "predicted n* (sigma^2 bound)" in labels


def test_network_run_estimates_and_report():
    pytest.importorskip("torch")
    import torch
    from ratecheck.reports.network import network_figure, network_text, train

    run = train(hidden=2, steps=20, batch=16, lr=0.5, every=10, power_iters=60)
    assert len(run.grad_sq) == 21 and run.ks == [0, 10, 20] and run.params == 61 * 2 + 2 + 2 * 10 + 10
    # the power-iteration estimate against the exact Hessian at x_0 (same seed, same initial weights)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(61, 2), torch.nn.Tanh(), torch.nn.Linear(2, 10)).double()
    from ratecheck.implementations.problems.datasets import load
    from sklearn.datasets import load_digits
    from torch.func import functional_call

    X = torch.tensor(np.asarray(load("digits").A[:, :-1]))
    y = torch.tensor(load_digits().target, dtype=torch.long)
    shapes = [(nm, p.shape, p.numel()) for nm, p in model.named_parameters()]
    flat0 = torch.cat([p.detach().reshape(-1) for p in model.parameters()])

    def loss(flat):
        ps, i = {}, 0
        for nm, shape, size in shapes:
            ps[nm] = flat[i:i + size].reshape(shape)
            i += size
        return torch.nn.functional.cross_entropy(functional_call(model, ps, (X,)), y)

    H = torch.autograd.functional.hessian(loss, flat0)
    exact = float(torch.linalg.eigvalsh(H).abs().max())
    assert run.L_est[0] == pytest.approx(exact, rel=1e-3)
    assert run.grad_sq[0] == pytest.approx(float((torch.autograd.grad(loss(flat0.requires_grad_()), flat0)[0] ** 2)
                                                 .sum()), rel=1e-10)
    np.testing.assert_allclose(run.running_mean, np.cumsum(run.grad_sq[:-1]) / np.arange(1, 21))
    b = run.bound()
    assert b is not None and b.shape == (20,)
    text = network_text(run)
    assert "ESTIMATED" in text and "global L fails" in text and "f_low = 0 holds" in text
    network_figure(run)
    # a step beyond 2/L_est voids the bound, and the report says so
    wild = train(hidden=2, steps=2, batch=16, lr=2.5 / run.L_est[0], every=1, power_iters=30)
    assert wild.bound() is None and "does not apply" in network_text(wild)


def test_cli_regime_data_and_network(tmp_path):
    from click.testing import CliRunner
    from ratecheck.cli import main

    runner = CliRunner()
    out = runner.invoke(main, ["regime", "--data", "wine", "--n", "40", "--eps", "0.3", "--report", str(tmp_path)])
    assert out.exit_code == 0, out.output
    assert "GD vs SGD on wine" in out.output and "nonconvex: theory and measurement agree" in out.output
    assert (tmp_path / "regime_wine.png").exists() and (tmp_path / "regime_wine.json").exists()
    bad = runner.invoke(main, ["regime", "--data", "wine", "--n", "500"])
    assert bad.exit_code == 2 and "2 <= n <= 178" in bad.output
    assert runner.invoke(main, ["regime", "--data", "iris"]).exit_code == 2
    pytest.importorskip("torch")
    net = runner.invoke(main, ["network", "--steps", "3", "--hidden", "2", "--report", str(tmp_path)])
    assert net.exit_code == 0, net.output
    assert "L ESTIMATED" in net.output and (tmp_path / "network.json").exists()
