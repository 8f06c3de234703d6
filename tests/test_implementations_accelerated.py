"""The OGM and triple-momentum reference optimizers against hand-computed steps, their contracts, validation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from ratecheck.implementations import gradient_descent, ogm, triple_momentum
from ratecheck.implementations.ogm import ogm_theta
from ratecheck.implementations.triple_momentum import output, tm_parameters


def quad_1d(a: float, x_star: float = 0.0):
    return lambda x: a * (x - x_star)


def test_ogm_theta_schedule():
    assert ogm_theta(0) == [1.0]
    assert ogm_theta(1) == [1.0, 2.0]  # the last-step rule at once: (1 + sqrt(9))/2
    t1 = (1 + math.sqrt(5)) / 2
    assert ogm_theta(2) == pytest.approx([1.0, t1, (1 + math.sqrt(1 + 8 * t1**2)) / 2], rel=1e-15)


def test_ogm_hand_computed():
    a, lr, x0 = 1.0, 0.5, 4.0
    th = ogm_theta(2)
    ys = ogm(quad_1d(a), np.array([x0]), lr, 2)[:, 0]
    x1 = x0 - lr * a * x0
    y1 = x1 + (th[0] - 1) / th[1] * (x1 - x0) + th[0] / th[1] * (x1 - x0)
    x2 = y1 - lr * a * y1
    y2 = x2 + (th[1] - 1) / th[2] * (x2 - x1) + th[1] / th[2] * (x2 - y1)
    np.testing.assert_allclose(ys, [x0, y1, y2], rtol=1e-15)


def test_ogm_last_point_depends_on_steps_only_at_the_end():
    grad = quad_1d(2.0, 1.0)
    short, long = ogm(grad, [3.0], 0.5, 5), ogm(grad, [3.0], 0.5, 8)
    np.testing.assert_allclose(short[:5], long[:5], rtol=1e-15)  # same regular-rule prefix
    assert short[5, 0] != long[5, 0]  # y_5 of a 5-step run used the last-step rule


def test_tm_hand_computed():
    a, (alpha, beta, gamma), x0 = 2.0, (0.3, 0.4, 0.2), 1.5
    xis = triple_momentum(quad_1d(a), np.array([x0]), alpha, beta, gamma, 3)[:, 0]
    xi = [x0, x0]  # xi_{-1}, xi_0
    for _ in range(3):
        y = (1 + gamma) * xi[-1] - gamma * xi[-2]
        xi.append((1 + beta) * xi[-1] - beta * xi[-2] - alpha * a * y)
    np.testing.assert_allclose(xis, xi[1:], rtol=1e-15)


def test_tm_without_momentum_is_gd_and_output_formula():
    grad = quad_1d(3.0, -1.0)
    np.testing.assert_allclose(triple_momentum(grad, [2.0], 0.1, 0.0, 0.0, 10), gradient_descent(grad, [2.0], 0.1, 10))
    xis = np.array([[1.0], [2.0], [4.0]])
    np.testing.assert_allclose(output(xis, 0.5), [[1.0], [2.5], [5.0]])


def test_tm_parameters_and_contract():
    p = tm_parameters(9.0, 1.0)
    rho = 1 - 1 / 3
    assert p == pytest.approx({"alpha": (1 + rho) / 9, "beta": rho**2 / (2 - rho),
                               "gamma": rho**2 / ((1 + rho) * (2 - rho)), "delta": rho**2 / (1 - rho**2), "rho": rho})
    x0 = np.array([1.0, -2.0])
    xs = triple_momentum(lambda x: x, x0, p["alpha"], p["beta"], p["gamma"], 4)
    assert xs.shape == (5, 2) and np.array_equal(xs[0], x0)
    xs[0, 0] = 7.0
    assert x0[0] == 1.0
    with pytest.raises(ValueError, match="mu must be a finite number"):
        tm_parameters(1.0, 2.0)


@pytest.mark.parametrize(("fn", "kwargs", "exc", "match"), [
    ("ogm", {"steps": -1}, ValueError, "steps must be an int >= 0"),
    ("ogm", {"lr": 0.0}, ValueError, "lr must be a finite number"),
    ("ogm", {"grad": 1}, TypeError, "grad must be callable"),
    ("tm", {"beta": 1.5}, ValueError, r"beta must be a finite number in \[0.0, 1.0\]"),
    ("tm", {"gamma": -0.1}, ValueError, "gamma must be a finite number"),
    ("tm", {"alpha": "1"}, TypeError, "alpha must be a real number"),
    ("tm", {"x0": [np.nan]}, ValueError, "x0 must be finite"),
])
def test_bad_inputs(fn, kwargs, exc, match):
    if fn == "ogm":
        args = {"grad": lambda x: x, "x0": np.ones(2), "lr": 0.1, "steps": 3} | kwargs
        call = ogm
    else:
        args = {"grad": lambda x: x, "x0": np.ones(2), "alpha": 0.1, "beta": 0.2, "gamma": 0.1, "steps": 3} | kwargs
        call = triple_momentum
    with pytest.raises(exc, match=match):
        call(**args)
