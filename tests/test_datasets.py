"""Real data sets (extra ratecheck[data]): shapes, labels, standardisation, and the problems' constants."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")
from ratecheck.implementations.problems.datasets import NAMES, dataset_problem, load


@pytest.mark.parametrize(("name", "shape"), [("breast_cancer", (569, 31)), ("digits", (1797, 62)),
                                             ("wine", (178, 14))])
def test_loaded_data_sets_are_standardised_binary_tasks(name, shape):
    data = load(name)
    assert (data.n, data.d) == shape and set(np.unique(data.y)) == {-1.0, 1.0}
    np.testing.assert_allclose(data.A[:, :-1].mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(data.A[:, :-1].std(axis=0), 1, rtol=1e-12)
    assert np.all(data.A[:, -1] == 1.0)  # bias column
    with pytest.raises(ValueError):
        data.A[0, 0] = 1.0  # read-only
    sub = data.subsample(50, seed=1)
    assert sub.n == 50 and sub.d == data.d and set(map(tuple, sub.A)) <= set(map(tuple, data.A))


def test_digits_task_is_odd_against_even():
    from sklearn.datasets import load_digits

    data = load("digits")
    np.testing.assert_array_equal(data.y > 0, load_digits().target % 2 == 1)
    assert data.dropped == 3


@pytest.mark.parametrize("name", NAMES)
def test_problem_constants_on_real_data(name):
    problems = {kind: dataset_problem(name, kind, lam=0.1) for kind in ("convex", "nonconvex")}
    for p in problems.values():
        x = np.zeros(p.d)
        H = np.array([(p.grad(x + 1e-6 * e) - p.grad(x - 1e-6 * e)) / 2e-6 for e in np.eye(p.d)])
        assert np.linalg.eigvalsh((H + H.T) / 2)[-1] == pytest.approx(p.L, rel=1e-6)  # L exact, at x = 0
        wrong = p.L - 0.1  # the regulariser's curvature forgotten
        assert np.linalg.eigvalsh((H + H.T) / 2)[-1] > wrong * (1 + 1e-4)
    assert problems["nonconvex"].f_low == 0.0
    assert np.linalg.norm(problems["convex"].grad(problems["convex"].x_star)) < 1e-9


def test_clear_errors():
    with pytest.raises(ValueError, match="unknown data set 'iris'; choose one of breast_cancer, digits, wine"):
        load("iris")
    with pytest.raises(ValueError, match="kind must be 'convex' or 'nonconvex'"):
        dataset_problem("wine", "concave")
    with pytest.raises(ValueError, match=r"n must be an int in \[2, 178\]"):
        load("wine").subsample(500)
