"""CountedOracle: exact counts and flops, clear rejections of malformed calls, nothing exposed."""

from __future__ import annotations

import types

import numpy as np
import pytest
from ratecheck.implementations import (
    CountedOracle,
    OracleCallError,
    Problem,
    gradient_descent,
    least_squares,
    logistic,
    nesterov_worst_case,
    quadratic_spectrum,
    sgd,
    sgd_replicates,
    svrg,
)


@pytest.fixture
def ls():
    return least_squares(30, 4, rng=0)


def test_counts_and_flops_follow_the_cost_model(ls):
    n, d = 30, 4
    oracle = CountedOracle(ls)
    assert (oracle.n, oracle.d) == (n, d)
    sgd(oracle.grad_i, n, np.zeros(d), 0.01, 50, np.random.default_rng(0), batch_size=3)
    gradient_descent(oracle.grad, np.zeros(d), 0.01, 7)
    oracle.value(np.zeros(d))
    assert oracle.counts() == {"full_gradients": 7, "component_gradients": 150, "values": 1,
                               "work": 150 + 7 * n, "flops": 7 * 4 * n * d + 150 * 4 * d + 2 * n * d}
    oracle.reset()
    assert oracle.counts()["work"] == 0 and oracle.flops == 0
    sgd_replicates(oracle.grad_i_batched, n, np.zeros(d), 0.01, 10, 0, replicates=6, batch_size=2)
    assert oracle.component_gradients == 6 * 10 * 2


def test_quadratic_cost_model_and_svrg_work():
    problem = quadratic_spectrum(10, 0.5, 1.0, rng=0)
    oracle = CountedOracle(problem)
    gradient_descent(oracle.grad, np.zeros(10), 1.0, 12)
    assert oracle.flops == 12 * 2 * 10**2  # a dense matvec: 2 d^2
    ls = least_squares(20, 3, rng=1)
    oracle = CountedOracle(ls)
    svrg(oracle.grad, oracle.grad_i, 20, np.zeros(3), 0.01, 3, np.random.default_rng(0), inner_steps=15)
    assert (oracle.full_gradients, oracle.component_gradients, oracle.work) == (3, 90, 3 * (20 + 30))


def test_results_match_the_problem_and_are_fresh(ls):
    oracle = CountedOracle(ls)
    x = np.arange(4.0)
    np.testing.assert_array_equal(oracle.grad(x), ls.grad(x))
    np.testing.assert_array_equal(oracle.grad_i(x, np.array([3, 3, 7])), ls.grad_i(x, np.array([3, 3, 7])))
    assert oracle.value(x) == ls.f(x)
    g = oracle.grad(x)
    g[:] = 1e9  # mutating a result changes nothing inside
    np.testing.assert_array_equal(oracle.grad(x), ls.grad(x))


def test_lists_ints_and_huge_finite_points_are_accepted(ls):
    oracle = CountedOracle(ls)
    np.testing.assert_allclose(oracle.grad([1, 2, 3, 4]), ls.grad(np.array([1.0, 2, 3, 4])))
    np.testing.assert_allclose(oracle.grad_i(np.ones(4), [0, 29]), ls.grad_i(np.ones(4), np.array([0, 29])))
    np.testing.assert_allclose(oracle.grad_i(np.ones(4), np.array([2], dtype=np.uint8)),
                               ls.grad_i(np.ones(4), np.array([2])))
    big = np.full(4, 1e307)  # sum(x) overflows, but x is finite: the slow path must accept it
    with np.errstate(over="ignore"):
        oracle.grad(big)
    assert oracle.full_gradients == 2


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda o: o.grad(np.zeros(5)), r"grad\(x\): x must have shape \(4,\), got shape \(5,\)"),
        (lambda o: o.grad(np.zeros((4, 1))), r"x must have shape \(4,\), got shape \(4, 1\)"),
        (lambda o: o.grad(np.array([0, np.nan, 0, 0])), r"grad\(x\): x must be finite, got nan at index 1"),
        (lambda o: o.grad(np.array([0, 0, -np.inf, 0])), "x must be finite, got -inf at index 2"),
        (lambda o: o.grad(np.zeros(4, complex)), "x must be a real array"),
        (lambda o: o.grad("abcd"), "x must be a real array"),
        (lambda o: o.grad_i(np.zeros(4), np.array([0.0])), "idx must be a 1-D integer array .* got dtype float64"),
        (lambda o: o.grad_i(np.zeros(4), np.array([True])), "got dtype bool"),
        (lambda o: o.grad_i(np.zeros(4), np.array([[1]])), r"idx must have 1 dimension\(s\), got shape \(1, 1\)"),
        (lambda o: o.grad_i(np.zeros(4), 3), r"idx must have 1 dimension\(s\), got shape \(\)"),
        (lambda o: o.grad_i(np.zeros(4), np.array([], dtype=int)), "idx must be non-empty"),
        (lambda o: o.grad_i(np.zeros(4), np.array([-1])), r"indices must lie in \[0, n\) = \[0, 30\), got -1"),
        (lambda o: o.grad_i(np.zeros(4), np.array([30])), r"\[0, 30\), got 30"),
        (lambda o: o.grad_i(np.zeros(4), np.array([0, 5, 31])), "got 31"),
        (lambda o: o.grad_i(np.zeros(4), np.arange(-1, 40)), "got -1"),
        (lambda o: o.grad_i(np.full(4, np.inf), np.array([1])), r"grad_i\(x, idx\): x must be finite"),
        (lambda o: o.grad_i_batched(np.zeros((2, 3)), np.zeros((2, 1), int)), r"real array of shape \(R, 4\)"),
        (lambda o: o.grad_i_batched(np.full((2, 4), np.nan), np.zeros((2, 1), int)), r"finite, got nan at X\[0, 0\]"),
        (lambda o: o.grad_i_batched(np.zeros((2, 4)), np.zeros((3, 1), int)), "IDX must have one row per row of X"),
        (lambda o: o.grad_i_batched(np.zeros((2, 4)), np.full((2, 1), 30)), r"\[0, 30\), got 30"),
        (lambda o: o.grad_i_batched(np.zeros((2, 4)), np.zeros(2, int)), r"idx must have 2 dimension\(s\)"),
        (lambda o: o.value(np.array([np.nan, 0, 0, 0])), r"value\(x\): x must be finite"),
    ],
)
def test_malformed_calls_are_rejected_and_not_counted(ls, call, match):
    oracle = CountedOracle(ls)
    with pytest.raises(OracleCallError, match=match):
        call(oracle)
    assert oracle.work == 0 and oracle.values == 0
    assert issubclass(OracleCallError, ValueError)


def test_log_records_queries_as_copies_and_checks_the_update_rule(ls):
    oracle = CountedOracle(ls, record=True)
    lr = 0.02
    xs = sgd(oracle.grad_i, 30, np.ones(4), lr, 20, np.random.default_rng(0), batch_size=2)
    log = oracle.log
    assert len(log) == 20 and {q.kind for q in log} == {"grad_i"}
    for k, q in enumerate(log):  # the optimizer queried x_k and moved by -lr * the answer
        np.testing.assert_array_equal(q.x, xs[k])
        np.testing.assert_allclose(xs[k + 1], q.x - lr * q.result, rtol=1e-15)
        assert q.idx.shape == (2,)
    xs[:] = 0.0  # the log holds copies
    assert np.all(log[0].x == 1.0)
    unrecorded = CountedOracle(ls)
    unrecorded.grad(np.zeros(4))
    assert unrecorded.log == ()


def _reachable(obj, depth=0, seen=None):
    """Everything reachable from a callable through the introspection an optimizer could try casually."""
    seen = set() if seen is None else seen
    if id(obj) in seen or depth > 8:
        return
    seen.add(id(obj))
    yield obj
    children = []
    if isinstance(obj, types.FunctionType):
        children += [c.cell_contents for c in obj.__closure__ or ()]
        children += list(obj.__defaults__ or ()) + list((obj.__kwdefaults__ or {}).values())
        children += list(vars(obj).values())
    elif isinstance(obj, types.MethodType):
        children += [obj.__self__, obj.__func__]
    elif isinstance(obj, list | tuple | set):
        children += list(obj)
    elif isinstance(obj, dict):
        children += list(obj.values())
    elif hasattr(obj, "__dict__") and not isinstance(obj, type | types.ModuleType):
        children += list(vars(obj).values())
    for child in children:
        yield from _reachable(child, depth + 1, seen)


@pytest.mark.parametrize("make", [
    lambda: least_squares(30, 4, rng=0),
    lambda: logistic(50, 3, 0.1, rng=0),
    lambda: quadratic_spectrum(5, 0.1, 1.0, rng=0, f_star=3.25),
    lambda: nesterov_worst_case(6, 1.0, mu=0.1),
])
def test_callables_expose_no_solution(make):
    problem = make()
    oracle = CountedOracle(problem, record=True)
    handed_out = [oracle.grad, oracle.grad_i, oracle.grad_i_batched, oracle.value]
    for fn in handed_out:
        assert not hasattr(fn, "__self__")  # plain closures, not bound methods of something richer
        assert fn.__defaults__ is None and fn.__kwdefaults__ is None
    objects = [o for fn in [*handed_out, oracle] for o in _reachable(fn)]
    assert not any(isinstance(o, Problem) for o in objects)
    for o in objects:
        if isinstance(o, np.ndarray) and o.shape == problem.x_star.shape:
            assert not np.allclose(o, problem.x_star), "x_star is reachable from the oracle"
        if isinstance(o, float) and problem.f_star != 0.0:
            assert o != problem.f_star, "f_star is reachable from the oracle"


def test_oracle_needs_a_problem():
    with pytest.raises(TypeError, match="CountedOracle needs a Problem"):
        CountedOracle(object())
